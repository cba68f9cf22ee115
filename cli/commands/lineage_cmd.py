"""`cairn lineage`: ancestors (--up, the default) or descendants (--down) of an artifact or run."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption


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
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.graph import lineage as build
    from cairn.lineage.workflows.resolve import resolve

    if up and down:
        raise BadInput("choose one of --up and --down")
    render = renderer(format_)
    repo = Repo.open(home)
    graph = build(repo, resolve(repo, ref), "down" if down else "up", depth)
    print(render(graph, repo))
