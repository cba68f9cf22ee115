"""`cairn pin`, `unpin`, `pins`: keep artifacts on remotes (IPFS, Arweave, Cairn servers)."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, human_bytes, notice, progress_bar

RemoteOption = Annotated[
    str,
    typer.Option("--to", help="ipfs (the node at CAIRN_IPFS_API), arweave (CAIRN_ARWEAVE_URL) or a Cairn server URL."),
]


def register(app: typer.Typer) -> None:
    app.command("pin")(pin)
    app.command("unpin")(unpin)
    app.command("pins")(pins)


def pin(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    to: RemoteOption,
    with_ancestors: Annotated[bool, typer.Option("--with-ancestors", help="Pin every ancestor too.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Send an artifact's missing blocks to a remote and pin it there.

    Arweave is permanent and paid: the command first says what becomes public forever, its
    size and price, and asks unless --yes.

    Example: CAIRN_IPFS_API=http://127.0.0.1:5001 cairn pin my-model@1 --to ipfs
    """
    cairn = open_home(home)
    if to == "arweave":
        from cairn.cli.commands.arweave_pins import pin_to_arweave

        return pin_to_arweave(cairn.repo, cairn.resolve(ref), with_ancestors, yes, json_out)
    with progress_bar("pinning", None, enabled=not json_out) as advance:
        result = cairn.pin(ref, to, with_ancestors=with_ancestors, progress=advance)
    if json_out:
        emit_json(result.to_json())
        return
    notice(f"sent {result.blocks_sent} blocks ({human_bytes(result.bytes_sent)}); "
           f"{result.blocks_present} were already there")  # fmt: skip
    print(result.cid)


def unpin(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    from_: Annotated[str, typer.Option("--from", help="ipfs")],
    home: HomeOption = None,
) -> None:
    """Remove the remote pins of an artifact (its blocks stay local). Arweave has no unpin."""
    removed = open_home(home).unpin(ref, remote=from_)
    notice(f"removed {len(removed)} pins")


def pins(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """List recorded pins and their state (pinning = incomplete: run the pin again)."""
    cairn = open_home(home)
    repo, rows = cairn.repo, cairn.pins()
    if any(row.remote == "arweave" for row in rows):  # Arweave: each transaction, pending or confirmed
        from cairn.cli.commands.arweave_pins import print_transactions, transactions_json
        from cairn.lineage.workflows.arweave_pin import refresh_arweave

        refresh_arweave(repo, notice)
    if json_out:
        emit_json([row.to_json() | ({"transactions": transactions_json(repo.index.arweave_txs(row.cid))}
                                  if row.remote == "arweave" else {}) for row in rows])  # fmt: skip
        return
    for row in rows:
        print(f"{row.remote:8s} {row.state:8s} {human_bytes(row.bytes_sent):>10s} sent  {row.cid}")
        if row.remote == "arweave":
            print_transactions(repo.index.arweave_txs(row.cid))
