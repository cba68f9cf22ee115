"""Fuzzing the upload routes of the real FastAPI app (in-process ASGI), then a sample of the same
requests against a real `cairn serve`.

Properties: no 5xx (every refusal is a 4xx with a JSON ``{"error", "detail"}``), bounded time and
memory per request, and afterwards the home is whole: `fsck` finds nothing wrong, every listed
artifact verifies, and no upload left a spool or staging file behind.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.api.app import create_app
from cairn.api.deps import ServerConfig
from cairn.lineage.index.tokens import new_token, revoke_token
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import export_car
from cairn.lineage.workflows.maintenance import fsck
from cairn.lineage.workflows.publish import PublishOptions, publish
from cairn.lineage.workflows.verify import verify
from cairn.settings import load_settings
from tests.api.server import running_server
from tests.data import small_model, write_safetensors
from tests.fuzz import uploads as up
from tests.fuzz.asgi import AsgiClient, Reply
from tests.fuzz.harness import (
    TEST_TIMEOUT,
    TIME_LIMIT,
    UPLOAD_EXAMPLES,
    UPLOAD_MUTANTS,
    Crash,
    exercise,
    fuzz_settings,
    note_outcome,
)

pytestmark = pytest.mark.timeout(TEST_TIMEOUT)
MAX_UPLOAD = 256 << 10  # small, so that oversized bodies are among the inputs


class Server:
    """The app over a fresh home, a client for it, and tokens of every kind an attacker might hold."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.settings = load_settings(home)
        repo = Repo(self.settings)
        self.write_token, _ = new_token(repo.index, "write")
        self.read_token, _ = new_token(repo.index, "read")
        revoked, info = new_token(repo.index, "write")
        revoke_token(repo.index, info.id)
        self.revoked_token = revoked
        repo.close()
        self.client = AsgiClient(create_app(ServerConfig(self.settings, max_upload_bytes=MAX_UPLOAD), run_jobs=False))

    def send(self, upload: up.Upload, auth: str | None) -> Reply:
        headers = {"content-length": str(len(upload.body))}
        if upload.content_type:
            headers["content-type"] = upload.content_type
        if auth:
            headers["authorization"] = auth
        return self.client.request(upload.method, upload.path, upload.body, headers)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("upload-fuzz") / "home")
    yield running
    running.client.close()


def _real_cars(tmp: Path) -> list[bytes]:
    """CARs of whole artifacts made by a real publish, so some fuzzed imports succeed."""
    home = tmp / "source"
    repo = Repo(load_settings(home))
    write_safetensors(tmp / "m" / "model.safetensors", small_model(seed=3, layers=1, width=8))
    (tmp / "m" / "config.json").write_text('{"a": 1}')
    cars = []
    for profile in ("native-v1", "kubo"):
        result = publish(repo, [tmp / "m"], PublishOptions(name="m", profile=profile))
        out = io.BytesIO()
        export_car(repo.store, result.cid, out)
        cars.append(out.getvalue())
    repo.close()
    return cars


def _auth(server: Server, rng: random.Random) -> str | None:
    """Mostly a write token; sometimes none, a read token, a revoked, forged or malformed one."""
    roll = rng.random()
    if roll < 0.85:
        return f"Bearer {server.write_token}"
    forged = server.write_token[:-4] + "AAAA"
    return rng.choice([None, f"Bearer {server.read_token}", f"Bearer {server.revoked_token}", f"Bearer {forged}",
                       "Bearer ", "Basic dXNlcjpwYXNz", "Bearer cairn_", "Bearer " + "x" * 5000])  # fmt: skip


def _check_reply(upload: up.Upload, reply: Reply) -> None:
    if reply.status >= 500:
        raise Crash(f"{upload.method} {upload.path[:80]} ({len(upload.body)} bytes) answered {reply.status}: "
                    f"{reply.body[:300]!r}")  # fmt: skip
    if reply.status >= 400:
        body = reply.json()
        assert set(body) == {"error", "detail"}, body


def _send(server: Server, upload: up.Upload, rng: random.Random) -> None:
    auth = _auth(server, rng)
    reply = exercise("uploads", lambda _: server.send(upload, auth), upload.body, time_limit=5 * TIME_LIMIT)
    assert reply is not None  # the ASGI call itself never raises a CairnError: the app maps them
    note_outcome("uploads", f"{upload.path.split('/')[2]}:{reply.value.status}")
    _check_reply(upload, reply.value)


@pytest.fixture(scope="module")
def real_cars(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    return _real_cars(tmp_path_factory.mktemp("real-cars"))


def test_upload_routes(server: Server, real_cars: list[bytes]) -> None:
    logging.getLogger("python_multipart").setLevel(logging.ERROR)  # it warns about every broken part
    requests = st.one_of(up.put_blocks(), up.car_uploads(real_cars), up.artifact_uploads())

    @fuzz_settings(UPLOAD_EXAMPLES)
    @given(upload=requests, seed=st.integers(0, (1 << 32) - 1))
    def run(upload: up.Upload, seed: int) -> None:
        rng = random.Random(seed)
        _send(server, upload, rng)
        for _ in range(UPLOAD_MUTANTS):
            _send(server, upload.mutated(rng), rng)

    run()


def test_the_home_is_whole_after_the_upload_fuzz(server: Server) -> None:
    """Runs after ``test_upload_routes`` (file order): whatever was accepted is whole and verifies."""
    repo = Repo(server.settings)
    try:
        report = fsck(repo)
        assert report.ok, report.problems
        for row in repo.index.artifacts():
            assert verify(repo.store, row.cid).ok, row.cid
    finally:
        repo.close()
    leftovers = list((server.home / "tmp").iterdir()) if (server.home / "tmp").exists() else []
    assert leftovers == [], leftovers


def test_hostile_uploads_against_a_real_server(home: Path, real_cars: list[bytes]) -> None:
    """A sample of the same requests over real HTTP: no 5xx, the server still answers, and its
    log holds no traceback."""
    with running_server(home) as server:
        repo = Repo(load_settings(home))
        token, _ = new_token(repo.index, "write")
        repo.close()
        requests = st.one_of(up.put_blocks(), up.car_uploads(real_cars), up.artifact_uploads())
        with httpx.Client(base_url=server.url, timeout=30) as http:

            @fuzz_settings(40)
            @given(upload=requests, seed=st.integers(0, (1 << 32) - 1))
            def run(upload: up.Upload, seed: int) -> None:
                for sent in (upload, upload.mutated(random.Random(seed))):
                    headers = {"Authorization": f"Bearer {token}"}
                    if sent.content_type:
                        headers["Content-Type"] = sent.content_type
                    path = quote(sent.path.encode("latin-1"), safe="/")  # a client must escape what it sends
                    reply = http.request(sent.method, path, content=sent.body, headers=headers)
                    _check_reply(sent, Reply(reply.status_code, dict(reply.headers), reply.content))

            run()
            assert http.get("/v1/health").status_code == 200
        assert "Traceback" not in server.log(), server.log()
