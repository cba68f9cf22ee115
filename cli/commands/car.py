"""`cairn car export` and `cairn car import`: artifacts as CAR v1 files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
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
    blocks, size = open_home(home).export_car(ref, output, with_ancestors=with_ancestors)
    notice(f"wrote {blocks} blocks, {size} bytes to {output}")


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="CAR v1 file.")],
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Import every block of a CAR file (each verified); its roots become visible when complete.

    A record that does not pass admission (a forged signature, a malformed record) is kept as a
    block but counts for nothing: it is named on stderr and the command exits 1.
    """
    result = open_home(home).import_car(path)
    if json_out:
        emit_json(result.to_json())
    else:
        notice(f"imported {result.blocks} blocks ({result.blocks_new} new)")
        for root in result.roots:
            print(root)
    for refused in result.refused:
        notice(f"cairn: refused record {refused.cid}: {refused.reason}")
    if result.refused:
        raise typer.Exit(1)
