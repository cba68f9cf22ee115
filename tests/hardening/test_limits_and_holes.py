"""Limits and small holes (issue 17), as a user or an attacker meets them, against real `cairn
serve` processes and the real command.

- **Auth and limits before work.** No route reads a byte of a body before it has checked the
  token and the body's declared size: an unauthenticated 100 MB upload is answered 401 while the
  client has sent only its head and 64 KiB, no spool or staging file appears in
  ``$CAIRN_HOME/tmp``, and the server's peak memory does not move. Every JSON body is capped at
  1 MiB (a 230 MB ``POST /v1/missing`` took the server to 1.36 GB), and a chunked body, which
  declares nothing, is cut off with 413 as soon as it passes its route's limit.
- **Malformed tokens** are a 401 with the JSON error body, never a 500 with a traceback in the log.
- **No open redirect**: a Hugging Face ``resolve`` redirect always points at a path on this server.
- **Configured URLs keep their secrets**: passwords, API keys in paths and queries never reach
  stdout, stderr, JSON, the index, a job's error or the server's log.
- **Bad input is one line**: exit 2 (or 1 where a check failed or nothing answered), no
  traceback, no "internal error".
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from cairn.api.app import api_routes
from cairn.lineage.index.tokens import new_token
from cairn.lineage.repo import Repo
from tests.api.server import CairnServer, running_server
from tests.cli.helpers import Result, cairn
from tests.services.kubo import free_port

MiB = 1 << 20
UNKNOWN_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


@dataclass
class Served:
    server: CairnServer
    write: str  # a write token
    read: str  # a read token
    token_id: str  # the write token's id, for forgeries that pass the index lookup

    @property
    def home(self) -> Path:
        return self.server.home

    def tmp_entries(self) -> list[str]:
        tmp = self.home / "tmp"
        return sorted(p.name for p in tmp.iterdir()) if tmp.exists() else []

    def log(self) -> str:
        """All the server wrote (CairnServer.log() keeps only the end)."""
        return (self.home.parent / f"server-{self.server.port}.log").read_text(errors="replace")

    def peak_kib(self) -> int:
        """The server process's peak resident memory (VmHWM), in KiB."""
        assert self.server.process is not None
        for line in Path(f"/proc/{self.server.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        raise AssertionError("no VmHWM")


@contextmanager
def _serve(home: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    home.mkdir(parents=True, exist_ok=True)
    repo = Repo.open(home)
    write, info = new_token(repo.index, "write")
    read, _ = new_token(repo.index, "read")
    repo.close()
    with running_server(home, *args, env=env) as server:
        yield Served(server, write, read, info.id)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server with the default upload limit (10 GiB): what refuses a 100 MB body is the auth."""
    with _serve(tmp_path_factory.mktemp("limits") / "home") as running:
        yield running


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server that takes uploads of at most 1 MiB."""
    with _serve(tmp_path_factory.mktemp("small") / "home", "--max-upload-bytes", str(MiB)) as running:
        yield running


# --- raw HTTP: a head, part of a body, and the answer before the rest is sent -----------------


@dataclass
class Answer:
    status: int
    body: dict[str, str]
    seconds: float


def _partial(served: Served, method: str, path: str, headers: dict[str, str], body: bytes = b"",
             chunked: bool = False) -> Answer:  # fmt: skip
    """Send the head and ``body`` (chunk-encoded, without the last chunk, if ``chunked``), never
    the rest of what the head announces, and read the answer: only a server that refuses before
    reading the body answers at all."""
    conn = http.client.HTTPConnection("127.0.0.1", served.server.port, timeout=10)
    start = time.monotonic()
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if chunked:
            for at in range(0, len(body), 64 << 10):
                piece = body[at : at + (64 << 10)]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        elif body:
            conn.send(body)
        reply = conn.getresponse()
        data = reply.read()
        return Answer(reply.status, json.loads(data), time.monotonic() - start)
    finally:
        conn.close()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


MULTIPART = {"Content-Type": "multipart/form-data; boundary=B"}
FILE_PART = b'--B\r\nContent-Disposition: form-data; name="files"; filename="big.bin"\r\n\r\n'
CAR = {"Content-Type": "application/vnd.ipld.car"}
JSON = {"Content-Type": "application/json"}


def test_no_route_declares_a_body_that_fastapi_would_read_before_auth() -> None:
    """FastAPI parses declared bodies (models, Form, File) before any dependency, auth included;
    the routes that take a body read it through cairn.api.limits, after their auth."""
    routes = api_routes()
    assert len(routes) > 20
    assert [(route.path, route.methods) for route in routes if route.body_field is not None] == []


UPLOAD_ROUTES = [
    ("/v1/artifacts", MULTIPART, FILE_PART),
    ("/v1/car", CAR, b""),
    ("/v1/blocks/" + UNKNOWN_CID, {}, b""),
    ("/v1/pins", JSON, b'{"cid": "'),
]


@pytest.mark.parametrize(("path", "headers", "first"), UPLOAD_ROUTES)
def test_an_unauthenticated_100_mb_body_is_refused_before_it_is_read(
    served: Served, path: str, headers: dict[str, str], first: bytes
) -> None:
    method = "PUT" if path.startswith("/v1/blocks") else "POST"
    peak = served.peak_kib()
    sent = first + b"\0" * (64 << 10)
    for auth in ({}, _auth("cairn_000000000000_" + "A" * 43), _auth(served.read)):
        answer = _partial(served, method, path, {**headers, **auth, "Content-Length": str(100 * MiB)}, sent)
        assert answer.status == (403 if auth == _auth(served.read) else 401), answer
        assert answer.body["error"] in ("unauthorized", "forbidden") and answer.seconds < 5
        chunked = _partial(served, method, path, {**headers, **auth}, sent, chunked=True)  # nothing declared
        assert chunked.status in (401, 403) and chunked.seconds < 5, chunked
    assert served.tmp_entries() == []  # no spool file, no staging folder
    assert served.peak_kib() - peak < 32 << 10


def test_a_whole_unauthenticated_upload_costs_no_memory_and_leaves_nothing(served: Served) -> None:
    """A client that sends all 100 MB anyway (httpx does) gets its 401; the server discards the bytes."""
    peak = served.peak_kib()
    start = time.monotonic()
    files = {"files": ("big.bin", b"\0" * (100 * MiB))}
    reply = httpx.post(f"{served.server.url}/v1/artifacts", files=files, data={"name": "x"}, timeout=60)
    assert reply.status_code == 401 and reply.json()["error"] == "unauthorized"
    assert time.monotonic() - start < 20
    assert served.tmp_entries() == []
    assert served.peak_kib() - peak < 32 << 10


def test_json_bodies_are_capped_at_1_mib_declared_or_streamed(served: Served) -> None:
    """The finding: ``POST /v1/missing`` (public reads: no token needed) parsed a body of any size."""
    peak = served.peak_kib()
    huge = b'{"cids": [' + b'"x",' * (60 * MiB // 4) + b'"x"]}'  # 60 MB of JSON
    declared = _partial(served, "POST", "/v1/missing", {**JSON, "Content-Length": str(230 * MiB)}, huge[:4096])
    assert declared.status == 413 and declared.body["error"] == "too_large" and declared.seconds < 5
    streamed = _partial(served, "POST", "/v1/missing", JSON, huge[: 2 * MiB], chunked=True)
    assert streamed.status == 413 and streamed.seconds < 5
    whole = httpx.post(f"{served.server.url}/v1/missing", content=huge, headers=JSON, timeout=60)
    assert whole.status_code == 413 and "1048576" in whole.json()["detail"]
    pins = _partial(served, "POST", "/v1/pins", {**JSON, **_auth(served.write)}, huge[: 2 * MiB], chunked=True)
    assert pins.status == 413
    assert served.peak_kib() - peak < 32 << 10
    # what a peer sends (10,000 CIDs a request, storage/peer.py) fits, and is answered
    cids = [str(UNKNOWN_CID)] * 10_000
    fits = httpx.post(f"{served.server.url}/v1/missing", json={"cids": cids}, timeout=30)
    assert fits.status_code == 200 and len(fits.json()["missing"]) == 10_000
    for bad in (b"{", b"[]", b'{"cids": 5}', b"\xff"):
        reply = httpx.post(f"{served.server.url}/v1/missing", content=bad, headers=JSON)
        assert reply.status_code == 400 and set(reply.json()) == {"error", "detail"}, bad


def test_a_chunked_upload_past_the_limit_is_cut_off_and_leaves_nothing(small: Served) -> None:
    auth = _auth(small.write)
    body = FILE_PART + b"\0" * (3 * MiB)
    for path, headers, data in (("/v1/artifacts", MULTIPART, body), ("/v1/car", CAR, b"\0" * (3 * MiB)),
                                ("/v1/blocks/" + UNKNOWN_CID, {}, b"\0" * (3 * MiB))):  # fmt: skip
        method = "PUT" if path.startswith("/v1/blocks") else "POST"
        answer = _partial(small, method, path, {**headers, **auth}, data, chunked=True)
        assert answer.status == 413 and answer.body["error"] == "too_large", (path, answer)
        declared = _partial(small, method, path, {**headers, **auth, "Content-Length": str(2 * MiB)}, data[:1024])
        assert declared.status == 413 and declared.seconds < 5, (path, declared)
    assert small.tmp_entries() == []
    assert httpx.get(f"{small.server.url}/v1/artifacts").json() == []
    ok = httpx.post(f"{small.server.url}/v1/artifacts", files={"files": ("a.txt", b"fits")}, data={"name": "a"},
                    headers=auth)  # fmt: skip
    assert ok.status_code == 201, ok.text  # the limits refuse what they should, no more


# --- malformed tokens ---------------------------------------------------------------------------


def test_malformed_tokens_are_401_with_the_json_body_and_no_traceback(served: Served) -> None:
    """The finding: ``Bearer cairn_<a real id>_é`` reached the secret's ASCII hash and answered 500."""
    real_id = served.token_id
    headers: list[Any] = [  # bytes, sent as they are (httpx's types say str)
        b"Bearer", b"Bearer a b", b"Basic xyz", b"bearer", b"Token " + served.write.encode(),
        f"Bearer cairn_{real_id}_é".encode(), f"Bearer cairn_{real_id}_\xff".encode("latin-1"),
        f"Bearer cairn_{real_id}_{'A' * 43} extra".encode(), f"Bearer cairn_{real_id}é_x".encode(),
        b"Bearer cairn_" + b"x" * 50_000, b"Bearer \xf0\x9f\x94\x91", b"Bearer cairn__",
    ]  # fmt: skip
    block = b"a block"
    for value in headers:
        for method, path, body in (("GET", "/v1/artifacts", b""), ("PUT", f"/v1/blocks/{UNKNOWN_CID}", block),
                                   ("POST", "/v1/pins", b'{"cid": "x"}')):  # fmt: skip
            reply = httpx.request(method, f"{served.server.url}{path}", content=body, headers={"Authorization": value})
            assert reply.status_code == 401, (value[:40], path, reply.status_code, reply.text[:200])
            assert set(reply.json()) == {"error", "detail"} and reply.json()["error"] == "unauthorized"
    assert httpx.get(f"{served.server.url}/v1/artifacts", headers=_auth(served.read)).status_code == 200
    assert "Traceback" not in served.log(), served.log()[-3000:]


# --- open redirects -----------------------------------------------------------------------------


def _on_site(location: str) -> bool:
    return location.startswith("/") and location[1:2] not in ("/", "\\")


def test_a_resolve_redirect_never_leaves_the_server(capsys, served: Served, tmp_path: Path) -> None:
    """The finding: a name that starts with ``/`` (``//evil.com/x``) made ``/{name}/resolve/main/f``
    answer 302 to ``//evil.com/x/resolve/...``, another host to every browser."""
    (tmp_path / "f.txt").write_text("f")
    for name in ("//evil.com/x", "/evil.com", "\\evil.com", "\\\\evil.com", "org/model"):
        assert cairn(capsys, "publish", tmp_path / "f.txt", "--name", name, "--home", served.home).code == 0
    url = served.server.url
    tries = [
        "//evil.com/x/resolve/main/f.txt",
        "/%2F%2Fevil.com/x/resolve/main/f.txt",
        "///evil.com/resolve/main/f.txt",
        "/%2Fevil.com/resolve/main/f.txt",
        "/%5Cevil.com/resolve/main/f.txt",
        "/%5C%5Cevil.com/resolve/main/f.txt",
        "/datasets//evil.com/x/resolve/main/f.txt",
        "/datasets/%5Cevil.com/resolve/main/f.txt",
        "/api/models//evil.com/x",
        "/api/models/%5Cevil.com/tree/main",
    ]  # fmt: skip
    with httpx.Client(base_url=url, follow_redirects=False) as client:
        for path in tries:
            reply = client.get(httpx.URL(url).copy_with(raw_path=path.encode()))
            assert reply.status_code == 400, (path, reply.status_code, reply.headers.get("location"))
            assert reply.json()["error"] == "bad_request"
        good = client.get("/org/model/resolve/main/f.txt")
        assert good.status_code == 302 and _on_site(good.headers["location"]), good.headers
        assert good.headers["location"].startswith("/org/model/resolve/")
        assert client.get(good.headers["location"]).content == b"f"  # the redirect still works


ODD_REQUESTS = [
    ("GET", "/api/models/%E4%B8%AD"),  # 中: a header of Latin-1 only carried the repo id, a 500
    ("GET", "/api/models/%E4%B8%AD/tree/main"),
    ("GET", "/%E4%B8%AD/resolve/main/f.txt"),
    ("GET", "/org/model/resolve/%E4%B8%AD/f.txt"),
    ("GET", "/api/datasets/%F0%9F%94%91"),
    ("GET", "/v1/artifacts/%00"),
    ("GET", "/v1/lineage/x?depth=-1"),
    ("GET", "/v1/lineage/x?depth=99999999999999999999"),
    ("GET", "/v1/blocks/not-a-cid"),
    ("GET", "/v1/names/did:key:nope/m"),
    ("GET", "/ipfs/bafyNOTACID"),
    ("DELETE", "/v1/artifacts"),
]


def test_odd_rest_inputs_are_a_4xx_with_the_json_body(served: Served) -> None:
    with httpx.Client(base_url=served.server.url) as client:
        for method, path in ODD_REQUESTS:
            reply = client.request(method, httpx.URL(served.server.url).copy_with(raw_path=path.encode()))
            assert 400 <= reply.status_code < 500, (method, path, reply.status_code, reply.text[:200])
            assert set(reply.json()) == {"error", "detail"}, (path, reply.text[:200])
        assert client.request("DELETE", "/v1/artifacts").headers["allow"] == "GET, POST"
    assert "Traceback" not in served.log()


# --- secrets in configured URLs -----------------------------------------------------------------

KEY = "9aa3d95b3bc440fa88ea12eaa4456161"  # an RPC API key, as providers put it in the path
SECRETS = ("KUBO-PASS-7", "ARWEAVE-KEY-7", KEY, "PG-PASS-7", "PEER-PASS-7", "PEER-TOKEN-7")


def _secrets_in(*texts: str) -> list[str]:
    return [secret for secret in SECRETS for text in texts if secret in text]


def test_secrets_in_configured_urls_never_reach_output_or_logs(
    capsys, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()  # nothing listens there: every service is unreachable
    services = {
        "CAIRN_IPFS_API": f"http://kubo:KUBO-PASS-7@127.0.0.1:{closed}/",
        "CAIRN_ARWEAVE_URL": f"http://127.0.0.1:{closed}/?apikey=ARWEAVE-KEY-7",
        "CAIRN_CHAIN_RPC": f"http://127.0.0.1:{closed}/v3/{KEY}",
    }
    peer = f"http://peer:PEER-PASS-7@127.0.0.1:{closed}/cairn?token=PEER-TOKEN-7"
    for name, value in services.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "m.txt").write_text("model")
    cid = cairn(capsys, "publish", tmp_path / "m.txt", "--json").json()["cid"]
    outputs: list[Result] = [
        cairn(capsys, "doctor"), cairn(capsys, "doctor", "--json"),
        cairn(capsys, "pull", UNKNOWN_CID, "--from", "ipfs", "--from", "arweave", "--from", peer),
        cairn(capsys, "show", UNKNOWN_CID, "--from", peer), cairn(capsys, "pin", cid, "--to", peer),
        cairn(capsys, "pin", cid, "--to", "ipfs"), cairn(capsys, "pin", cid, "--to", peer, "--json"),
        cairn(capsys, "pins"), cairn(capsys, "pins", "--json"), cairn(capsys, "unpin", cid, "--from", peer),
    ]  # fmt: skip
    codes = [r.code for r in outputs]
    assert codes == [1, 1, 1, 1, 1, 1, 1, 0, 0, 2], [(r.code, r.err) for r in outputs]
    pins = outputs[8].json()
    assert [p["remote"] for p in pins if p["remote"] != "ipfs"] == [
        f"http://peer:***@127.0.0.1:{closed}/cairn?token=***"
    ]
    with monkeypatch.context() as patched:  # a shared index whose password must not show either
        patched.setenv("CAIRN_INDEX_URL", f"postgresql://cairn:PG-PASS-7@127.0.0.1:{closed}/cairn")
        outputs += [cairn(capsys, "doctor", "--json"), cairn(capsys, "ls")]
    assert "***" in outputs[-2].out and outputs[-1].code == 1
    printed = [text for r in outputs for text in (r.out, r.err)]
    stored = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    assert _secrets_in(*printed, stored.decode("latin-1")) == []
    assert "Traceback" not in "".join(printed)


def test_a_server_keeps_the_secrets_of_its_urls_out_of_jobs_and_its_log(
    capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()
    env = {"CAIRN_IPFS_API": f"http://kubo:KUBO-PASS-7@127.0.0.1:{closed}/"}
    (tmp_path / "m.txt").write_text("model")
    home = tmp_path / "home"
    cid = cairn(capsys, "publish", tmp_path / "m.txt", "--json", "--home", home).json()["cid"]
    with _serve(home, env=env) as served:
        job = httpx.post(f"{served.server.url}/v1/pins", json={"cid": cid}, headers=_auth(served.write)).json()
        deadline = time.monotonic() + 20
        while (state := httpx.get(f"{served.server.url}/v1/jobs/{job['id']}").json())["state"] in ("queued", "running"):
            assert time.monotonic() < deadline, state
            time.sleep(0.1)
        assert state["state"] == "failed" and "kubo:***@" in state["error"], state
        listed = httpx.get(f"{served.server.url}/v1/pins").text
        assert _secrets_in(json.dumps(state), listed, served.log()) == []
        assert "Traceback" not in served.log()


# --- bad input on the command line: one line, exit 2 (or 1), no traceback -------------------------


def _bad_inputs(tmp: Path, cid: str, busy_port: int) -> dict[str, tuple[list[str | Path], int, dict[str, str]]]:
    """name -> (arguments, exit status, environment)."""
    file, folder = tmp / "file.txt", tmp / "folder"
    return {
        "negative --depth": (["lineage", cid, "--depth", "-1"], 2, {}),
        "unknown option": (["pull", cid, "--bogus"], 2, {}),
        "unknown command": (["nope"], 2, {}),
        "missing argument": (["pull"], 2, {}),
        "port out of range": (["serve", "--port", "99999"], 2, {}),
        "zero upload limit": (["serve", "--max-upload-bytes", "0"], 2, {}),
        "port in use": (["serve", "--port", str(busy_port)], 2, {}),
        "output below a file": (["pull", cid, "-o", file / "out"], 2, {}),
        "output is a folder": (["car", "export", cid, "-o", folder], 2, {}),
        "car below a file": (["car", "export", cid, "-o", file / "x.car"], 2, {}),
        "home is a file": (["ls", "--home", file], 2, {}),
        "home is a file (write)": (["publish", file, "--home", file], 2, {}),
        "a folder as a proof": (["verify", cid, "--proof", folder], 2, {}),
        "a folder as a CAR": (["car", "import", folder], 2, {}),
        "a device as a file": (["cid", "/dev/null"], 2, {}),
        "name with an empty version": (["name", "set", "m@", cid], 2, {}),
        "ref with an empty version": (["show", "m@"], 2, {}),
        "malformed CID": (["show", "bafyNOTACID"], 2, {}),
        "peer URL without a host": (["pull", UNKNOWN_CID, "--from", "http://"], 2, {}),
        "peer URL that does not parse": (["pull", UNKNOWN_CID, "--from", "http://["], 2, {}),
        "IPFS API that is no URL": (["pull", UNKNOWN_CID, "--from", "ipfs"], 2, {"CAIRN_IPFS_API": "notaurl"}),
        "Arweave URL that is no URL": (["pull", UNKNOWN_CID, "--from", "arweave"], 2, {"CAIRN_ARWEAVE_URL": "::"}),
        "chain RPC that is no URL": (["anchor"], 2, {"CAIRN_CHAIN_RPC": "localhost:8545"}),
        "unknown CID": (["pull", UNKNOWN_CID], 1, {}),
        "unknown token": (["token", "revoke", "nope"], 1, {}),
        "unreachable peer": (["pin", cid, "--to", f"http://127.0.0.1:{free_port()}"], 1, {}),
    }


CASES = list(_bad_inputs(Path("."), "", 0))


@pytest.mark.parametrize("case", CASES)
def test_bad_cli_input_is_one_line_without_a_traceback(
    capsys, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    (tmp_path / "file.txt").write_text("a file")
    (tmp_path / "folder").mkdir()
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "a.txt").write_text("a")
    monkeypatch.chdir(tmp_path)
    cid = cairn(capsys, "publish", tmp_path / "m", "--name", "m", "--json").json()["cid"]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args, code, env = _bad_inputs(tmp_path, cid, busy.getsockname()[1])[case]
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        result = cairn(capsys, *args)
    assert result.code == code, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cairn: error: "), result.err
    assert "internal error" not in result.err and "Traceback" not in result.err
