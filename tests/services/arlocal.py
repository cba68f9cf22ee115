"""A throwaway arlocal (a local Arweave gateway, from npm) on loopback, for tests and developers.

Tests use the session fixture ``arlocal``; a developer runs the same code from a shell:

    .venv/bin/python -m tests.services.arlocal     # start, print the export line, wait for Ctrl-C

arlocal comes from ``scripts/install-arlocal.sh`` (once per lockfile, into a cache outside the
checkout) unless ``CAIRN_ARLOCAL_ENTRY`` names its ``bin/index.js``. It runs with ``--persist``
and its database in a temporary folder, on a free 127.0.0.1 port that is kept, so that
``stop()`` then ``start()`` brings back the same gateway with the same transactions, wallets and
chunks. ``stop()`` kills it (SIGKILL): arlocal 1.1.66's own shutdown *drops every table* when
``--persist`` is on (its ``down()`` tests the flag the wrong way round), so only a hard stop keeps
the state. ``pause()``/``resume()`` freeze it with SIGSTOP/SIGCONT: connections are accepted by the
kernel but never answered, as with a gateway that hangs.

The fixture fails with a clear message when arlocal cannot be installed or started; it skips
only when ``CAIRN_SKIP_ARLOCAL=1``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest

from tests.services.kubo import LOOPBACK, _die_with_parent, _tail, free_port
from tests.services.shell import serve

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-arlocal.sh"


class ArlocalSetupError(RuntimeError):
    """arlocal could not be installed or started; the message says which and why."""


def find_entry() -> Path:
    """arlocal's ``bin/index.js``: ``CAIRN_ARLOCAL_ENTRY``, else what the install script prints."""
    given = os.environ.get("CAIRN_ARLOCAL_ENTRY")
    if given:
        if not Path(given).is_file():
            raise ArlocalSetupError(f"CAIRN_ARLOCAL_ENTRY={given} is not a file")
        return Path(given)
    try:
        done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=1200, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ArlocalSetupError(f"{INSTALL_SCRIPT} did not finish within 1200s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not Path(lines[-1]).is_file():
        raise ArlocalSetupError(f"{INSTALL_SCRIPT} failed (exit {done.returncode}): {_tail(done.stderr)}")
    return Path(lines[-1])


class Arlocal:
    """One arlocal gateway with its state in ``base``; see the module docstring."""

    def __init__(self, entry: Path, base: Path) -> None:
        self.entry = entry
        self.base = base
        self.port = free_port()
        self.log_path = base / "arlocal.log"
        self.process: subprocess.Popen[bytes] | None = None
        base.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 60) -> None:
        """Start (or restart, with the state kept) and return once ``/info`` answers."""
        if self.running:
            return
        node = shutil.which("node")
        if node is None:
            raise ArlocalSetupError("node is not installed")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [node, str(self.entry), str(self.port), "--hidelogs", "--persist", "--dbpath", "db"],
                cwd=self.base,  # arlocal joins --dbpath to its working folder
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise ArlocalSetupError(f"arlocal exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/info", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        self.stop()
        raise ArlocalSetupError(f"arlocal did not answer {self.url} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Kill it, keeping its database (see the module docstring for why not SIGTERM)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)  # a paused process must wake to die cleanly
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def pause(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGCONT)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        self.pause()
        try:
            yield
        finally:
            self.resume()

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"))
        except FileNotFoundError:
            return "(no log)"

    # -- helpers the tests fund and mine with ----------------------------------------------------

    def mint(self, address: str, winston: int) -> int:
        """Add ``winston`` to ``address``; returns the new balance."""
        response = httpx.get(f"{self.url}/mint/{address}/{winston}", timeout=30)
        response.raise_for_status()
        return int(response.text)

    def mine(self, blocks: int = 1) -> int:
        """Mine ``blocks`` blocks (pending transactions go into the last); returns the height."""
        response = httpx.get(f"{self.url}/mine/{blocks}", timeout=60)
        response.raise_for_status()
        return int(response.json()["height"])

    def balance(self, address: str) -> int:
        response = httpx.get(f"{self.url}/wallet/{address}/balance", timeout=30)
        response.raise_for_status()
        return int(response.text)

    def tx(self, tx_id: str) -> dict[str, object]:
        response = httpx.get(f"{self.url}/tx/{tx_id}", timeout=30)
        response.raise_for_status()
        return dict(response.json())


@contextlib.contextmanager
def running_arlocal(base: Path) -> Iterator[Arlocal]:
    node = Arlocal(find_entry(), base)
    try:
        node.start()
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def arlocal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Arlocal]:
    """One arlocal for the whole test session, stopped at its end."""
    if os.environ.get("CAIRN_SKIP_ARLOCAL") == "1":
        pytest.skip("CAIRN_SKIP_ARLOCAL=1: tests that need arlocal are skipped")
    try:
        node = Arlocal(find_entry(), tmp_path_factory.mktemp("arlocal"))
        node.start()
    except (ArlocalSetupError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"arlocal is needed but could not be started: {exc}", pytrace=False)
    try:
        yield node
    finally:
        node.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Shell entry point: start arlocal, print the export line, run a command or wait for Ctrl-C."""
    return serve("arlocal", __doc__ or "", running_arlocal, lambda node: {"CAIRN_ARWEAVE_URL": node.url},
                 "arlocal is running (GET /mint/<address>/<winston> funds a wallet, GET /mine mines)",
                 ArlocalSetupError, argv)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
