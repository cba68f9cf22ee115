"""`cairn lineage`: ancestors (--up, the default) or descendants (--down) of an artifact or run."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, open_home


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage)


def lineage(
    ref: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]")],
    up: Annotated[bool, typer.Option("--up", help="Ancestors: what this was made from (default).")] = False,
    down: Annotated[bool, typer.Option("--down", help="Descendants known to this store: what used this.")] = False,
    depth: Annotated[int | None, typer.Option("--depth", min=0, help="How many steps to follow.")] = None,
    format_: Annotated[
        str, typer.Option("--format", help="tree, json, dot, prov-json, openlineage, in-toto.")
    ] = "tree",
    home: HomeOption = None,
) -> None:
    """Show where an artifact came from, or which artifacts were made from it.

    Example: cairn lineage my-dataset@1 --down --format json
    """
    from cairn.errors import BadInput
    from cairn.lineage.interop import renderer

    if up and down:
        raise BadInput("choose one of --up and --down")
    renderer(format_)  # an unknown format is refused before any work
    cairn = open_home(home)
    print(cairn.render(cairn.lineage(ref, "down" if down else "up", depth), format_))
