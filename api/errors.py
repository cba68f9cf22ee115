"""One mapping from Cairn's errors to HTTP statuses and a JSON error body ``{"error", "detail"}``.

Like the CLI's table: each error class once, here, and nothing else decides a status.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from cairn.errors import (
    BadInput,
    CairnError,
    Conflict,
    IntegrityError,
    NotFound,
    RemoteError,
    RemoteUnavailable,
    UnsafePath,
)


class ErrorBody(BaseModel):
    error: str
    detail: str


class ApiError(Exception):
    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.error, self.detail, self.headers = status, error, detail, headers


_STATUS: list[tuple[type[CairnError], int, str]] = [
    (Conflict, 409, "conflict"),
    (UnsafePath, 400, "unsafe_path"),
    (BadInput, 400, "bad_request"),
    (NotFound, 404, "not_found"),
    (IntegrityError, 422, "integrity"),
    (RemoteUnavailable, 503, "remote_unavailable"),
    (RemoteError, 502, "remote_error"),
]


def status_for(exc: CairnError) -> tuple[int, str]:
    for cls, status, name in _STATUS:
        if isinstance(exc, cls):
            return status, name
    return 500, "internal"


def _json(status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail}, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.error, exc.detail, exc.headers)

    @app.exception_handler(CairnError)
    async def cairn_error(_: Request, exc: CairnError) -> JSONResponse:
        status, name = status_for(exc)
        return _json(status, name, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _json(400, "bad_request", f"{where}: {first.get('msg', 'invalid')}")

    @app.exception_handler(ClientDisconnect)
    async def disconnected(_: Request, exc: ClientDisconnect) -> JSONResponse:
        # The client went away mid-body (what it sent is dropped, its spool removed): nobody reads
        # this answer, and it is no bug to log a traceback for.
        return _json(400, "disconnected", "the client closed the connection before the body ended")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        names = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        headers = dict(exc.headers) if exc.headers else None
        return _json(exc.status_code, names.get(exc.status_code, "http_error"), str(exc.detail), headers)


def _error(description: str) -> dict[str, object]:
    # Explicit JSON content: routes whose success is text or bytes still answer errors as JSON.
    return {"model": ErrorBody, "description": description, "content": {"application/json": {}}}


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: _error("Bad input (malformed CID, unsafe path, unknown format, invalid request)"),
    401: _error("Missing or invalid token"),
    403: _error("Token lacks the needed scope"),
    404: _error("Not found in this store"),
    413: _error("Upload larger than the server accepts"),
    422: _error("Bytes that do not match their CID, or a record that fails its checks"),
}
