"""`cairn ls` and `cairn show`: what this home holds."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, human_bytes, print_table


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)
    app.command("show")(show)


def ls(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """List the artifacts in this home, oldest first."""
    rows = open_home(home).ls()
    if json_out:
        emit_json([row.to_json() for row in rows])
        return
    cells = [[r.name, r.version or "", r.kind, human_bytes(r.bytes), str(r.file_count), str(r.cid)] for r in rows]
    print_table(["name", "version", "kind", "size", "files", "cid"], cells)


def show(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    from_: Annotated[
        list[str] | None, typer.Option("--from", help="Also ask this remote (ipfs, arweave, a peer URL).")
    ] = None,
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Show an artifact's manifest and files; with --from, a name or CID this home lacks too.

    Example: cairn show my-model@1.1 --from http://peer:8080
    """
    info = open_home(home).show(ref, remotes=from_ or []).to_json()
    if json_out:
        emit_json(info)
        return
    for key, value in info.items():
        if key != "files":
            print(f"{key:13s} {value}")
    for f in info["files"]:
        print(f"  {f['path']}  {human_bytes(f['size'])}  {f['cid']}")
