#!/usr/bin/env bash
# Compile contracts/Anchor.sol with the pinned solcjs (tests/services/evm/package-lock.json) and
# write its ABI and creation bytecode: contracts/Anchor.abi.json and contracts/Anchor.bin, or the
# same names in OUT_DIR. Both outputs are committed; tests/lineage/test_anchor.py runs this into a
# temporary folder and requires identical bytes, so source and build cannot drift apart.
#   scripts/build-contract.sh [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/contracts}"
SOLC_VERSION="0.8.30"

modules="$(bash "$root/scripts/install-evm-tools.sh" | tail -n 1)"
solcjs="$modules/.bin/solcjs"
have="$("$solcjs" --version)"
case "$have" in
  "$SOLC_VERSION+"*) ;;
  *) echo "build-contract: solcjs is $have, expected $SOLC_VERSION" >&2; exit 1 ;;
esac
mkdir -p "$out"

# Standard JSON through solcjs's own API (its CLI prints a notice into the JSON on stdout), so that
# every setting that shapes the bytecode is written down here: the optimizer, and the EVM version
# (paris: no PUSH0, so the same bytecode deploys on chains that lag behind).
SOLC="$modules/solc" SOURCE="$root/contracts/Anchor.sol" OUT="$out" node -e '
  const fs = require("fs");
  const solc = require(process.env.SOLC);
  const input = {
    language: "Solidity",
    sources: { "Anchor.sol": { content: fs.readFileSync(process.env.SOURCE, "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "paris",
      outputSelection: { "Anchor.sol": { Anchor: ["abi", "evm.bytecode.object"] } },
    },
  };
  const result = JSON.parse(solc.compile(JSON.stringify(input)));
  for (const e of result.errors || []) process.stderr.write(e.formattedMessage + "\n");
  if ((result.errors || []).some((e) => e.severity === "error")) process.exit(1);
  const anchor = result.contracts["Anchor.sol"].Anchor;
  fs.writeFileSync(process.env.OUT + "/Anchor.abi.json", JSON.stringify(anchor.abi, null, 2) + "\n");
  fs.writeFileSync(process.env.OUT + "/Anchor.bin", anchor.evm.bytecode.object + "\n");
'
echo "$out"
