"""REST v1 artifacts: list, show, manifest, files (with Range and ETag), publish by upload."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Request, UploadFile
from fastapi.responses import Response, StreamingResponse

from cairn.api.deps import CairnDep, RepoDep, WriterDep, server_config
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.models import ArtifactDetail, ArtifactSummary, PublishResponse
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


@router.post("/artifacts", response_model=PublishResponse, status_code=201)
def publish_upload(
    request: Request,
    repo: RepoDep,
    _: WriterDep,
    files: Annotated[list[UploadFile], File(description="Files; each filename is its path in the artifact")],
    name: Annotated[str, Form()],
    version: Annotated[str | None, Form()] = None,
    kind: Annotated[str | None, Form()] = None,
    license: Annotated[str | None, Form()] = None,
    private: Annotated[bool, Form()] = False,
    profile: Annotated[str, Form()] = DEFAULT_PROFILE,
    derived_from: Annotated[list[str] | None, Form()] = None,
) -> dict[str, Any]:
    """Publish uploaded files (streamed to disk, never held in memory) as one artifact; answers
    what `cairn publish --json` prints."""
    _check_size(request)
    cairn = Cairn(repo=repo)  # a writer publishes as the server's key, and may name private parents
    # Locked while the upload is published: `cairn fsck` removes the folders of killed servers.
    staging_folder = locked_folder(_tmp_dir(repo) / f"{UPLOAD_PREFIX}{secrets.token_hex(8)}")
    with staging_folder as staging:
        folder = staging / "artifact"
        folder.mkdir()
        for upload in files:
            _save(upload, folder, server_config(request).max_upload_bytes)
        result = cairn.publish(folder, name=name, version=version, kind=kind, license=license, private=private,
                               profile=profile, derived_from=derived_from or [])  # fmt: skip
        shutil.rmtree(staging, ignore_errors=True)
    return result.to_json()


def _tmp_dir(repo: Repo) -> Path:
    path = repo.home / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_size(request: Request) -> None:
    declared = request.headers.get("content-length")
    limit = server_config(request).max_upload_bytes
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, "too_large", f"uploads are limited to {limit} bytes")


def _save(upload: UploadFile, folder: Path, limit: int) -> None:
    rel = upload.filename or ""
    parts = rel.split("/")
    for part in parts:
        safe_name(part)
    dest = folder.joinpath(*parts)
    try:  # exclusive create: a name used twice, or used both as a file and as a folder, is refused
        dest.parent.mkdir(parents=True, exist_ok=True)
        out = open(dest, "xb")  # noqa: SIM115 - closed by the with below; opened first to map errors
    except OSError as exc:  # also a name too long for any file system (over 255 bytes)
        raise ApiError(400, "bad_request", f"cannot store an upload named {rel[:100]!r}: {exc.strerror}") from exc
    with out:
        copied = 0
        for chunk in iter(lambda: upload.file.read(1 << 20), b""):
            copied += len(chunk)
            if copied > limit:
                raise ApiError(413, "too_large", f"uploads are limited to {limit} bytes")
            out.write(chunk)
