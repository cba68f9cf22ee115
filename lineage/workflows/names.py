"""Names as a user sees them: every publisher's claims on a name, which one resolves, and
pointing a name of this home's key at an artifact (``cairn name set``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cairn.chunking.cid import CID
from cairn.errors import BadInput, CairnError
from cairn.lineage.records.keys import load_or_create_key
from cairn.lineage.records.names import NameClaim, NameRef, check_name, choose, newest_first
from cairn.lineage.records.trust import trusted_dids
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.access import Access
from cairn.lineage.workflows.publish import point_name

MAX_CLAIMS = 1000  # a name can gather any number of claims; a listing shows the newest


@dataclass(frozen=True)
class ClaimView:
    """One signed claim on a name, with what this home makes of it."""

    claim: NameClaim
    trusted: bool
    resolves: bool  # the claim that the bare ``NAME`` (or the asked ``NAME@V``) resolves to

    def to_json(self) -> dict[str, Any]:
        """One entry of `name list --json` and of ``GET /v1/names/{ref}``'s ``claims``."""
        c = self.claim
        return {"name": c.name, "version": c.version, "seq": c.seq, "target": str(c.target),
                "record": str(c.record), "publisher": c.publisher, "trusted": self.trusted,
                "resolves": self.resolves}  # fmt: skip


def list_claims(repo: Repo, ref: str, access: Access) -> list[ClaimView]:
    """Claims on ``N``, ``N@V`` or ``did:key:…/N@V``, newest first per publisher; claims on
    artifacts the caller may not see are left out."""
    wanted = NameRef.parse(ref)
    claims = [c for c in repo.index.name_claims(wanted.name) if wanted.matches(c)]
    claims = newest_first([c for c in claims if access.sees_target(repo.index, c.target)])[:MAX_CLAIMS]
    trusted = trusted_dids(repo.home)
    try:
        winner: CID | None = choose(claims, wanted, lambda: trusted).record
    except (LookupError, CairnError):
        winner = None  # none, or several publishers and no single trusted one
    return [ClaimView(c, c.publisher in trusted, c.record == winner) for c in claims]


def settable_name(ref: str) -> NameRef:
    """``N`` or ``N@V`` as this home may set it (checked before any target is looked up)."""
    name = NameRef.parse(ref)
    if name.publisher is not None:
        raise BadInput("a name is set by this home's key: leave out the did:key/ prefix")
    check_name(name.name, name.version)
    return name


def set_name(repo: Repo, name: NameRef, target: CID) -> ClaimView:
    """Sign a name record pointing ``name`` (this home's key) at an artifact of this home."""
    if repo.index.artifact(target) is None:
        raise BadInput(f"{target} is not an artifact manifest known to this store")
    key, _ = load_or_create_key(repo.home)
    return ClaimView(point_name(repo, key, name, target), trusted=True, resolves=True)
