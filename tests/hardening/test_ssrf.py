"""SSRF: no endpoint of `cairn serve` fetches a URL its configuration did not name.

Two checks. Statically, the API layer (and the jobs it queues) never reaches for an outbound
HTTP client or for the functions that take a remote's URL as an argument (``open_remote``,
``pin_to_peer``, ``PeerStore``, ``fetch_from``). Dynamically, every operation in the OpenAPI
schema is called with a canary URL in every path, query, header, form and JSON field, with a
write token, and a listener at that URL must never be contacted (the job worker included).
"""

from __future__ import annotations

import ast
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from cairn.lineage.index.tokens import new_token
from cairn.lineage.repo import Repo
from tests.api.server import running_server
from tests.cli.helpers import cairn_process

ROOT = Path(__file__).resolve().parents[2]
OUTBOUND_MODULES = {"httpx", "requests", "aiohttp", "urllib.request", "http.client", "socket", "cairn.storage.peer",
                    "cairn.storage.kubo", "cairn.storage.arweave", "cairn.storage.arweave_store"}  # fmt: skip
URL_TAKERS = {"open_remote", "pin_to_peer", "PeerStore", "fetch_from", "KuboClient"}


def _imports_and_names(path: Path) -> tuple[set[str], set[str]]:
    tree = ast.parse(path.read_text())
    modules: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Name | ast.Attribute):
            names.add(node.id if isinstance(node, ast.Name) else node.attr)
    return modules, names


def test_the_api_layer_has_no_way_to_reach_an_arbitrary_url() -> None:
    for path in [*sorted((ROOT / "api").glob("*.py")), ROOT / "lineage" / "index" / "jobs.py"]:
        modules, names = _imports_and_names(path)
        assert not modules & OUTBOUND_MODULES, f"{path.name} imports {modules & OUTBOUND_MODULES}"
        assert not names & URL_TAKERS, f"{path.name} uses {names & URL_TAKERS}, which take a URL"


class Canary:
    """A TCP listener that records every connection (and answers 200, so nobody hangs on it)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.hits.append(conn.recv(4096))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                except OSError:
                    self.hits.append(b"")

    def urls(self) -> list[str]:
        base = f"127.0.0.1:{self.port}"
        return [f"http://{base}/x", f"https://{base}/x", f"//{base}/x", base, f"http://localhost:{self.port}"]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def _fill(schema: dict[str, Any], components: dict[str, Any], url: str) -> Any:
    """A value for ``schema`` with the canary URL in every string."""
    if "$ref" in schema:
        return _fill(components[schema["$ref"].rsplit("/", 1)[1]], components, url)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _fill(schema[key][0], components, url)
    kind = schema.get("type")
    if kind == "object":
        return {name: _fill(sub, components, url) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_fill(schema.get("items", {}), components, url)]
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return True
    return url


def _calls(schema: dict[str, Any], url: str, artifact: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, httpx keyword arguments) for every operation, the canary everywhere."""
    components = schema.get("components", {}).get("schemas", {})
    for template, operations in schema["paths"].items():
        for method, operation in operations.items():
            for path_value in (url, artifact):
                path, params, headers = template, {}, {}
                for param in operation.get("parameters", []):
                    if param["in"] == "path":
                        path = path.replace("{" + param["name"] + "}", quote(path_value, safe=""))
                    elif param["in"] == "query":
                        params[param["name"]] = url
                    elif param["in"] == "header" and param["name"].lower() != "authorization":
                        headers[param["name"]] = url
                yield method.upper(), path, {"params": params, "headers": headers, **_body(operation, components, url)}


def _body(operation: dict[str, Any], components: dict[str, Any], url: str) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return {"content": json.dumps(_fill(content["application/json"]["schema"], components, url))}
    if "multipart/form-data" in content:
        fields = _fill(content["multipart/form-data"]["schema"], components, url)
        files = [("files", (url.replace("/", "_").replace(":", "_"), b"x"))]
        return {"data": {k: v for k, v in fields.items() if k != "files"}, "files": files}
    if content:
        return {"content": url.encode()}
    return {}


def test_no_request_parameter_is_fetched_as_a_url(home: Path, tmp_path: Path, canary: Canary) -> None:
    (tmp_path / "a.txt").write_text("an artifact, so routes that need one go deeper")
    artifact = cairn_process("publish", tmp_path / "a.txt", home=home).last_line
    token, _ = new_token(Repo.open(home).index, "admin")
    sent = 0
    with running_server(home) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        schema = http.get("/openapi.json").json()
        for url in canary.urls():
            for method, path, kwargs in _calls(schema, url, artifact):
                kwargs["headers"] = {**kwargs["headers"], "Authorization": f"Bearer {token}"}
                reply = http.request(method, path, **kwargs)
                assert reply.status_code < 500, (method, path, reply.text[:300])
                sent += 1
            reply = http.post(
                "/v1/pins", json={"cid": artifact, "remote": url}, headers={"Authorization": f"Bearer {token}"}
            )
            assert reply.status_code == 400, reply.text  # a pin goes only to the configured IPFS node
        time.sleep(1.0)  # let the job worker take whatever was queued
        assert "Traceback" not in server.log()
    assert sent >= 5 * len(schema["paths"])
    assert canary.hits == [], f"the server contacted a URL from a request: {canary.hits[:3]}"


def test_the_canary_would_notice(canary: Canary) -> None:
    """The dynamic test can fail: a fetch of the canary URL is recorded."""
    httpx.get(canary.urls()[0], timeout=5)
    deadline = time.monotonic() + 5
    while not canary.hits and time.monotonic() < deadline:
        time.sleep(0.05)
    assert canary.hits and canary.hits[0].startswith(b"GET /x")
