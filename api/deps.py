"""What every route needs: this thread's view of the home, the server's settings, and auth.

SQLite connections are not shared between threads, so each worker thread opens its own
``Repo`` on first use and keeps it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request

from cairn.api.errors import ApiError
from cairn.api.limits import DEFAULT_MAX_UPLOAD_BYTES
from cairn.lineage.core import Access, Cairn
from cairn.lineage.index.tokens import allows, token_scope
from cairn.lineage.repo import Repo
from cairn.settings import Settings

_local = threading.local()


@dataclass(frozen=True)
class ServerConfig:
    settings: Settings
    public_reads: bool = True  # reads of public artifacts without a token
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    cors_origins: tuple[str, ...] = ()


def server_config(request: Request) -> ServerConfig:
    config: ServerConfig = request.app.state.config
    return config


def get_repo(request: Request) -> Repo:
    config = server_config(request)
    repos: dict[str, Repo] = getattr(_local, "repos", None) or {}
    _local.repos = repos
    key = str(config.settings.home)
    if key not in repos:
        repos[key] = Repo(config.settings)
    return repos[key]


RepoDep = Annotated[Repo, Depends(get_repo)]
T = TypeVar("T")


def with_repo(settings: Settings, work: Callable[[Repo], T]) -> T:
    """Run ``work`` on a Repo opened and closed in the calling (worker) thread: for async routes,
    which hand their work to the thread pool."""
    repo = Repo(settings)
    try:
        return work(repo)
    finally:
        repo.close()


@dataclass(frozen=True)
class Caller:
    scope: str | None  # None: no (valid) token

    def can(self, needed: str) -> bool:
        return allows(self.scope, needed)


def get_caller(repo: RepoDep, authorization: Annotated[str | None, Header()] = None) -> Caller:
    """Who is calling: no header is nobody; a header that is not ``Bearer <token>``, or a token
    that is malformed, unknown or revoked, is a 401 (``token_scope`` checks its form first)."""
    if authorization is None:
        return Caller(None)
    kind, _, token = authorization.strip().partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "use 'Authorization: Bearer <token>'")
    scope = token_scope(repo.index, token.strip())
    if scope is None:
        raise ApiError(401, "unauthorized", "unknown or revoked token")
    return Caller(scope)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_write(caller: CallerDep) -> Caller:
    """Checked before the body is read (``cairn.api.limits``): a write without a token never
    uploads a byte."""
    if caller.scope is None:
        raise ApiError(401, "unauthorized", "this needs a write token")
    if not caller.can("write"):
        raise ApiError(403, "forbidden", "this token cannot write")
    return caller


def require_read(request: Request, caller: CallerDep) -> Caller:
    if not server_config(request).public_reads and not caller.can("read"):
        raise ApiError(401, "unauthorized", "this server needs a read token for reads")
    return caller


WriterDep = Annotated[Caller, Depends(require_write)]
ReaderDep = Annotated[Caller, Depends(require_read)]


def access_of(caller: Caller) -> Access:
    """The caller's view: private artifacts only with a token that may read."""
    return Access.OWNER if caller.can("read") else Access.PUBLIC


def get_cairn(repo: RepoDep, caller: ReaderDep) -> Cairn:
    """The façade over this home as the caller sees it. Routes go through it, so the access
    policy is the SDK's and the CLI's, decided once (``cairn.lineage.workflows.access``)."""
    return Cairn(repo=repo, access=access_of(caller))


CairnDep = Annotated[Cairn, Depends(get_cairn)]
