"""The web page at ``/``: one static HTML file, a stylesheet and a small script that draw the
artifact list, an artifact's files and verification, and its lineage graph from REST v1.

Shipped inside the package (no CDN: servers may run offline) and served with a strict Content
Security Policy, since the page shows names and metadata that anyone who publishes can choose.
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import Response

from cairn.api.errors import ApiError

router = APIRouter(include_in_schema=False)
_ASSETS = {"app.js": "text/javascript", "app.css": "text/css", "index.html": "text/html"}
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def _asset(name: str) -> Response:
    if name not in _ASSETS:
        raise ApiError(404, "not_found", f"no page asset {name!r}")
    data = resources.files("cairn.api").joinpath("static", name).read_bytes()
    return Response(data, media_type=_ASSETS[name], headers=_HEADERS)


@router.get("/")
def page() -> Response:
    return _asset("index.html")


@router.get("/ui/{name}")
def asset(name: str) -> Response:
    return _asset(name)
