#!/usr/bin/env bash
# Install arlocal, the local Arweave gateway the tests run against (docs/services.md), once per
# lockfile into a cache outside the checkout, and print the path of its entry script on the
# last line.
#
# Exactly what tests/services/arlocal/package-lock.json pins is installed with `npm ci`.
# arlocal 1.1.66 depends, through arbundles, on avsc from a git URL, which cannot be fetched
# here; package.json overrides it with the npm release 5.7.7. The cache is keyed by the
# lockfile's hash and lives outside the checkout because CI clones afresh each run and npm
# builds sqlite3 from source here (its prebuilt binary is a download npm cannot make), which
# takes a minute and a half; npm's own cache (--prefer-offline) still spares the downloads.
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/services/arlocal" && pwd)"
hash="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)"
dest="${CAIRN_TOOL_CACHE:-$HOME/.cache/cairn-tools}/arlocal-$hash"
entry="$dest/node_modules/arlocal/bin/index.js"

if [ ! -f "$dest/.complete" ] || [ ! -f "$entry" ]; then
  command -v npm >/dev/null || { echo "install-arlocal: npm is not installed" >&2; exit 1; }
  echo "installing arlocal into $dest (a minute or two, once)" >&2
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  touch "$dest/.complete"
fi
echo "$entry"
