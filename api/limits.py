"""The one limit on request bodies, enforced as the bytes arrive, declared or not.

Routes checked ``Content-Length`` (or counted their own stream), but a client that sends a
chunked body declares nothing, and the multipart parser spools every uploaded file to disk before
the route runs: a 100 GB chunked upload to POST /v1/artifacts was accepted by a server started
with ``--max-upload-bytes 100000``. This middleware counts every body as it is received and fails
the request with 413 at the first byte past the limit, wherever the body is being read.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_HEAD_BYTES = 64 * 1024


class BodyLimit:
    """ASGI middleware: 413 for a body over ``max_bytes`` (declared up front, or counted)."""

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
            await self._too_large()(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:  # raised inside the route: the error table answers 413
                    raise HTTPException(413, self._detail())
            return message

        await self.app(scope, counted, send)

    def _detail(self) -> str:
        return f"uploads are limited to {self.max_bytes} bytes"

    def _too_large(self) -> JSONResponse:
        return JSONResponse({"error": "too_large", "detail": self._detail()}, status_code=413)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
