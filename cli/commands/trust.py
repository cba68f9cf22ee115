"""`cairn trust add|remove|list`: the publishers whose signatures this home vouches for."""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption
from cairn.cli.output import emit_json, notice

app = typer.Typer(help="Publishers (did:key) whose signatures this home trusts.", no_args_is_help=True)

DidArgument = Annotated[str, typer.Argument(metavar="DID", help="An ed25519 did:key, e.g. did:key:z6Mk...")]


@app.command("add")
def add(did: DidArgument, home: HomeOption = None) -> None:
    """Trust records signed by DID.

    Example: cairn trust add did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK
    """
    from cairn.lineage.records.trust import add_trusted, check_did
    from cairn.settings import resolve_home

    added = add_trusted(resolve_home(home), did)
    notice(f"{'trusted' if added else 'already trusted'}: {check_did(did)}")


@app.command("remove")
def remove(did: DidArgument, home: HomeOption = None) -> None:
    """Stop trusting DID (records it signed stay; `verify` then reports them as untrusted).

    Example: cairn trust remove did:key:z6Mk...
    """
    from cairn.lineage.records.trust import check_did, remove_trusted
    from cairn.settings import resolve_home

    remove_trusted(resolve_home(home), did)
    notice(f"no longer trusted: {check_did(did)}")


@app.command("list")
def list_(json_out: JsonOption = False, home: HomeOption = None) -> None:
    """Print the trusted DIDs, this home's own key first.

    Example: cairn trust list --json
    """
    from cairn.lineage.records.trust import trust_entries
    from cairn.settings import resolve_home

    entries = trust_entries(resolve_home(home))
    if json_out:
        emit_json([{"did": e.did, "source": e.source} for e in entries])
        return
    for entry in entries:
        print(f"{entry.did}  ({entry.source})" if entry.source != "trust.json" else entry.did)
