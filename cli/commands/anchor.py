"""`cairn anchor`, `anchor deploy`, `anchor proof`: put record roots on a chain and hand out proofs.

The chain comes from CAIRN_CHAIN_RPC / CAIRN_CHAIN_CONTRACT / CAIRN_CHAIN_KEY(_FILE) (or Arweave's
gateway and wallet); the key itself is never printed, with or without ``--json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, notice

if TYPE_CHECKING:
    from cairn.lineage.anchoring.anchor import ProofCheck, Settled
    from cairn.lineage.workflows.verify import VerifyReport

app = typer.Typer(
    invoke_without_command=True,
    no_args_is_help=False,
)

ToOption = Annotated[
    str | None,
    typer.Option("--to", help="evm or arweave (default: evm if CAIRN_CHAIN_RPC is set, else arweave).",
                 show_default=False),
]  # fmt: skip


@app.callback()
def anchor(
    ctx: typer.Context,
    to: ToOption = None,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Anchor every manifest and run record not yet anchored: one Merkle root, one transaction.

    Waits for CAIRN_CHAIN_CONFIRMATIONS confirmations (default 1) and stores each record's proof.
    Earlier batches are re-checked first; records whose anchor a reorg removed are anchored again.
    Example: cairn anchor --json
    """
    if ctx.invoked_subcommand is not None:
        return
    result = open_home(home).anchor(to=to)
    _report_settled(result.settled)
    if json_out:
        emit_json(result.to_json())
    elif result.placement is None:
        print(f"nothing to anchor: every manifest and run record is anchored on {result.target}")
    else:
        print(f"anchored {result.records} records on {result.target} in block {result.placement.block}, "
              f"tx {result.placement.tx} (root 0x{(result.root or b'').hex()})")  # fmt: skip


def _report_settled(settled: Settled) -> None:
    for row in settled.gone:
        notice(f"the anchor of {row.records} records (block {row.block}, tx {row.tx}) is no longer on chain; "
               "anchoring them again")  # fmt: skip
    for row in settled.abandoned:
        notice(f"an earlier batch of {row.records} records never landed; anchoring them again")


@app.command("deploy")
def deploy(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Deploy the anchor contract (contracts/Anchor.sol) and print its address.

    Uses CAIRN_CHAIN_RPC and the key of CAIRN_CHAIN_KEY or CAIRN_CHAIN_KEY_FILE.
    Example: export CAIRN_CHAIN_CONTRACT=$(cairn anchor deploy)
    """
    from cairn.lineage.anchoring.evm import deploy_contract
    from cairn.settings import load_settings

    deployment = deploy_contract(load_settings(home))
    if json_out:
        emit_json({"contract": deployment.contract, "tx": deployment.tx, "chain_id": deployment.chain_id,
                   "block": deployment.block})  # fmt: skip
        return
    notice(f"deployed the anchor contract on chain {deployment.chain_id} in block {deployment.block}, "
           f"tx {deployment.tx}; set CAIRN_CHAIN_CONTRACT to use it")  # fmt: skip
    print(deployment.contract)


@app.command("proof")
def proof(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]", help="An anchored manifest or run record.")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Proof file to write (default: stdout).")
    ] = None,
    home: HomeOption = None,
) -> None:
    """Write a record's anchor proof as self-contained JSON (cid, leaf, proof, root, chain_id,
    contract, tx, block), checkable without Cairn: `cairn verify CID --proof FILE` from any home,
    or OpenZeppelin's StandardMerkleTree.verify(root, ['bytes'], [cid bytes], proof).

    Example: cairn anchor proof bafyr... -o model.proof.json
    """
    from cairn.lineage.anchoring.anchor import proof_for
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.resolve import resolve

    repo = Repo.open(home)
    found = proof_for(repo, resolve(repo, ref))
    if output is None:
        emit_json(found.to_json())
        return
    found.write(output)
    notice(f"wrote the proof of {found.cid} (block {found.block}, tx {found.tx}) to {output}")


def verify_proof(ref: str, proof_file: Path, json_out: bool, home: Path | None) -> None:
    """`cairn verify CID --proof FILE`: only the anchor, from the file and an RPC; no content, no home."""
    from cairn.lineage.anchoring.anchor import AnchorProof, check_proof
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.resolve import resolve
    from cairn.settings import load_settings

    cid = resolve(Repo.open(home), ref)  # a CID is taken as given, without opening the home
    check = check_proof(load_settings(home), AnchorProof.read(proof_file), cid)
    if json_out:
        emit_json({"cid": str(cid), "ok": check.ok, "failures": check.failures,
                   "anchor": "anchored" if check.ok else "failed", **check.proof.to_json(),
                   "block_time": check.block_time})  # fmt: skip
    else:
        _print_proof_check(check)
    if not check.ok:
        if not json_out:
            notice(f"cairn: error: verification failed: {check.failures[0]}")
        raise typer.Exit(1)


def _print_proof_check(check: ProofCheck) -> None:
    proof = check.proof
    for failure in check.failures:
        print(f"FAILED: {failure}")
    if check.ok:
        print(f"proof: {proof.cid} is a leaf of root 0x{proof.root.hex()} ({len(proof.proof)} sibling hashes)")
        print(f"anchor: anchored on {proof.target} in block {proof.block}{_when(check.block_time)}, tx {proof.tx}")


def _when(timestamp: int | None) -> str:
    import datetime

    if timestamp is None:
        return ""
    return " at " + datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def print_anchors(report: VerifyReport) -> None:
    for status in report.anchors:
        print(f"anchor {status.state}: {status.record}: {status.detail}")
