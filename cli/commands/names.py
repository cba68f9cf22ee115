"""`cairn name set|list`: point a name at an artifact with a signed record, and see who claims what.

`publish --name N --version V` already signs a name record; `name set` re-points or adds a name
without publishing again (a release tag moved to a fixed build, an alias). The record is signed
by this home's key, so it can only move this key's names: another publisher's ``N`` stays theirs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cairn.cli.options import HomeOption, JsonOption
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
    from cairn.errors import BadInput
    from cairn.lineage.records.keys import load_or_create_key
    from cairn.lineage.records.names import NameRef, check_name
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.publish import point_name
    from cairn.lineage.workflows.resolve import resolve

    repo = Repo.open(home)
    name = NameRef.parse(ref)
    if name.publisher is not None:
        raise BadInput("a name is set by this home's key: leave out the did:key/ prefix")
    check_name(name.name, name.version)
    cid = resolve(repo, target)
    if repo.index.artifact(str(cid)) is None:
        raise BadInput(f"{target} is not an artifact manifest known to this store")
    key, _ = load_or_create_key(repo.home)
    claim = point_name(repo, key, name, cid)
    if json_out:
        emit_json(_claim_json(claim, resolves=True, trusted=True))
        return
    notice(f"{name} -> {cid} (seq {claim.seq}, record {claim.record})")


@app.command("list")
def list_(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The name whose claims to show.")],
    json_out: JsonOption = False,
    home: HomeOption = None,
) -> None:
    """Every publisher's claims on NAME: version, seq, target, and which one `NAME` resolves to.

    Example: cairn name list my-model --json
    """
    from cairn.errors import CairnError
    from cairn.lineage.records.names import NameRef, choose, newest_first
    from cairn.lineage.records.trust import trusted_dids
    from cairn.lineage.repo import Repo

    repo = Repo.open(home)
    claims = newest_first(repo.index.name_claims(name))
    trusted = trusted_dids(repo.home)
    try:
        winner = choose(claims, NameRef(name), lambda: trusted).record
    except (LookupError, CairnError):
        winner = None  # none, or several publishers and no single trusted one
    rows = [_claim_json(c, c.record == winner, c.publisher in trusted) for c in claims]
    if json_out:
        emit_json(rows)
        return
    cells = [["*" if row["resolves"] else "", row["version"] or "", str(row["seq"]), row["target"], row["publisher"],
              "yes" if row["trusted"] else "no"] for row in rows]  # fmt: skip
    print_table(["", "version", "seq", "target", "publisher", "trusted"], cells)


def _claim_json(claim: Any, resolves: bool, trusted: bool) -> dict[str, Any]:
    return {
        "name": claim.name, "version": claim.version, "seq": claim.seq, "target": str(claim.target),
        "record": str(claim.record), "publisher": claim.publisher, "trusted": trusted, "resolves": resolves,
    }  # fmt: skip
