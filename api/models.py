"""Typed request and response bodies of REST v1 (they make the OpenAPI schema complete)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Version(BaseModel):
    version: str


class FileEntry(BaseModel):
    path: str
    cid: str
    size: int


class _ArtifactFields(BaseModel):
    cid: str
    name: str
    version: str | None
    kind: str
    bytes: int
    file_count: int
    publisher: str
    access: str
    profile: str


class ArtifactSummary(_ArtifactFields):
    """One row of ``GET /v1/artifacts``: `cairn ls --json`'s entry."""

    published_at: float


class ArtifactDetail(_ArtifactFields):
    """``GET /v1/artifacts/{ref}``: `cairn show --json`."""

    content: str
    license: str | None
    derived_from: list[str]
    run: str | None
    files: list[FileEntry]


class PublishResponse(BaseModel):
    cid: str
    name: str
    version: str | None
    kind: str
    files: list[FileEntry]
    bytes_total: int
    bytes_new: int
    run: str | None = None
    name_record: str | None = None


class RefusedRecord(BaseModel):
    """A record kept as a block that counts for nothing here, and why."""

    cid: str
    reason: str


class CarImportResponse(BaseModel):
    roots: list[str]
    blocks: int
    blocks_new: int
    artifacts: list[str]
    refused: list[RefusedRecord] = Field(default_factory=list)


class BlockPutResponse(BaseModel):
    cid: str
    new: bool


class MissingRequest(BaseModel):
    cids: list[str] = Field(max_length=100_000)


class MissingResponse(BaseModel):
    missing: list[str]


class SignerModel(BaseModel):
    record: str
    publisher: str
    valid: bool
    trusted: bool


class AnchorModel(BaseModel):
    """One record's anchor: anchored, pending, unchecked or failed, and where."""

    record: str
    state: str
    detail: str
    chain_id: str | None
    contract: str | None
    tx: str | None
    block: int | None


class VerifyResponse(BaseModel):
    """``GET /v1/verify/{ref}``: `cairn verify --json`."""

    cid: str
    ok: bool
    blocks_checked: int
    bytes_checked: int
    failures: list[str]
    signers: list[SignerModel]
    require_trusted: bool
    anchor: str
    anchors: list[AnchorModel]
    private_ancestors: int  # ancestors this caller may not see: not checked, not named


class PinRequest(BaseModel):
    cid: str
    remote: Literal["ipfs"] = "ipfs"
    with_ancestors: bool = False


class Job(BaseModel):
    id: str
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    args: dict[str, Any]
    result: dict[str, Any] | None = None
    error: str | None = None


class PinEntry(BaseModel):
    cid: str
    remote: str
    state: str
    blocks_sent: int
    bytes_sent: int


class NameClaimModel(BaseModel):
    """One signed claim on a name; ``record`` is the CID to fetch and check it by."""

    record: str
    name: str
    version: str | None
    target: str
    seq: int
    publisher: str
    trusted: bool  # by this server's trust list; a client decides by its own
    resolves: bool  # the claim the asked name resolves to on this server


class NameClaimsResponse(BaseModel):
    claims: list[NameClaimModel]
