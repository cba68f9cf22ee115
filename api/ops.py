"""REST v1 operations: health, version, lineage, verify, pins as jobs, job status."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response

from cairn import __version__
from cairn.api.deps import CairnDep, RepoDep, require_write
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.limits import json_body, json_openapi
from cairn.api.models import Health, Job, PinEntry, PinRequest, VerifyResponse, Version
from cairn.lineage.core import Cairn
from cairn.lineage.index.jobs import JobRow, Jobs
from cairn.lineage.workflows.resolve import resolve

router = APIRouter(prefix="/v1", tags=["operations"], responses=ERROR_RESPONSES)
Format = Literal["json", "tree", "dot", "prov-json", "openlineage", "in-toto"]


@router.get("/health", response_model=Health)
def health() -> Health:
    return Health()


@router.get("/version", response_model=Version)
def version() -> Version:
    return Version(version=__version__)


@router.get(
    "/lineage/{ref}",
    response_class=PlainTextResponse,
    responses={200: {"content": {"application/json": {}, "text/plain": {}}}},
)
def lineage(
    ref: str,
    cairn: CairnDep,
    direction: Annotated[Literal["up", "down"], Query()] = "up",
    depth: Annotated[int | None, Query(ge=0, le=1000)] = None,
    format: Annotated[Format, Query()] = "json",
) -> Response:
    """Ancestors (``up``) or descendants (``down``) in any export format of `cairn lineage`."""
    text = cairn.render(cairn.lineage(ref, direction, depth), format)
    media = "text/plain" if format in ("tree", "dot") else "application/json"
    return Response(text, media_type=media)


@router.get("/verify/{ref}", response_model=VerifyResponse)
def verify(
    ref: str,
    cairn: CairnDep,
    require_trusted: Annotated[bool, Query()] = False,
    require_anchor: Annotated[bool, Query()] = False,
) -> dict[str, Any]:
    """Re-hash every block, check every record, signature, ancestor and anchor: what
    `cairn verify --json` prints (a failed check is ``ok: false``, not an error status)."""
    return cairn.verify(ref, require_trusted=require_trusted, require_anchor=require_anchor).to_json()


def _job(row: JobRow) -> Job:
    return Job.model_validate(
        {"id": row.id, "kind": row.kind, "state": row.state, "args": row.args, "result": row.result, "error": row.error}
    )


PinBody = Annotated[PinRequest, Depends(json_body(PinRequest, require_write))]


@router.post("/pins", response_model=Job, status_code=202, openapi_extra=json_openapi(PinRequest))
def create_pin(body: PinBody, repo: RepoDep) -> Job:
    """Queue a pin job; poll ``/v1/jobs/{id}``. A restarted server resumes queued and running jobs."""
    from cairn.lineage.workflows.pin import check_public

    cid = resolve(repo, body.cid)
    repo.store.get(cid)
    check_public(repo, cid)
    return _job(
        Jobs(repo.index).submit("pin", {"cid": str(cid), "remote": body.remote, "with_ancestors": body.with_ancestors})
    )


@router.get("/pins", response_model=list[PinEntry])
def list_pins(cairn: CairnDep) -> list[PinEntry]:
    return [
        PinEntry(cid=str(p.cid), remote=p.remote, state=p.state, blocks_sent=p.blocks_sent, bytes_sent=p.bytes_sent)
        for p in cairn.pins()
    ]


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, cairn: CairnDep) -> Job:
    """A job by id; a job about an artifact the caller may not see is as unknown as no job."""
    row = Jobs(cairn.repo.index).get(job_id)
    if row is None or not _visible_job(cairn, row):
        raise ApiError(404, "not_found", f"no job {job_id}")
    return _job(row)


def _visible_job(cairn: Cairn, row: JobRow) -> bool:
    from cairn.chunking.cid import CID
    from cairn.errors import BadInput

    try:
        cid = CID.parse(str(row.args.get("cid", "")))
    except BadInput:
        return True  # a job about no CID says nothing about an artifact
    return cairn.access.sees_target(cairn.repo.index, cid)
