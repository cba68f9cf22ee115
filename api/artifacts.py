"""REST v1 artifacts: list, show, manifest, files (with Range and ETag), publish by upload."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from cairn.api.deps import CairnDep, WriterDep, server_config, with_repo
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.limits import check_declared
from cairn.api.models import ArtifactDetail, ArtifactSummary, PublishResponse
from cairn.api.multipart import Form, receive_form
from cairn.api.ranges import etag_matches, parse_range
from cairn.chunking.cid import CID
from cairn.chunking.profiles import DEFAULT_PROFILE
from cairn.lineage.core import Cairn
from cairn.lineage.records.model import Manifest
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import BlockStore
from cairn.storage.checkout import list_files
from cairn.storage.staging import locked_folder
from cairn.storage.unixfs_read import FileRef, iter_range, safe_name

router = APIRouter(prefix="/v1", tags=["artifacts"], responses=ERROR_RESPONSES)
UPLOAD_PREFIX = "upload-"  # staging folders in $CAIRN_HOME/tmp
_TEXT = {"type": "string"}
UPLOAD_OPENAPI: dict[str, Any] = {  # the form read by cairn.api.multipart (no route declares a body)
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["files", "name"], "properties": {
            "files": {"type": "array", "items": {"type": "string", "format": "binary"},
                      "description": "Files; each filename is its path in the artifact"},
            "name": _TEXT, "version": _TEXT, "kind": _TEXT, "license": _TEXT,
            "private": {"type": "boolean", "default": False}, "profile": {"type": "string", "default": DEFAULT_PROFILE},
            "derived_from": {"type": "array", "items": _TEXT},
        }}}}}}  # fmt: skip


@router.get("/artifacts", response_model=list[ArtifactSummary])
def list_artifacts(cairn: CairnDep) -> list[dict[str, Any]]:
    return [row.to_json() for row in cairn.ls()]


@router.get("/artifacts/{ref}", response_model=ArtifactDetail)
def show_artifact(ref: str, cairn: CairnDep) -> dict[str, Any]:
    """An artifact by CID, ``name`` (newest) or ``name@version``: what `cairn show --json` prints."""
    info = cairn.show(ref)
    if info.target.manifest is None:
        raise ApiError(404, "not_found", f"{ref} is not an artifact manifest")
    return info.to_json()


@router.get("/artifacts/{ref}/manifest", response_model=dict[str, Any])
def manifest_json(ref: str, cairn: CairnDep) -> dict[str, Any]:
    """The signed manifest record as DAG-JSON-style JSON (links as ``{"/": cid}``, bytes base64)."""
    return cairn.manifest_json(ref)


def _find_file(repo: Repo, m: Manifest, path: str) -> FileRef:
    """A file of the artifact by path (each name checked, so no path leaves the artifact)."""
    for part in path.split("/"):
        safe_name(part)
    files, _ = list_files(repo.store, m.content)
    for ref in files:
        if ref.path == path:
            return ref
    raise ApiError(404, "not_found", f"{m.name} has no file {path!r}")


@router.get(
    "/artifacts/{ref}/files/{path:path}",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        206: {"description": "Partial content"},
        304: {"description": "Not modified"},
        416: {"description": "Range not satisfiable"},
    },
)
def get_file(
    ref: str,
    path: str,
    cairn: CairnDep,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A file of an artifact; ETag is the file's CID, ``Range`` gives 206."""
    m = cairn.manifest(ref)
    file = _find_file(cairn.repo, m, path)
    return file_response(cairn.store, file.cid, file.size, range_, if_none_match)


def file_response(store: BlockStore, cid: CID, size: int, range_header: str | None,
                  if_none_match: str | None) -> Response:  # fmt: skip
    etag = f'"{cid}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": "public, max-age=29030400, immutable"}
    if etag_matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(range_header, size)
    if wanted is None:
        body = iter_range(store, cid, 0, size)
        return StreamingResponse(
            body, media_type="application/octet-stream", headers={**headers, "Content-Length": str(size)}
        )
    headers |= {"Content-Range": f"bytes {wanted.start}-{wanted.end - 1}/{size}", "Content-Length": str(wanted.length)}
    return StreamingResponse(
        iter_range(store, cid, wanted.start, wanted.end),
        status_code=206,
        media_type="application/octet-stream",
        headers=headers,
    )


@router.post("/artifacts", response_model=PublishResponse, status_code=201, openapi_extra=UPLOAD_OPENAPI)
async def publish_upload(request: Request, _: WriterDep) -> dict[str, Any]:
    """Publish uploaded files as one artifact; answers what `cairn publish --json` prints.

    Form fields: ``files`` (repeated; each filename is its path in the artifact), ``name``, and
    optionally ``version``, ``kind``, ``license``, ``private``, ``profile``, ``derived_from``
    (repeated). The body is read only after the token is checked, each file streamed to disk as
    it arrives (``cairn.api.multipart``), never held in memory.
    """
    config = server_config(request)
    check_declared(request, config.max_upload_bytes)  # before the staging folder is made
    # Locked while the upload is published: `cairn fsck` removes the folders of killed servers.
    with locked_folder(_tmp_dir(config.settings.home) / f"{UPLOAD_PREFIX}{secrets.token_hex(8)}") as staging:
        folder = staging / "artifact"
        folder.mkdir()
        form = await receive_form(request, folder, "files", config.max_upload_bytes)
        options = _publish_options(form)

        def publish(repo: Repo) -> dict[str, Any]:  # as the server's key, which may name private parents
            return Cairn(repo=repo).publish(folder, **options).to_json()

        answer = await run_in_threadpool(with_repo, config.settings, publish)
        shutil.rmtree(staging, ignore_errors=True)
    return answer


def _publish_options(form: Form) -> dict[str, Any]:
    """The form's fields as ``Cairn.publish`` arguments (checked there, as for the CLI and the SDK)."""
    if form.text("name") is None:
        raise ApiError(400, "bad_request", "body.name: Field required")
    if not form.files:
        raise ApiError(400, "bad_request", "body.files: Field required")
    return {"name": form.text("name"), "version": form.text("version"), "kind": form.text("kind"),
            "license": form.text("license"), "private": form.flag("private"),
            "profile": form.text("profile") or DEFAULT_PROFILE, "derived_from": form.texts("derived_from")}  # fmt: skip


def _tmp_dir(home: Path) -> Path:
    path = home / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path
