"""A throwaway Kubo (go-ipfs) node on loopback, for tests and for developers.

Tests use the session fixture ``kubo``; a developer runs the same code from a shell:

    .venv/bin/python -m tests.services.kubo             # start, print exports, wait for Ctrl-C
    .venv/bin/python -m tests.services.kubo -- CMD ...  # start, run CMD with CAIRN_IPFS_API set, stop

Each node gets its own ``IPFS_PATH`` in a temporary folder, the ``test`` profile (no bootstrap
peers, no MDNS, no AutoTLS/AutoConf), and RPC, gateway and swarm on free 127.0.0.1 ports. The
ports are chosen once and kept, so ``stop()`` then ``start()`` brings back the same node at the
same URLs, which is what the fault tests need.

The binary comes from ``CAIRN_KUBO_BIN`` when set, else from ``scripts/install-kubo.sh`` (which
builds it once into a cache). The fixture fails with a clear message when Kubo cannot be built
or started; it skips only when ``CAIRN_SKIP_KUBO=1``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services.shell import serve

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-kubo.sh"
LOOPBACK = "127.0.0.1"
PR_SET_PDEATHSIG = 1


class KuboSetupError(RuntimeError):
    """Kubo could not be built, initialised or started; the message says which and why."""


def _env_seconds(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def find_binary() -> Path:
    """The ipfs binary: ``CAIRN_KUBO_BIN``, else whatever the install script builds or caches."""
    given = os.environ.get("CAIRN_KUBO_BIN")
    if given:
        path = Path(given)
        if not os.access(path, os.X_OK):
            raise KuboSetupError(f"CAIRN_KUBO_BIN={given} is not an executable file")
        return path
    timeout = _env_seconds("CAIRN_KUBO_BUILD_TIMEOUT", 1800)
    try:
        done = subprocess.run(
            ["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise KuboSetupError(f"{INSTALL_SCRIPT} did not finish within {timeout:.0f}s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not os.access(lines[-1], os.X_OK):
        raise KuboSetupError(f"{INSTALL_SCRIPT} failed (exit {done.returncode}): {_tail(done.stderr)}")
    return Path(lines[-1])


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """In the child: have Linux end the daemon if the test process dies without stopping it."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no output)"


def _set(config: dict[str, Any], dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value


class KuboRepo:
    """An initialised ``IPFS_PATH``; the CLI runs in-process on it unless a daemon serves it."""

    def __init__(self, binary: Path, ipfs_path: Path) -> None:
        self.binary = binary
        self.ipfs_path = ipfs_path

    @classmethod
    def create(cls, binary: Path, ipfs_path: Path, profiles: Sequence[str] = ("test",)) -> KuboRepo:
        repo = cls(binary, ipfs_path)
        repo.init(profiles)
        return repo

    @property
    def env(self) -> dict[str, str]:
        """The environment for ``ipfs``: this repo, and no telemetry sent anywhere."""
        return {**os.environ, "IPFS_PATH": str(self.ipfs_path), "IPFS_TELEMETRY": "off"}

    def init(self, profiles: Sequence[str]) -> None:
        self.ipfs_path.mkdir(parents=True, exist_ok=True)
        self.ipfs("init", "--empty-repo", f"--profile={','.join(profiles)}", timeout=60)

    def ipfs(
        self, *args: str, input: bytes | None = None, timeout: float = 300, check: bool = True
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``ipfs ARGS`` against this repo; with ``check``, a failure raises with its stderr."""
        done = subprocess.run(
            [str(self.binary), *args], input=input, env=self.env, capture_output=True, timeout=timeout, check=False
        )
        if check and done.returncode != 0:
            raise KuboSetupError(f"ipfs {' '.join(args)} failed: {_tail(done.stderr.decode(errors='replace'))}")
        return done

    def ipfs_text(self, *args: str, timeout: float = 300) -> str:
        """Stdout of ``ipfs ARGS`` as stripped text."""
        return self.ipfs(*args, timeout=timeout).stdout.decode().strip()

    def edit_config(self, values: dict[str, object]) -> None:
        """Set dotted config keys by editing the file (only while no daemon runs)."""
        path = self.ipfs_path / "config"
        config = json.loads(path.read_text())
        for key, value in values.items():
            _set(config, key, value)
        path.write_text(json.dumps(config, indent=2))


class KuboDaemon(KuboRepo):
    """A Kubo daemon on fixed loopback ports; ``stop()`` and ``start()`` keep repo and ports."""

    def __init__(self, binary: Path, ipfs_path: Path) -> None:
        super().__init__(binary, ipfs_path)
        self.api_port = self.gateway_port = self.swarm_port = 0
        self._choose_ports()
        self.log_path = ipfs_path.parent / f"{ipfs_path.name}-daemon.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._started_once = False

    def _choose_ports(self) -> None:
        self.api_port, self.gateway_port, self.swarm_port = free_port(), free_port(), free_port()

    @classmethod
    def create(cls, binary: Path, ipfs_path: Path, profiles: Sequence[str] = ("test",)) -> KuboDaemon:
        daemon = cls(binary, ipfs_path)
        daemon.init(profiles)
        daemon.edit_config(daemon.network_config())
        return daemon

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.api_port}"

    @property
    def gateway_url(self) -> str:
        return f"http://{LOOPBACK}:{self.gateway_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def network_config(self) -> dict[str, object]:
        """Loopback only, nobody to dial: the node never leaves this machine."""
        return {
            "Addresses.API": f"/ip4/{LOOPBACK}/tcp/{self.api_port}",
            "Addresses.Gateway": f"/ip4/{LOOPBACK}/tcp/{self.gateway_port}",
            "Addresses.Swarm": [f"/ip4/{LOOPBACK}/tcp/{self.swarm_port}"],
            "Bootstrap": [],
            "Discovery.MDNS.Enabled": False,
            "Swarm.DisableNatPortMap": True,
            "Swarm.RelayClient.Enabled": False,
            "Swarm.RelayService.Enabled": False,
        }

    def start(self, timeout: float | None = None) -> None:
        """Start the daemon and return once ``/api/v0/version`` answers; raise if it does not.

        The first start moves to other ports once if someone took one since they were chosen;
        later starts keep the ports, since callers hold the URLs.
        """
        if self.running:
            return
        timeout = timeout if timeout is not None else _env_seconds("CAIRN_KUBO_START_TIMEOUT", 60)
        try:
            self._launch(timeout)
        except KuboSetupError as exc:
            if self._started_once or "address already in use" not in str(exc):
                raise
            self._choose_ports()
            self.edit_config(self.network_config())
            self._launch(timeout)
        self._started_once = True

    def _launch(self, timeout: float) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.binary), "daemon", "--migrate=false", "--enable-gc=false"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready(timeout)
        except KuboSetupError:
            self.kill()
            raise

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise KuboSetupError(f"ipfs daemon exited at start:\n{self.log_tail()}")
            if self._answers():
                return
            time.sleep(0.1)
        raise KuboSetupError(f"ipfs daemon did not answer {self.api_url} within {timeout:.0f}s:\n{self.log_tail()}")

    def _answers(self) -> bool:
        try:
            return httpx.post(f"{self.api_url}/api/v0/version", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 20) -> None:
        """Stop gracefully (SIGINT, as Ctrl-C), and kill it if it takes longer than ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def kill(self) -> None:
        """Kill at once (SIGKILL), as a crash would."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"))
        except FileNotFoundError:
            return "(no daemon log)"

    @contextlib.contextmanager
    def stopped(self) -> Iterator[None]:
        """Inside the block the daemon is down; afterwards it runs again on the same ports."""
        self.stop()
        try:
            yield
        finally:
            self.start()


@contextlib.contextmanager
def running_kubo(base: Path, profiles: Sequence[str] = ("test",), name: str = "ipfs") -> Iterator[KuboDaemon]:
    """A started daemon in ``base/name``, stopped when the block ends."""
    daemon = KuboDaemon.create(find_binary(), base / name, profiles)
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def kubo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KuboDaemon]:
    """One Kubo daemon for the whole test session, stopped at its end."""
    if os.environ.get("CAIRN_SKIP_KUBO") == "1":
        pytest.skip("CAIRN_SKIP_KUBO=1: tests that need Kubo are skipped")
    base = tmp_path_factory.mktemp("kubo")
    try:
        daemon = KuboDaemon.create(find_binary(), base / "ipfs")
        daemon.start()
    except (KuboSetupError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"Kubo is needed but could not be started: {exc}", pytrace=False)
    try:
        yield daemon
    finally:
        daemon.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Shell entry point: start a node, print its settings, run a command or wait for a signal."""
    return serve("kubo", __doc__ or "", running_kubo, _exports, "Kubo is running (its repo is removed at the end)",
                 KuboSetupError, argv)  # fmt: skip


def _exports(daemon: KuboDaemon) -> dict[str, str]:
    return {
        "IPFS_PATH": str(daemon.ipfs_path),
        "CAIRN_IPFS_API": daemon.api_url,
        "CAIRN_IPFS_GATEWAY": daemon.gateway_url,
        "CAIRN_KUBO_BIN": str(daemon.binary),
    }


if __name__ == "__main__":
    sys.exit(main())
