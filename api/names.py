"""REST v1 names: the signed claims this server knows on a name, for clients to check and choose.

The server answers with every claim it knows on the name (newest first per publisher, at most
``MAX_CLAIMS``) and leaves the choice to the client, whose trust may differ from the server's.
The client fetches each record by CID (``/v1/blocks``) and checks its signature, so a server can
withhold a claim but not forge one, and one damaged record does not hide the older good ones.
"""

from __future__ import annotations

from fastapi import APIRouter

from cairn.api.deps import Caller, ReaderDep, RepoDep
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.models import NameClaimModel, NameClaimsResponse
from cairn.lineage.records.names import NameClaim, NameRef, newest_first
from cairn.lineage.repo import Repo

router = APIRouter(prefix="/v1", tags=["names"], responses=ERROR_RESPONSES)
MAX_CLAIMS = 1000


@router.get("/names/{ref:path}", response_model=NameClaimsResponse)
def name_claims(ref: str, repo: RepoDep, caller: ReaderDep) -> NameClaimsResponse:
    """Claims on ``N``, ``N@V`` or ``did:key:…/N@V``, newest first per publisher."""
    wanted = NameRef.parse(ref)  # a malformed did:key is a 400 through the CairnError handler
    claims = [c for c in repo.index.name_claims(wanted.name) if wanted.matches(c) and _visible(repo, c, caller)]
    claims = newest_first(claims)[:MAX_CLAIMS]
    if not claims:
        raise ApiError(404, "not_found", f"no artifact named {ref!r} here")
    return NameClaimsResponse(claims=[_model(c) for c in claims])


def _visible(repo: Repo, claim: NameClaim, caller: Caller) -> bool:
    """A name pointing at a private artifact is itself private (its name and version tell a lot)."""
    if caller.can("read"):
        return True
    row = repo.index.artifact(str(claim.target))
    return row is None or row.access == "public"


def _model(claim: NameClaim) -> NameClaimModel:
    return NameClaimModel(record=str(claim.record), name=claim.name, version=claim.version,
                          target=str(claim.target), seq=claim.seq, publisher=claim.publisher)  # fmt: skip
