"""`cairn key new` and `cairn key show`: the publisher's ed25519 signing key."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption

app = typer.Typer(help="The signing key that publishes under your did:key.", no_args_is_help=True)


@app.command("new")
def new(
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key (its did:key is lost).")] = False,
    home: HomeOption = None,
) -> None:
    """Create a signing key (mode 0600) and print its did:key."""
    from cairn.lineage.records.keys import create_key
    from cairn.settings import resolve_home

    print(create_key(resolve_home(home), overwrite=force).did)


@app.command("show")
def show(home: HomeOption = None) -> None:
    """Print the did:key of this home's signing key."""
    from cairn.errors import NotFound
    from cairn.lineage.records.keys import load_key
    from cairn.settings import resolve_home

    key = load_key(resolve_home(home))
    if key is None:
        raise NotFound("no signing key yet; `cairn key new` or `cairn publish` creates one")
    print(key.did)
