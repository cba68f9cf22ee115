"""Gas per anchor batch: one transaction whatever the batch size, so gas should not grow with it.

    .venv/bin/python bench/anchor_gas.py [--sizes 1,100,10000]

Starts its own anvil (tests/services/anvil.py), deploys contracts/Anchor.sol, and for each size
signs that many run records into a fresh home and runs the real anchoring workflow once. Prints
gas used by the anchor transaction, the Merkle tree depth (the proof length each record stores)
and the wall time of the whole `anchor` call (tree, index, transaction, receipt); writes the rows
to bench/out/anchor_gas.json. The deployment's gas is printed once, for scale.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cairn.chunking.cid import CID  # noqa: E402
from cairn.lineage.anchoring.anchor import anchor, proof_for  # noqa: E402
from cairn.lineage.repo import Repo  # noqa: E402
from cairn.storage.chain import ChainKey  # noqa: E402
from tests.lineage.anchor_fixtures import client, ledger, make_runs, web3_for  # noqa: E402
from tests.services.anvil import Anvil, running_anvil  # noqa: E402


def measure(anvil: Anvil, contract: str, home: Path, size: int) -> dict[str, Any]:
    repo = Repo.open(home)
    try:
        cids = make_runs(repo, size, tag=f"bench-{size}")
        started = time.perf_counter()
        result = anchor(repo, ledger(anvil, contract))
        seconds = time.perf_counter() - started
        assert result.placement is not None and result.records == size
        receipt = web3_for(anvil).eth.get_transaction_receipt(result.placement.tx)
        depth = len(proof_for(repo, CID.parse(cids[-1])).proof)
    finally:
        repo.close()
    return {"records": size, "gas": int(receipt["gasUsed"]), "proof_hashes": depth, "anchor_s": round(seconds, 3),
            "gas_per_record": round(int(receipt["gasUsed"]) / size, 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1,100,10000", help="batch sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="cairn-anchor-") as work, running_anvil(Path(work) / "anvil") as chain:
        deployment = client(chain).deploy(ChainKey(chain.key))
        deploy_gas = int(web3_for(chain).eth.get_transaction_receipt(deployment.tx)["gasUsed"])
        rows = [measure(chain, deployment.contract, Path(work) / f"home-{size}", size) for size in sizes]
    print(f"anchor contract deployment: {deploy_gas} gas")
    print(f"{'records':>8} {'gas':>8} {'gas/record':>11} {'proof hashes':>13} {'anchor s':>9}")
    for row in rows:
        print(f"{row['records']:>8} {row['gas']:>8} {row['gas_per_record']:>11} {row['proof_hashes']:>13} "
              f"{row['anchor_s']:>9}")  # fmt: skip
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "anchor_gas.json").write_text(json.dumps({"deploy_gas": deploy_gas, "batches": rows}, indent=2))


if __name__ == "__main__":
    main()
