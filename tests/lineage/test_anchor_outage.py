"""The chain goes away in the middle of `cairn anchor` and comes back (anvil stopped and restarted
from its saved state, on the same port): the run fails with one clear line and a resumable batch,
the next run finishes it, and the key pays for exactly one anchoring transaction."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import cairn_process
from tests.lineage.anchor_fixtures import web3_for
from tests.services.anvil import Anvil, foundry_tool


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Anvil]:
    """A chain of this test's own that survives a restart: the session's anvil must stay up."""
    node = Anvil(foundry_tool("anvil"), tmp_path / "anvil", keep_state=True)
    node.start()
    yield node
    node.stop()


@pytest.fixture
def env(chain: Anvil, home: Path, tmp_path: Path) -> dict[str, str]:
    """A home with two published artifacts and a deployed contract, configured as a user would."""
    base = chain.chain_env(key=chain.key)
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "data.txt").write_text(f"artifact {name}\n")
        assert cairn_process("publish", tmp_path / name, home=home, env=base).code == 0
    deployed = cairn_process("anchor", "deploy", home=home, env=base)
    assert deployed.code == 0, deployed.err
    return {**base, "CAIRN_CHAIN_CONTRACT": deployed.last_line}


def _start_anchor(home: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "anchor"], text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **env, "CAIRN_HOME": str(home)})  # fmt: skip


def _wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _roots_on_chain(chain: Anvil, contract: str) -> int:
    w3 = web3_for(chain)
    return len(w3.eth.get_logs({"address": w3.to_checksum_address(contract), "fromBlock": 0}))


def _sent_by(chain: Anvil) -> int:
    w3 = web3_for(chain)
    return int(w3.eth.get_transaction_count(w3.to_checksum_address(chain.accounts[0]), "latest"))


def _outage_fails_cleanly(proc: subprocess.Popen[str], chain: Anvil) -> None:
    chain.stop()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the chain RPC" in lines[0] and "Traceback" not in err
    chain.start()


def test_chain_down_while_the_transaction_waits_in_the_pool(chain: Anvil, home: Path, env: dict[str, str]) -> None:
    sent_before = _sent_by(chain)  # the deploy
    chain.set_automine(False)
    proc = _start_anchor(home, env)
    _wait_for(lambda: bool(chain.pending_hashes()), "the anchoring transaction to reach the pool")
    _outage_fails_cleanly(proc, chain)  # the saved chain may or may not keep its pool: either way, paid once
    again = cairn_process("anchor", home=home, env=env)
    assert again.code == 0, again.err
    assert _roots_on_chain(chain, env["CAIRN_CHAIN_CONTRACT"]) == 1
    assert _sent_by(chain) == sent_before + 1  # sent again as the same nonce: paid once
    status = cairn_process("verify", cairn_process("ls", "--json", home=home).json()[0]["cid"], home=home, env=env)
    assert status.code == 0 and "anchored" in status.out, status.out + status.err


def test_chain_down_while_waiting_for_confirmations(chain: Anvil, home: Path, env: dict[str, str]) -> None:
    env = {**env, "CAIRN_CHAIN_CONFIRMATIONS": "3"}
    sent_before = _sent_by(chain)
    proc = _start_anchor(home, env)
    contract = env["CAIRN_CHAIN_CONTRACT"]
    _wait_for(lambda: _roots_on_chain(chain, contract) == 1, "the root to be mined")
    _outage_fails_cleanly(proc, chain)  # mined, not yet confirmed: the saved chain holds it
    assert _roots_on_chain(chain, contract) == 1
    chain.mine(3)
    again = cairn_process("anchor", home=home, env=env)
    assert again.code == 0, again.err
    assert _roots_on_chain(chain, contract) == 1 and _sent_by(chain) == sent_before + 1  # adopted, not re-sent
    listed = cairn_process("ls", "--json", home=home).json()
    for row in listed:
        status = cairn_process("verify", row["cid"], home=home, env=env)
        assert status.code == 0 and "anchored" in status.out, status.out + status.err
