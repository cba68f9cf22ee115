"""`cairn name set|list`: point a name at an artifact with a signed record, and see who claims what.

`publish --name N --version V` already signs a name record; `name set` re-points or adds a name
without publishing again (a release tag moved to a fixed build, an alias). The record is signed
by this home's key, so it can only move this key's names: another publisher's ``N`` stays theirs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cairn.cli.options import HomeOption, JsonOption, open_home
from cairn.cli.output import emit_json, notice, print_table

app = typer.Typer(help="Signed names: N@V pointing at an artifact, scoped to their publisher.", no_args_is_help=True)


@app.command("set")
def set_(
    ref: Annotated[str, typer.Argument(metavar="NAME[@VERSION]", help="The name to point.")],
    target: Annotated[str, typer.Argument(metavar="CID|NAME[@VERSION]", help="The artifact it names.")],
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Sign a name record pointing NAME[@VERSION] at an artifact of this home (next seq).

    Example: cairn name set my-model@stable bafyr...
    """
    view = open_home(home).set_name(ref, target)
    if json_out:
        emit_json(view.to_json())
        return
    claim = view.claim
    notice(f"{ref} -> {claim.target} (seq {claim.seq}, record {claim.record})")


@app.command("list")
def list_(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name whose claims to show.")],
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Every publisher's claims on NAME: version, seq, target, and which one `NAME` resolves to.

    Example: cairn name list my-model --json
    """
    views = open_home(home).names(name)
    if json_out:
        emit_json([v.to_json() for v in views])
        return
    cells = [["*" if v.resolves else "", v.claim.version or "", str(v.claim.seq), str(v.claim.target),
              v.claim.publisher, "yes" if v.trusted else "no"] for v in views]  # fmt: skip
    print_table(["", "version", "seq", "target", "publisher", "trusted"], cells)
