"""One mapping from Cairn's errors to HTTP statuses and a JSON error body ``{"error", "detail"}``.

Like the CLI's table: each error class once, here, and nothing else decides a status.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

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
        return _json(422, "invalid_request", f"{where}: {first.get('msg', 'invalid')}")


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorBody, "description": "Bad input (malformed CID, unsafe path, unknown format)"},
    401: {"model": ErrorBody, "description": "Missing or invalid token"},
    403: {"model": ErrorBody, "description": "Token lacks the needed scope"},
    404: {"model": ErrorBody, "description": "Not found in this store"},
    422: {"model": ErrorBody, "description": "Invalid request, or bytes that do not match their CID"},
}
