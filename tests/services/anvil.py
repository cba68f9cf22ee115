"""A throwaway EVM chain (Foundry's anvil) on loopback, for tests, the gas bench and developers.

Tests use the session fixture ``anvil``; a developer runs the same code from a shell:

    .venv/bin/python -m tests.services.anvil             # start, print exports, wait for Ctrl-C
    .venv/bin/python -m tests.services.anvil -- CMD ...  # start, run CMD with CAIRN_CHAIN_RPC/KEY_FILE set, stop

anvil and cast come from npm (``scripts/install-evm-tools.sh``, docs/services.md). The chain runs on
a free 127.0.0.1 port with anvil's funded development accounts, whose keys anvil itself writes
out (``--config-out``), so no key is typed into this file. The helpers talk JSON-RPC with httpx,
not web3.py, so that what the tests observe does not go through the code under test.

Faults the tests need: ``snapshot``/``revert`` (a reorg that removes blocks), ``set_automine``
with ``drop_pending`` (a transaction the node forgets), ``mine`` (confirmations).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.services.kubo import LOOPBACK, _die_with_parent, _tail, free_port
from tests.services.shell import serve

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = ROOT / "scripts" / "install-evm-tools.sh"
CHAIN_ID = 31337


class EvmSetupError(RuntimeError):
    """The EVM tools could not be installed or anvil did not start; the message says why."""


def node_modules() -> Path:
    """``tests/services/evm/node_modules``, installed by the script when missing or stale."""
    try:
        done = subprocess.run(["bash", str(INSTALL_SCRIPT)], capture_output=True, text=True, timeout=600, check=False)
    except subprocess.TimeoutExpired as exc:
        raise EvmSetupError(f"{INSTALL_SCRIPT} did not finish within 600s") from exc
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise EvmSetupError(f"{INSTALL_SCRIPT} failed (exit {done.returncode}): {_tail(done.stderr)}")
    return Path(lines[-1])


def foundry_tool(name: str) -> Path:
    """The native ``anvil`` or ``cast`` binary that Foundry's npm package installed.

    The platform package's binary, not the ``.bin`` node wrapper, so that signals reach anvil
    itself and stopping it never leaves an orphan behind.
    """
    modules = node_modules()
    for candidate in sorted((modules / "@foundry-rs").glob(f"{name}-*/bin/{name}")):
        if os.access(candidate, os.X_OK):
            return candidate
    wrapper = modules / ".bin" / name
    if os.access(wrapper, os.X_OK):
        return wrapper
    raise EvmSetupError(f"no {name} binary under {modules}; run scripts/install-evm-tools.sh")


class Anvil:
    """One anvil process on a fixed loopback port, with its funded development keys."""

    def __init__(self, binary: Path, workdir: Path, keep_state: bool = False) -> None:
        self.binary = binary
        self.workdir = workdir
        self.keep_state = keep_state  # dump the chain on stop and load it on start: an outage, not a reset
        self.port = free_port()
        self.keys: list[str] = []
        self.accounts: list[str] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "anvil.log"

    @property
    def rpc_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def key(self) -> str:
        """The first funded development key (0x-hex): what ``cairn anchor`` signs with in tests."""
        return self.keys[0]

    def start(self, timeout: float = 30) -> None:
        config = self.workdir / "anvil-config.json"
        args = [str(self.binary), "--host", LOOPBACK, "--port", str(self.port), "--chain-id", str(CHAIN_ID),
                "--accounts", "4", "--config-out", str(config)]  # fmt: skip
        if self.keep_state:
            args += ["--state", str(self.workdir / "state.json")]
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)  # fmt: skip
        self._wait_ready(config, timeout)

    def _wait_ready(self, config: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise EvmSetupError(f"anvil exited at start:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError, OSError, ValueError, KeyError):
                if int(self.rpc("eth_chainId"), 16) == CHAIN_ID and config.is_file():
                    written = json.loads(config.read_text())
                    self.keys, self.accounts = written["private_keys"], written["available_accounts"]
                    return
            time.sleep(0.1)
        self.stop()
        raise EvmSetupError(f"anvil did not answer {self.rpc_url} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 10) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def log_tail(self) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"))
        except FileNotFoundError:
            return "(no anvil log)"

    def rpc(self, method: str, *params: Any) -> Any:
        """One JSON-RPC call; an error answer raises with its message."""
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        answer = httpx.post(self.rpc_url, json=body, timeout=30).json()
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error']}")
        return answer["result"]

    def block_number(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def snapshot(self) -> str:
        """Remember the chain as it is now; ``revert`` goes back to it (a reorg, as far as clients see)."""
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot_id: str) -> None:
        if self.rpc("evm_revert", snapshot_id) is not True:
            raise RuntimeError(f"anvil refused to revert to snapshot {snapshot_id}")

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def set_automine(self, enabled: bool) -> None:
        """With automine off, transactions wait in the pool until ``mine`` (or are dropped)."""
        self.rpc("evm_setAutomine", enabled)

    def pending_hashes(self) -> list[str]:
        """Hashes of the transactions waiting in the pool."""
        pending = self.rpc("txpool_content")["pending"]
        return [tx["hash"] for by_nonce in pending.values() for tx in by_nonce.values()]

    def drop_pending(self) -> list[str]:
        """Forget every pooled transaction, as a node that evicts them does; returns their hashes."""
        hashes = self.pending_hashes()
        for tx_hash in hashes:
            self.rpc("anvil_dropTransaction", tx_hash)
        return hashes

    def cast(self, *args: str) -> str:
        """Run Foundry's ``cast`` against this chain (an independent reader of what is on it)."""
        done = subprocess.run([str(foundry_tool("cast")), *args, "--rpc-url", self.rpc_url],
                              capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"cast {' '.join(args)} failed: {_tail(done.stderr)}")
        return done.stdout

    def chain_env(self, contract: str | None = None, key: str | None = None) -> dict[str, str]:
        """The CAIRN_CHAIN_* variables for this chain (and a contract and key, if given)."""
        env = {"CAIRN_CHAIN_RPC": self.rpc_url}
        if contract:
            env["CAIRN_CHAIN_CONTRACT"] = contract
        if key:
            env["CAIRN_CHAIN_KEY"] = key
        return env


@contextlib.contextmanager
def running_anvil(workdir: Path) -> Iterator[Anvil]:
    """A started anvil whose files live in ``workdir``, stopped when the block ends."""
    chain = Anvil(foundry_tool("anvil"), workdir)
    try:
        chain.start()
        yield chain
    finally:
        chain.stop()


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Anvil]:
    """One anvil chain for the whole session; tests deploy their own contract on it."""
    workdir = tmp_path_factory.mktemp("anvil")
    try:
        chain = Anvil(foundry_tool("anvil"), workdir)
        chain.start()
    except (EvmSetupError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"anvil is needed but could not be started: {exc}", pytrace=False)
    try:
        yield chain
    finally:
        chain.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Shell entry point: start a chain, print its settings, run a command or wait for a signal."""
    return serve("anvil", __doc__ or "", running_anvil, _exports,
                 "anvil is running; `cairn anchor deploy` prints a contract for CAIRN_CHAIN_CONTRACT", EvmSetupError,
                 argv)  # fmt: skip


def _exports(chain: Anvil) -> dict[str, str]:
    """The RPC and a 0600 file holding anvil's first development key (the key itself is never
    printed, even this public one, so that copying the habit is safe)."""
    key_file = chain.workdir / "chain.key"
    key_file.touch(mode=0o600)
    key_file.write_text(chain.key + "\n")
    return {"CAIRN_CHAIN_RPC": chain.rpc_url, "CAIRN_CHAIN_KEY_FILE": str(key_file)}


if __name__ == "__main__":
    sys.exit(main())
