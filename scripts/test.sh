#!/usr/bin/env bash
# Install everything the tests need and run them: the one test command (README, .ci/run).
# Safe to run on a fresh machine and fast the second time (pip, npm and the Kubo build are cached
# outside the checkout).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'

export CAIRN_KUBO_BIN="$(bash scripts/install-kubo.sh | tail -n 1)"
# PostgreSQL from Debian's packages: the shared index (tests/services/postgres.py starts clusters).
# When it cannot be installed the PostgreSQL cases skip, saying why.
if ! CAIRN_PG_BIN="$(bash scripts/install-postgres.sh | tail -n 1)"; then
  echo "warning: PostgreSQL was not installed; the PostgreSQL index tests will skip" >&2
  CAIRN_PG_BIN=""
fi
export CAIRN_PG_BIN
bash scripts/install-node-reference.sh
export CAIRN_ARLOCAL_ENTRY="$(bash scripts/install-arlocal.sh | tail -n 1)"   # the local Arweave gateway
bash scripts/install-evm-tools.sh >/dev/null   # anvil, cast, solcjs, OpenZeppelin's merkle-tree
export CAIRN_CHROMIUM="$(bash scripts/install-chromium.sh | tail -n 1)"   # Debian's, for the web page tests
# The IPFS gateway conformance suite (Go); when it cannot be fetched its test skips, saying why.
if ! CAIRN_GATEWAY_CONFORMANCE_BIN="$(bash scripts/install-gateway-conformance.sh | tail -n 1)"; then
  echo "warning: gateway-conformance was not built; tests/api/test_gateway_conformance.py will skip" >&2
fi
export CAIRN_GATEWAY_CONFORMANCE_BIN

.venv/bin/ruff check .
.venv/bin/ruff format --check .
bash scripts/typecheck.sh
.venv/bin/pytest -q -p no:cacheprovider "$@"
