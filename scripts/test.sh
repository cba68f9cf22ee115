#!/usr/bin/env bash
# Install everything the tests need and run them: the one test command (README, .ci/run).
# Safe to run on a fresh machine and fast the second time (pip, npm and the Kubo build are cached
# outside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

# Every service and tool the tests use is installed here, and a failure stops the run: no test may
# skip for want of one (CAIRN_NO_SKIPS=1 below makes pytest report any skip as a failure).
# need WHAT SCRIPT: run an install script, print the last line of its output (a path); on failure
# say what is missing and exit non-zero.
need() {
  local what="$1" script="$2" out
  if ! out="$(bash "$script")"; then
    echo "error: $what could not be installed ($script failed, its messages are above);" \
      "the tests need it and must not skip" >&2
    return 1
  fi
  printf '%s\n' "$out" | tail -n 1
}
CAIRN_KUBO_BIN="$(need Kubo scripts/install-kubo.sh)"
export CAIRN_KUBO_BIN
# PostgreSQL from Debian's packages: the shared index (tests/services/postgres.py starts clusters).
CAIRN_PG_BIN="$(need PostgreSQL scripts/install-postgres.sh)"
export CAIRN_PG_BIN
need "the JS reference importer" scripts/install-node-reference.sh >/dev/null
CAIRN_ARLOCAL_ENTRY="$(need "arlocal (the local Arweave gateway)" scripts/install-arlocal.sh)"
export CAIRN_ARLOCAL_ENTRY
need "the EVM tools (anvil, cast, solcjs, OpenZeppelin's merkle-tree)" scripts/install-evm-tools.sh >/dev/null
CAIRN_CHROMIUM="$(need "Chromium (for the web page tests)" scripts/install-chromium.sh)"
export CAIRN_CHROMIUM
# The IPFS gateway conformance suite (Go), built from third_party/gateway-conformance/.
CAIRN_GATEWAY_CONFORMANCE_BIN="$(need gateway-conformance scripts/install-gateway-conformance.sh)"
export CAIRN_GATEWAY_CONFORMANCE_BIN
export CAIRN_NO_SKIPS=1 # tests/conftest.py: a skipped test is a failure, naming the skip's reason

.venv/bin/ruff check .
.venv/bin/ruff format --check .
bash scripts/typecheck.sh
.venv/bin/pytest -q -p no:cacheprovider "$@"
