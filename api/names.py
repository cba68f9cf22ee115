"""REST v1 names: the signed claims this server knows on a name, for clients to check and choose.

The server answers with every claim it knows on the name (newest first per publisher, at most
``MAX_CLAIMS`` of ``cairn.lineage.workflows.names``) and leaves the choice to the client, whose
trust may differ from the server's.
The client fetches each record by CID (``/v1/blocks``) and checks its signature, so a server can
withhold a claim but not forge one, and one damaged record does not hide the older good ones.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cairn.api.deps import CairnDep
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.models import NameClaimsResponse

router = APIRouter(prefix="/v1", tags=["names"], responses=ERROR_RESPONSES)


@router.get("/names/{ref:path}", response_model=NameClaimsResponse)
def name_claims(ref: str, cairn: CairnDep) -> dict[str, Any]:
    """Claims on ``N``, ``N@V`` or ``did:key:…/N@V``, newest first per publisher (what
    `cairn name list --json` prints, under ``claims``)."""
    views = cairn.names(ref)  # a malformed did:key is a 400 through the CairnError handler
    if not views:
        raise ApiError(404, "not_found", f"no artifact named {ref!r} here")
    return {"claims": [v.to_json() for v in views]}
