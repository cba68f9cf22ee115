"""`cairn pin`, `unpin`, `pins`: keep artifacts on remotes (IPFS now; Arweave and peers next)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer

from cli.options import HomeOption, JsonOption
from cli.output import emit_json, human_bytes, notice, progress_bar

RemoteOption = Annotated[str, typer.Option("--to", help="ipfs (the node at CAIRN_IPFS_API) or a Cairn server URL.")]


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

    Example: CAIRN_IPFS_API=http://127.0.0.1:5001 cairn pin my-model@1 --to ipfs
    """
    from lineage.pin import pin as do_pin
    from lineage.repo import Repo
    from lineage.resolve import resolve

    repo = Repo.open(home)
    cid = resolve(repo, ref)
    with progress_bar("pinning", None, enabled=not json_out) as advance:
        result = do_pin(repo, cid, to, with_ancestors, advance)
    if json_out:
        emit_json({"cid": str(cid), "remote": result.remote, "roots": [str(r) for r in result.roots],
                   "blocks_sent": result.blocks_sent, "bytes_sent": result.bytes_sent,
                   "blocks_present": result.blocks_present, "state": "pinned"})  # fmt: skip
        return
    notice(f"sent {result.blocks_sent} blocks ({human_bytes(result.bytes_sent)}); "
           f"{result.blocks_present} were already there")  # fmt: skip
    print(cid)


def unpin(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    from_: Annotated[str, typer.Option("--from", help="ipfs")],
    home: HomeOption = None,
) -> None:
    """Remove the remote pins of an artifact (its blocks stay local)."""
    from cairn.errors import BadInput
    from lineage.pin import unpin_from_ipfs
    from lineage.repo import Repo
    from lineage.resolve import resolve

    if from_ != "ipfs":
        raise BadInput(f"unknown remote {from_!r} (use ipfs)")
    repo = Repo.open(home)
    removed = unpin_from_ipfs(repo, resolve(repo, ref))
    notice(f"removed {len(removed)} pins")


def pins(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """List recorded pins and their state (pinning = incomplete: run the pin again)."""
    from lineage.repo import Repo

    repo = Repo.open(home)
    rows = repo.index.pins() if repo.exists() else []
    if json_out:
        emit_json([asdict(row) for row in rows])
        return
    for row in rows:
        print(f"{row.remote:8s} {row.state:8s} {human_bytes(row.bytes_sent):>10s} sent  {row.cid}")
