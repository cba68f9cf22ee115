"""A throwaway PostgreSQL cluster on loopback, for tests and for developers.

Tests use the session fixture ``postgres`` (one cluster) and ``fresh_database()`` on it (one
empty database per test); a developer runs the same code from a shell:

    .venv/bin/python -m tests.services.postgres             # start, print CAIRN_INDEX_URL, wait for Ctrl-C
    .venv/bin/python -m tests.services.postgres -- CMD ...  # start, run CMD with CAIRN_INDEX_URL set, stop

The binaries come from ``CAIRN_PG_BIN`` when set, else from ``scripts/install-postgres.sh``
(Debian's package). initdb refuses to run as root, so as root the cluster belongs to the
``postgres`` user, in a folder under /tmp that it owns. The server listens on a free 127.0.0.1
port only, trusts local connections (nothing but this machine can reach it) and, unless asked to
be durable, skips fsync: a test cluster that loses power is thrown away anyway. The fixture
skips, saying why, when ``CAIRN_SKIP_POSTGRES=1`` or when PostgreSQL cannot be installed (under
``CAIRN_NO_SKIPS=1``, as in scripts/test.sh, those skips are failures: tests/conftest.py); one
that is installed but does not start fails the tests that need it, with its log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.services.kubo import LOOPBACK, _die_with_parent, _tail, free_port
from tests.services.shell import serve

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-postgres.sh"
SUPERUSER = "cairn"


class PostgresSetupError(RuntimeError):
    """PostgreSQL could not be installed, initialised or started; the message says which and why."""


def find_bin() -> Path:
    given = os.environ.get("CAIRN_PG_BIN")
    if given:
        return Path(given)
    done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=900, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise PostgresSetupError(f"{INSTALL_SCRIPT.name} failed (exit {done.returncode}): {_tail(done.stderr)}")
    return Path(lines[-1])


def _as_owner() -> dict[str, Any]:
    """Popen arguments that run a command as ``postgres`` when we are root (initdb insists)."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam("postgres")
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class PostgresCluster:
    """A cluster in a temporary folder, served on one free loopback port until ``stop()``."""

    def __init__(self, bin_dir: Path, durable: bool = False) -> None:
        self.bin_dir = bin_dir
        self.durable = durable
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="cairn-pg-", dir="/tmp"))
        self.data = self.base / "data"
        self.log_path = self.base / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._databases = 0

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        owner = _as_owner()
        if owner:
            os.chown(self.base, owner["user"], owner["group"])
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")
        settings = {"listen_addresses": LOOPBACK, "port": str(self.port), "unix_socket_directories": str(self.base),
                    "max_connections": "200", "shared_buffers": "128MB"}  # fmt: skip
        if not self.durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        args = [arg for key, value in settings.items() for arg in ("-c", f"{key}={value}")]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.bin_dir / "postgres"), "-D", str(self.data), *args],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, **owner,
            )  # fmt: skip
        self._wait_ready(timeout)

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run([str(self.bin_dir / tool), *args], capture_output=True, text=True, timeout=120,
                              check=False, **_as_owner())  # fmt: skip
        if done.returncode != 0:
            raise PostgresSetupError(f"{tool} failed: {_tail(done.stderr or done.stdout)}")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise PostgresSetupError(f"postgres exited at start:\n{self.log_tail()}")
            with contextlib.suppress(Exception):
                self.execute("SELECT 1")
                return
            time.sleep(0.1)
        raise PostgresSetupError(f"postgres did not answer on port {self.port} within {timeout:.0f}s")

    def execute(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.encode())

    def fresh_database(self, prefix: str = "cairn") -> str:
        """The URL of a new, empty database (each test gets its own; nothing leaks between them)."""
        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: rolls back, closes sessions
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None
        shutil.rmtree(self.base, ignore_errors=True)

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"))
        except FileNotFoundError:
            return "(no server log)"


@contextlib.contextmanager
def running_postgres(durable: bool = False) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(find_bin(), durable=durable)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """One PostgreSQL cluster for the whole test session, removed at its end."""
    if os.environ.get("CAIRN_SKIP_POSTGRES") == "1":
        pytest.skip("CAIRN_SKIP_POSTGRES=1: the PostgreSQL index is not tested")
    try:
        bin_dir = find_bin()
    except (PostgresSetupError, OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"PostgreSQL could not be installed, so the PostgreSQL index is not tested: {exc}")
    try:
        cluster = PostgresCluster(bin_dir)
        cluster.start()
    except (PostgresSetupError, OSError, subprocess.SubprocessError, KeyError) as exc:
        pytest.fail(f"PostgreSQL is needed but could not be started: {exc}", pytrace=False)
    try:
        yield cluster
    finally:
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Shell entry point: start a cluster, print CAIRN_INDEX_URL of a fresh database, run a command or wait."""
    return serve("postgres", __doc__ or "", lambda _base: running_postgres(), _exports,
                 "PostgreSQL is running (its cluster is removed at the end)", PostgresSetupError, argv)  # fmt: skip


def _exports(cluster: PostgresCluster) -> dict[str, str]:
    return {"CAIRN_INDEX_URL": cluster.fresh_database()}


if __name__ == "__main__":
    sys.exit(main())
