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


class ArtifactSummary(BaseModel):
    cid: str
    name: str
    version: str | None
    kind: str
    bytes: int
    file_count: int
    publisher: str
    access: str
    profile: str


class ArtifactDetail(ArtifactSummary):
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


class CarImportResponse(BaseModel):
    roots: list[str]
    blocks: int
    blocks_new: int
    artifacts: list[str]


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
    trusted: bool | None = None


class VerifyResponse(BaseModel):
    cid: str
    ok: bool
    blocks_checked: int
    bytes_checked: int
    failures: list[str]
    signers: list[SignerModel]
    anchor: str


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


class NameClaimsResponse(BaseModel):
    claims: list[NameClaimModel]
