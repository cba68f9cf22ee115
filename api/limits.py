"""How large a request body may be, and that no body is read before its caller is known.

Two rules, each kept here:

1. **Every body has a limit, enforced as the bytes arrive, declared or not.** ``BodyLimit``
   refuses a request head over 64 KiB and any body past ``--max-upload-bytes`` (a chunked body
   declares nothing: it is counted). Each route that takes a body also has its own, smaller,
   limit: a JSON body ``MAX_JSON_BYTES``, a block ``MAX_BLOCK_BYTES``; the helpers below check
   the declared ``Content-Length`` before the first byte is read, and count the rest.
2. **Auth comes before the body.** FastAPI reads and parses a declared body (a pydantic model,
   ``Form`` and ``File`` parameters) *before* it runs the route's dependencies, auth included:
   an unauthenticated multipart upload was spooled whole before its 401, and a 230 MB JSON body to
   the (public) ``POST /v1/missing`` took the server to 1.36 GB. So no route declares a body
   (``tests/hardening/test_limits_and_holes.py`` checks every route of the app), and the routes
   that take one read it here, in a dependency that depends on the route's auth (``json_body``),
   or in the route itself, after its dependencies (``read_body``, ``capped_stream``).

A refused body is a 413 (``too_large``) with the JSON error body, before any byte of it is read
or any spool file is made; what the client still sends is discarded by the server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cairn.api.errors import ApiError
from cairn.chunking.car import MAX_SECTION

MAX_HEAD_BYTES = 64 * 1024
MAX_JSON_BYTES = 1 << 20  # a JSON request body; /v1/missing's 10,000 CIDs take about 640 KB
MAX_BLOCK_BYTES = MAX_SECTION  # PUT /v1/blocks: one block, as a CAR section may hold it
DEFAULT_MAX_UPLOAD_BYTES = 10 << 30  # `cairn serve --max-upload-bytes`: an upload or a pushed CAR

M = TypeVar("M", bound=BaseModel)


class BodyLimit:
    """ASGI middleware: 431 for a head over 64 KiB, 413 for a body over ``max_bytes`` (declared
    up front, or counted as it arrives)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if sum(len(name) + len(value) + 4 for name, value in scope.get("headers", ())) > MAX_HEAD_BYTES:
            # h11 refuses a head over its limit only while the head is incomplete; one that arrives
            # whole in a single read gets through, so the limit is also enforced here.
            await JSONResponse({"error": "headers_too_large", "detail": "request head over 64 KiB"},
                               status_code=431)(scope, receive, send)  # fmt: skip
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await JSONResponse({"error": "too_large", "detail": too_large(self.max_bytes).detail},
                               status_code=413)(scope, receive, send)  # fmt: skip
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # raised inside the route: the error table answers 413
                    raise HTTPException(413, too_large(self.max_bytes).detail)
            return message

        await self.app(scope, counted, send)


def too_large(limit: int, what: str = "uploads") -> ApiError:
    return ApiError(413, "too_large", f"{what} are limited to {limit} bytes")


def check_declared(request: Request, limit: int, what: str = "uploads") -> None:
    """413 now if the body declares more than ``limit`` bytes: nothing of it has been read."""
    declared = _declared_length(request.scope)
    if declared is not None and declared > limit:
        raise too_large(limit, what)


async def capped_stream(request: Request, limit: int, what: str = "uploads") -> AsyncIterator[bytes]:
    """The body as it arrives, at most ``limit`` bytes (declared or counted), else 413."""
    check_declared(request, limit, what)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(limit, what)
        if chunk:
            yield chunk


async def read_body(request: Request, limit: int, what: str = "uploads") -> bytes:
    """The whole body, at most ``limit`` bytes; for small bodies only."""
    data = bytearray()
    async for chunk in capped_stream(request, limit, what):
        data += chunk
    return bytes(data)


def json_body(model: type[M], auth: Callable[..., Any]) -> Callable[..., Awaitable[M]]:
    """A dependency giving the request's JSON body as ``model``: read only once ``auth`` (the
    route's auth dependency, which this one depends on) has passed, and only up to
    ``MAX_JSON_BYTES``. Malformed JSON, or JSON that does not fit the model, is a 400."""

    after_auth = Depends(auth)  # a default, not an annotation: annotations are strings in this module

    async def dependency(request: Request, _: Any = after_auth) -> M:
        kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if kind != "application/json" and not kind.endswith("+json"):
            raise ApiError(400, "bad_request", f"the body must be JSON (Content-Type: application/json), not {kind!r}")
        data = await read_body(request, MAX_JSON_BYTES, "JSON bodies")
        try:
            return model.model_validate_json(data)
        except ValidationError as exc:  # the one handler of api/errors.py words it, as for a query
            errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in exc.errors(include_url=False)]
            raise RequestValidationError(errors) from None

    return dependency


def json_openapi(model: type[BaseModel]) -> dict[str, Any]:
    """The ``openapi_extra`` that documents a body read by ``json_body`` (no route declares one)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
