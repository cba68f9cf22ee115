#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages when it is missing (the shared index, issue #11).
# Only the binaries are needed: tests/services/postgres.py starts throwaway clusters of its own on
# loopback, so the Debian cluster that the package may create is left alone.
# Prints the folder of initdb, pg_ctl and postgres on its last line.
set -euo pipefail
find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin="$(find_bin)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed and installing it needs root: apt-get install postgresql" >&2
    exit 1
  fi
  echo "installing PostgreSQL from Debian's packages (once)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
  bin="$(find_bin)"
fi
echo "$bin"
