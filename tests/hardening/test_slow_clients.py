"""Slow clients against a real `cairn serve`: a request head sent a byte at a time (slow loris),
a connection that says nothing, a body that goes silent or trickles, are all cut off by the
server's timeouts; an honest slow upload is not, and other clients are served meanwhile."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cairn.lineage.index.tokens import new_token
from cairn.lineage.repo import Repo
from tests.api.server import CairnServer, running_server

HEAD_TIMEOUT = 2
BODY_TIMEOUT = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CairnServer]:
    home = tmp_path_factory.mktemp("slow-clients") / "home"
    with running_server(home, "--header-timeout", str(HEAD_TIMEOUT), "--timeout", str(BODY_TIMEOUT)) as running:
        yield running


def _connect(server: CairnServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.settimeout(30)
    return sock


def _open_after(sock: socket.socket, trickle: bytes, every: float, give_up: float) -> float | None:
    """Send ``trickle`` a byte every ``every`` seconds; seconds until the server hung up, or None."""
    start = time.monotonic()
    sock.setblocking(False)
    for byte in trickle:
        try:
            sock.send(bytes([byte]))
            if sock.recv(1) == b"":  # an orderly close from the server
                return time.monotonic() - start
        except BlockingIOError:
            pass  # nothing to read yet: still open
        except OSError:  # reset, broken pipe: closed
            return time.monotonic() - start
        if time.monotonic() - start > give_up:
            return None
        time.sleep(every)
    return None


def test_a_request_head_sent_byte_by_byte_is_cut_off(server: CairnServer) -> None:
    head = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"z" * 200
    with _connect(server) as sock:
        closed_after = _open_after(sock, head, every=0.2, give_up=HEAD_TIMEOUT * 5)
    assert closed_after is not None, "the server kept a slow-loris connection open"
    assert closed_after < HEAD_TIMEOUT + 3


def test_a_connection_that_says_nothing_is_closed(server: CairnServer) -> None:
    with _connect(server) as sock:
        start = time.monotonic()
        assert sock.recv(1) == b""
    assert time.monotonic() - start < HEAD_TIMEOUT + 3


def test_slow_loris_on_a_kept_alive_connection_is_cut_off(server: CairnServer) -> None:
    """After a first request, the next head on the same connection gets the same deadline."""
    with _connect(server) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b"200 OK" in sock.recv(65536)
        closed_after = _open_after(sock, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX: " + b"z" * 200, 0.2, 10)
    assert closed_after is not None and closed_after < HEAD_TIMEOUT + 3


def _upload_head(server: CairnServer, length: int) -> bytes:
    token, _ = new_token(Repo.open(server.home).index, "write")
    return (f"POST /v1/car HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/vnd.ipld.car\r\nContent-Length: {length}\r\n\r\n").encode()  # fmt: skip


def test_a_body_that_goes_silent_is_cut_off(server: CairnServer) -> None:
    with _connect(server) as sock:
        sock.sendall(_upload_head(server, 100_000) + b"\0" * 100)
        start = time.monotonic()
        reply = sock.recv(65536)  # nothing more is sent: the server must give up on its own
    assert reply == b"" or reply.startswith(b"HTTP/1.1 4"), reply[:200]
    assert time.monotonic() - start < BODY_TIMEOUT + 3


def test_a_body_trickled_a_byte_at_a_time_is_cut_off(server: CairnServer) -> None:
    """Never silent for long, but far below any honest rate (R.U.D.Y.)."""
    with _connect(server) as sock:
        sock.sendall(_upload_head(server, 100_000))
        closed_after = _open_after(sock, b"\0" * 1000, every=0.5, give_up=BODY_TIMEOUT * 6)
    assert closed_after is not None, "the server kept a trickling upload open"
    assert closed_after < BODY_TIMEOUT + 3


def test_an_honest_slow_upload_and_other_clients_are_served(server: CairnServer) -> None:
    """30 slow-loris connections at once do not stop others; a slow but steady upload completes."""
    lorises = [_connect(server) for _ in range(30)]
    for sock in lorises:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\n")
    try:
        assert httpx.get(f"{server.url}/v1/health", timeout=5).status_code == 200
        token, _ = new_token(Repo.open(server.home).index, "write")
        body = b"\0" * (256 << 10)

        def steady() -> Iterator[bytes]:
            for start in range(0, len(body), 32 << 10):
                time.sleep(0.25)  # 128 KiB/s, pausing 0.25 s: slow, never silent for the timeout
                yield body[start : start + (32 << 10)]

        reply = httpx.post(f"{server.url}/v1/car", content=steady(), timeout=30,
                           headers={"Authorization": f"Bearer {token}", "Content-Length": str(len(body))})  # fmt: skip
        assert (
            reply.status_code == 400 and reply.json()["error"] == "bad_request"
        )  # read whole, then refused: not a CAR
    finally:
        for sock in lorises:
            sock.close()


def test_the_timeouts_do_not_cut_a_long_download(server: CairnServer, tmp_path: Path) -> None:
    """The deadlines concern what the client sends; a response may take as long as it takes."""
    from tests.cli.helpers import cairn_process

    (tmp_path / "big.bin").write_bytes(b"\1" * (8 << 20))
    cid = cairn_process("publish", tmp_path / "big.bin", home=server.home).last_line
    got = bytearray()
    with httpx.stream("GET", f"{server.url}/v1/artifacts/{cid}/files/big.bin", timeout=30) as reply:
        for chunk in reply.iter_bytes():
            if not got:
                time.sleep(max(HEAD_TIMEOUT, BODY_TIMEOUT) + 1)  # a pause longer than every timeout, mid-read
            got += chunk
    assert len(got) == 8 << 20
