#!/usr/bin/env bash
# Install the JS UnixFS importer that tests/chunking/test_reference_cids.py checks Cairn against.
#
# Installs exactly what tests/reference/package-lock.json pins into tests/reference/node_modules
# (git-ignored). A fresh clone runs `npm ci`, which takes its tarballs from npm's cache when they
# are there (--prefer-offline), so only the first install on a machine downloads anything; when
# node_modules already matches the lockfile, nothing runs at all.
set -euo pipefail
ref="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/reference" && pwd)"

stamp="$ref/node_modules/.cairn-lock.sha256"
want="$(sha256sum "$ref/package-lock.json" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "install-node-reference: npm is not installed" >&2; exit 1; }
cd "$ref"
npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2
echo "$want" > "$stamp"
