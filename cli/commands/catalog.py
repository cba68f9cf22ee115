"""`cairn ls` and `cairn show`: what this home holds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from cairn.cli.options import HomeOption, JsonOption
from cairn.cli.output import emit_json, human_bytes, print_table


def register(app: typer.Typer) -> None:
    app.command("ls")(ls)
    app.command("show")(show)


def ls(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """List the artifacts in this home, oldest first."""
    from cairn.lineage.repo import Repo

    repo = Repo.open(home)
    rows = repo.index.artifacts() if repo.exists() else []
    if json_out:
        emit_json([asdict(row) for row in rows])
        return
    cells = [[r.name, r.version or "", r.kind, human_bytes(r.bytes), str(r.file_count), r.cid] for r in rows]
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
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.pull import list_files
    from cairn.lineage.workflows.resolve import open_target, resolve_anywhere
    from cairn.storage.remotes import open_remote
    from cairn.storage.union import UnionStore

    repo = Repo.open(home)
    remotes = [open_remote(r, repo.settings) for r in from_ or []]
    store = UnionStore(repo.store, remotes) if remotes else repo.store  # fetched blocks are verified, kept
    cid = resolve_anywhere(repo, store, ref, remotes)
    target = open_target(store, cid)
    files, _ = list_files(store, target.root)
    info: dict[str, Any] = {"cid": str(cid), "content": str(target.root)}
    if target.manifest is not None:
        m = target.manifest
        info.update(name=m.name, version=m.version, kind=m.kind, license=m.license, access=m.access,
                    profile=m.profile, bytes=m.bytes, file_count=m.file_count, publisher=m.publisher,
                    derived_from=[str(c) for c in m.derived_from], run=str(m.run) if m.run else None)  # fmt: skip
    info["files"] = [{"path": f.path, "cid": str(f.cid), "size": f.size} for f in files]
    if json_out:
        emit_json(info)
        return
    for key, value in info.items():
        if key != "files":
            print(f"{key:13s} {value}")
    for f in info["files"]:
        print(f"  {f['path']}  {human_bytes(f['size'])}  {f['cid']}")
