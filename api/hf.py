"""The read side of the Hugging Face Hub HTTP API, so ``huggingface_hub`` downloads from Cairn.

``snapshot_download(repo_id, endpoint=<cairn url>)`` and ``hf_hub_download`` work unchanged: a
repo id is a Cairn name, revision ``main`` (or none) is its newest artifact, revision ``V`` is
``N@V``, and the commit is a 40-hex id derived from the manifest CID (the client's cache keys
snapshots by a git-like hash; ``X-Cairn-Cid`` carries the CID itself). The routes are the ones
the client calls:

- ``GET /api/models/{repo}[/revision/{rev}]``: model info with ``sha`` and ``siblings``;
- ``GET /api/models/{repo}/tree/{rev}[/{path}]``: the file listing ``snapshot_download`` uses;
- the same under ``/api/datasets/`` and ``/datasets/{repo}/resolve/...`` for ``repo_type="dataset"``;
- ``GET|HEAD /{repo}/resolve/{rev}/{path}``: the file, with ``ETag`` (the file's CID),
  ``Content-Length``, ``X-Repo-Commit``, ``Accept-Ranges`` and ``Range``. A mutable revision
  (``main``, a version) answers 302 to the same file at its commit, as the Hub pins a download;
  the client follows redirects on the same host, so the file it caches is the one the commit names.

Errors carry the Hub's ``X-Error-Code`` (``RepoNotFound``, ``RevisionNotFound``,
``EntryNotFound``) so the client raises its own exceptions. Private artifacts need a read token,
sent as the client sends its HF token (``Authorization: Bearer``). Not in the OpenAPI schema:
this is the Hub's API, not Cairn's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import RedirectResponse, Response

from cairn.api.artifacts import file_response
from cairn.api.deps import Caller, ReaderDep, RepoDep, access_of
from cairn.api.errors import ApiError
from cairn.api.gateway import head_only
from cairn.chunking.cid import CID
from cairn.errors import NotFound
from cairn.lineage.index.catalog import ArtifactRow
from cairn.lineage.records.names import NameClaim, NameRef
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.resolve import resolve_name
from cairn.storage.unixfs_read import FileRef

router = APIRouter(tags=["huggingface"], include_in_schema=False)
MUTABLE = "main"
# A repo id as huggingface_hub's validate_repo_id accepts it: ``[namespace/]name`` of word
# characters, ``.`` and ``-``, starting and ending with a word character, without ``--`` or
# ``..``. Any other Cairn name (``/x``, ``//evil.com/x``, ``\\x``, ``a/b/c``) is not a repo id: a
# 400 here, and never part of a redirect's Location.
REPO_ID = re.compile(r"(\b[\w\-.]+\b/)?\b[\w\-.]{1,96}\b")


@dataclass(frozen=True)
class Revision:
    """One artifact as the Hub client sees it: a repo at a commit."""

    row: ArtifactRow
    commit: str
    pinned: bool  # asked for by commit (or CID), so it can never point elsewhere


def commit_of(cid: CID) -> str:
    """The 40-hex commit id the client's cache needs: sha1 of the manifest's binary CID."""
    return hashlib.sha1(cid.raw, usedforsecurity=False).hexdigest()


def _hub_error(status: int, code: str, detail: str) -> ApiError:
    return ApiError(status, "not_found", detail, {"X-Error-Code": code, "X-Error-Message": _header_text(detail)})


def _header_text(text: str) -> str:
    """Text fit for a header value (Latin-1 only: ``中`` in a repo id was a 500); the body has it whole."""
    return text.encode("ascii", "backslashreplace").decode()


def check_repo_id(repo_id: str) -> str:
    if not REPO_ID.fullmatch(repo_id) or "--" in repo_id or ".." in repo_id or repo_id.endswith(".git"):
        detail = f"{repo_id[:100]!r} is not a repo id ([namespace/]name of letters, digits, '_', '.', '-')"
        raise ApiError(400, "bad_request", detail, {"X-Error-Message": _header_text(detail)})
    return repo_id


def find_revision(repo: Repo, repo_id: str, revision: str | None, caller: Caller) -> Revision:
    """The artifact a repo id and revision name: by commit or CID, else by Cairn's name rules."""
    claims = repo.index.name_claims(check_repo_id(repo_id))
    rows = _named_rows(repo, claims, caller)
    if not rows:
        raise _hub_error(404, "RepoNotFound", f"no Cairn artifact named {repo_id!r}")
    mutable = revision in (None, "", MUTABLE)
    if not mutable:
        for row in rows.values():
            commit = commit_of(row.cid)
            if revision in (commit, str(row.cid)):
                return Revision(row, commit, pinned=True)
    try:
        seen = [c for c in claims if c.target in rows]
        claim = resolve_name(repo, NameRef(repo_id, None if mutable else revision), seen)
    except NotFound:
        raise _hub_error(404, "RevisionNotFound", f"{repo_id} has no version or commit {revision!r}") from None
    row = rows[claim.target]
    return Revision(row, commit_of(row.cid), pinned=False)


def _named_rows(repo: Repo, claims: list[NameClaim], caller: Caller) -> dict[CID, ArtifactRow]:
    """The artifacts here that one of ``claims`` points at and the caller may see."""
    rows = {}
    access = access_of(caller)
    for claim in claims:
        row = repo.index.artifact(claim.target)
        if row is not None and access.allows(row.access):
            rows[row.cid] = row
    return rows


def _files(repo: Repo, rev: Revision) -> list[FileRef]:
    from cairn.lineage.workflows.listing import artifact_files
    from cairn.lineage.workflows.resolve import open_target

    listing = artifact_files(repo.store, open_target(repo.store, rev.row.cid))
    return [FileRef(path, cid, size) for path, (cid, size) in sorted(listing.items())]


def _when(row: ArtifactRow) -> str:
    return datetime.fromtimestamp(row.published_at, UTC).isoformat().replace("+00:00", "Z")


def _model_info(repo: Repo, repo_id: str, rev: Revision) -> dict[str, Any]:
    row = rev.row
    return {
        "_id": str(row.cid), "id": repo_id, "modelId": repo_id, "sha": rev.commit, "private": row.access != "public",
        "gated": False, "disabled": False, "downloads": 0, "likes": 0, "tags": [row.kind, "cairn"],
        "lastModified": _when(row), "createdAt": _when(row),
        "siblings": [{"rfilename": f.path, "size": f.size} for f in _files(repo, rev)],
        "cairn": {"cid": str(row.cid), "name": row.name, "version": row.version, "kind": row.kind},
    }  # fmt: skip


def model_info_at(repo_id: str, revision: str, repo: RepoDep, caller: ReaderDep) -> dict[str, Any]:
    return _model_info(repo, repo_id, find_revision(repo, repo_id, revision, caller))


def tree(
    repo_id: str,
    revision: str,
    repo: RepoDep,
    caller: ReaderDep,
    path: str = "",
    recursive: Annotated[str, Query()] = "false",
) -> list[dict[str, Any]]:
    """Files (and, unless recursive, the folders) below ``path``, as the Hub's tree API lists them."""
    rev = find_revision(repo, repo_id, revision, caller)
    prefix = path.strip("/") + "/" if path.strip("/") else ""
    deep = recursive.lower() in ("1", "true")
    entries: dict[str, dict[str, Any]] = {}
    for f in _files(repo, rev):
        if not f.path.startswith(prefix):
            continue
        head, _, rest = f.path[len(prefix) :].partition("/")
        if rest and not deep:
            entries[prefix + head] = {"type": "directory", "path": prefix + head, "oid": rev.commit, "size": 0}
        else:
            entries[f.path] = {"type": "file", "path": f.path, "size": f.size, "oid": str(f.cid)}
    if prefix and not entries:
        raise _hub_error(404, "EntryNotFound", f"{repo_id} has no folder {path!r}")
    return sorted(entries.values(), key=lambda e: str(e["path"]))


def model_info(repo_id: str, repo: RepoDep, caller: ReaderDep) -> dict[str, Any]:
    return _model_info(repo, repo_id, find_revision(repo, repo_id, None, caller))


def resolve_file(
    request: Request,
    repo_id: str,
    revision: str,
    filename: str,
    repo: RepoDep,
    caller: ReaderDep,
    range_: Annotated[str | None, Header(alias="range")] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    rev = find_revision(repo, repo_id, revision, caller)
    headers = {"X-Repo-Commit": rev.commit, "X-Cairn-Cid": str(rev.row.cid)}
    if not rev.pinned:
        kind = "/datasets" if request.url.path.startswith("/datasets/") else ""
        return RedirectResponse(on_site(f"{kind}/{quote(repo_id)}/resolve/{rev.commit}/{quote(filename)}"),
                                status_code=302, headers=headers)  # fmt: skip
    try:
        file = next(f for f in _files(repo, rev) if f.path == filename)
    except StopIteration:
        raise _hub_error(404, "EntryNotFound", f"{repo_id} has no file {filename!r}") from None
    response = file_response(repo.store, file.cid, file.size, range_, if_none_match)
    response.headers.update(headers)
    return head_only(response) if request.method == "HEAD" else response


def on_site(location: str) -> str:
    """A redirect target that is a path on this server: one ``/``, then neither ``/`` nor ``\\``
    (which browsers read as ``//``): ``//evil.com/x`` would be another host."""
    if not location.startswith("/") or location[1:2] in ("/", "\\"):
        raise ApiError(400, "bad_request", "refusing to redirect off this server")
    return location


# Registered in this order: the more specific paths first, since a repo id may hold a "/".
# Models and datasets share Cairn's one name space: a repo of either type is any artifact.
for _kind in ("models", "datasets"):
    router.add_api_route(f"/api/{_kind}/{{repo_id:path}}/revision/{{revision}}", model_info_at, methods=["GET"])
    router.add_api_route(f"/api/{_kind}/{{repo_id:path}}/tree/{{revision}}/{{path:path}}", tree, methods=["GET"])
    router.add_api_route(f"/api/{_kind}/{{repo_id:path}}/tree/{{revision}}", tree, methods=["GET"])
    router.add_api_route(f"/api/{_kind}/{{repo_id:path}}", model_info, methods=["GET"])
for _prefix in ("/datasets", ""):
    router.add_api_route(f"{_prefix}/{{repo_id:path}}/resolve/{{revision}}/{{filename:path}}", resolve_file,
                         methods=["GET", "HEAD"])  # fmt: skip
