"""The Arweave side of `cairn pin` and `cairn pins`.

Arweave is public, permanent and paid, so a pin first says what will become public forever, how
much will be uploaded (and how much is already there), and what it costs, then asks (unless
``--yes``). Everything said goes to stderr, so that stdout keeps the CID or the JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import typer

from cairn.cli.output import emit_json, human_bytes, notice, progress_bar

if TYPE_CHECKING:
    from cairn.chunking.cid import CID
    from cairn.lineage.index.catalog import ArweaveTxRow
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.arweave_pin import ArweavePinResult, ArweavePlan


def pin_to_arweave(repo: Repo, cid: CID, with_ancestors: bool, yes: bool, json_out: bool) -> None:
    from cairn.lineage.workflows.arweave_pin import execute_arweave_pin, prepare_arweave_pin

    with progress_bar("resuming", None, enabled=not json_out) as advance:
        plan = prepare_arweave_pin(repo, cid, with_ancestors, advance, notice)
    if not plan.nothing_to_do:
        describe(plan)
        if not yes:
            _confirm()
    with progress_bar("uploading to Arweave", plan.upload_bytes, enabled=not json_out) as advance:
        result = execute_arweave_pin(repo, plan, advance, notice)
    if json_out:
        emit_json(result_json(result))
        return
    if plan.nothing_to_do:
        notice(
            f"already on Arweave: nothing to upload ({plan.blocks_present} blocks, {human_bytes(plan.bytes_present)})"
        )
    else:
        notice(
            f"uploaded {human_bytes(result.bytes_sent)} ({result.blocks_sent} blocks) and a "
            f"{human_bytes(result.map_bytes)} block map in {len(result.transactions)} transactions; "
            f"saved {human_bytes(result.bytes_saved)} already on Arweave; the gateway accepted it all "
            "(`cairn pins` tracks confirmations)"
        )
    print(cid)


def winston(amount: int) -> str:
    return f"{amount} winston ({Decimal(amount) / Decimal(10**12)} AR)"


def describe(plan: ArweavePlan) -> None:
    """What becomes public forever, how big, and at what price."""
    manifest = plan.manifest
    notice("Arweave is public and permanent: once uploaded, this can never be deleted, changed or made private.")
    if manifest is not None:
        version = f" {manifest.version}" if manifest.version else ""
        notice(f"  artifact  {manifest.name}{version} ({manifest.kind}, license {manifest.license or 'none given'}), "
               f"{manifest.file_count} files, {human_bytes(manifest.bytes)}")  # fmt: skip
        notice(f"  publisher {manifest.publisher}")
    others = f" and {len(plan.roots) - 1} more (run record, ancestors)" if len(plan.roots) > 1 else ""
    notice(f"  CID       {plan.cid}{others}")
    notice(f"  upload    {human_bytes(plan.upload_bytes)}: {human_bytes(plan.bytes_new)} of new blocks in "
           f"{len(plan.parts)} transactions, and a {human_bytes(plan.map_size)} block map")  # fmt: skip
    notice(f"  saved     {human_bytes(plan.bytes_present)} ({plan.blocks_present} blocks) already on Arweave")
    notice(f"  price     {winston(plan.price)}; wallet {plan.address} holds {winston(plan.balance)}")


def _confirm() -> None:
    from cairn.errors import BadInput

    try:  # typer's own prompt: newer typer ships without click, so Cairn never imports click itself
        agreed = typer.confirm("Publish this permanently to Arweave?", default=False, err=True)
    except (typer.Abort, EOFError, OSError):
        raise BadInput("Arweave uploads are permanent and paid: nothing was uploaded; confirm with --yes") from None
    if not agreed:
        notice("nothing was uploaded")
        raise typer.Exit(1)


def result_json(result: ArweavePinResult) -> dict[str, Any]:
    return {
        "cid": str(result.cid),
        "remote": "arweave",
        "roots": [str(r) for r in result.roots],
        "state": "pinned",
        "blocks_sent": result.blocks_sent,
        "bytes_sent": result.bytes_sent,
        "map_bytes": result.map_bytes,
        "bytes_saved": result.bytes_saved,
        "blocks_present": result.blocks_present,
        "price_winston": result.price,
        "resumed": result.resumed,
        "transactions": transactions_json(result.transactions),
    }


def transactions_json(rows: list[ArweaveTxRow]) -> list[dict[str, Any]]:
    return [
        {
            "id": row.tx_id,
            "role": row.role,
            "state": row.state,
            "confirmations": row.confirmations,
            "block_height": row.block_height,
            "bytes": row.data_size,
            "reward_winston": int(row.reward),
            "chunks_done": row.chunks_done,
            "chunks_total": row.chunks_total,
        }
        for row in rows
    ]


def _state(row: ArweaveTxRow) -> str:
    if row.state == "confirmed":
        return f"confirmed ({row.confirmations} confirmations)"
    if row.state in ("signed", "uploading"):
        return f"interrupted at chunk {row.chunks_done}/{row.chunks_total}: run the pin again"
    return row.state


def print_transactions(rows: list[ArweaveTxRow]) -> None:
    for row in rows:
        kind = "block map" if row.role == "map" else "CAR"
        print(f"  {kind:9s} {row.tx_id}  {human_bytes(row.data_size):>10s}  {_state(row)}")
