#!/usr/bin/env bash
# Install the EVM tools of tests/services/evm/package-lock.json: anvil and cast (Foundry's own
# npm packages, which ship their binaries), solcjs for the anchor contract, and OpenZeppelin's
# merkle-tree as the reference for chunking/merkle.py.
#
# Into tests/services/evm/node_modules (git-ignored), by `npm ci` from npm's cache when the
# tarballs are there (--prefer-offline); when node_modules already matches the lock file, nothing
# runs at all. Prints the node_modules folder on its last line.
set -euo pipefail
evm="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/services/evm" && pwd)"

stamp="$evm/node_modules/.cairn-lock.sha256"
want="$(sha256sum "$evm/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  command -v npm >/dev/null || { echo "install-evm-tools: npm is not installed" >&2; exit 1; }
  (cd "$evm" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
  echo "$want" > "$stamp"
fi
echo "$evm/node_modules"
