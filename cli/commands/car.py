"""`cairn car export` and `cairn car import`: artifacts as CAR v1 files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption
from cairn.cli.output import emit_json, notice

app = typer.Typer(help="Move artifacts as CAR v1 files.", no_args_is_help=True)


@app.command("export")
def export(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    output: Annotated[Path, typer.Option("-o", "--output", help="CAR file to write.")],
    with_ancestors: Annotated[bool, typer.Option("--with-ancestors", help="Include every ancestor.")] = False,
    home: HomeOption = None,
) -> None:
    """Write an artifact (record, files, run record, the name records pointing at it) to a CAR file.

    Example: cairn car export bafyr... -o model.car
    """
    from cairn.files import atomic_write
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.carfile import export_car, name_roots
    from cairn.lineage.workflows.resolve import resolve

    repo = Repo.open(home)
    cid = resolve(repo, ref)
    with atomic_write(output) as handle:
        writer = export_car(repo.store, cid, handle, with_ancestors, name_roots(repo, cid))
    notice(f"wrote {writer.blocks_written} blocks, {writer.bytes_written} bytes to {output}")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CAR v1 file.")],
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Import every block of a CAR file (each verified); its roots become visible when complete."""
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.carfile import import_car

    result = import_car(Repo.open(home), path)
    if json_out:
        emit_json({"roots": [str(r) for r in result.roots], "blocks": result.blocks,
                   "blocks_new": result.blocks_new, "artifacts": [str(a) for a in result.artifacts]})  # fmt: skip
        return
    notice(f"imported {result.blocks} blocks ({result.blocks_new} new)")
    for root in result.roots:
        print(root)
