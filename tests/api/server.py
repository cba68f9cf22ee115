"""A real `cairn serve` process on a free loopback port, for tests that talk HTTP to it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.services.kubo import free_port


@dataclass
class CairnServer:
    home: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    extra_args: tuple[str, ...] = ()
    env: dict[str, str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {**os.environ, **(self.env or {}), "CAIRN_HOME": str(self.home)}
        log = open(self.home.parent / f"server-{self.port}.log", "ab")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cairn.cli.main", "serve", "--port", str(self.port), *self.extra_args],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cairn serve exited: {self.log()}")
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"cairn serve did not answer: {self.log()}")

    def stop(self, kill: bool = False) -> None:
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(20)
        self.process = None

    def log(self) -> str:
        path = self.home.parent / f"server-{self.port}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


@contextmanager
def running_server(home: Path, *extra_args: str, env: dict[str, str] | None = None) -> Iterator[CairnServer]:
    home.mkdir(parents=True, exist_ok=True)
    server = CairnServer(home, free_port(), extra_args=extra_args, env=env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def fake_server(body: bytes, headers: dict[str, str], status: int = 200, endless: bool = False) -> Iterator[str]:
    """A fake HTTP server, allowed only to inject what a real peer or gateway cannot send: the
    same answer to every GET and POST; ``endless`` repeats ``body`` until the client hangs up. Yields its URL."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Fake(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            length = {} if endless else {"Content-Length": str(len(body))}
            for name, value in {**headers, **length}.items():
                self.send_header(name, value)
            self.end_headers()  # without a length, HTTP/1.0: the body ends when the connection does
            with suppress(BrokenPipeError, ConnectionResetError):  # the client stopped reading: a cut-off
                self.wfile.write(body)
                while endless:
                    self.wfile.write(body)

        def do_POST(self) -> None:  # Kubo's RPC is all POSTs; the request body is left unread
            self.do_GET()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Fake)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
