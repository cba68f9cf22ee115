"""Helpers the anchoring tests and the gas bench share: many signed records fast, a deployed
contract, a ledger on the session's anvil, an independent look at the chain through web3.py and
cast (not through ``cairn.storage.chain``), and a miner for arlocal."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from cairn.chunking.multihash import BLAKE3
from cairn.lineage.anchoring.evm import EvmLedger
from cairn.lineage.records.admission import Refused
from cairn.lineage.records.keys import load_or_create_key
from cairn.lineage.records.model import decode_record
from cairn.lineage.records.runs import make_run_record
from cairn.lineage.repo import Repo
from cairn.storage.chain import ChainClient, ChainKey
from tests.services.anvil import Anvil
from tests.services.arlocal import Arlocal

ROOT = Path(__file__).resolve().parents[2]
ANCHORED_SIGNATURE = "Anchored(bytes32,address,uint256)"


def make_runs(repo: Repo, count: int, tag: str = "") -> list[str]:
    """``count`` distinct signed run records, stored and indexed as `publish --run` would."""
    key, _ = load_or_create_key(repo.home)
    records = []
    with repo.writing():
        with repo.store.writer() as writer:
            for i in range(count):
                body = {"kind": "train", "parameters": {"step": i, "tag": tag}}
                cid, data = make_run_record(body, [], key, BLAKE3)
                writer.put(cid, data)
                records.append(decode_record(cid, data))
        for record in records:
            assert not isinstance(repo.index.add_signed(record), Refused)
    return [str(record.cid) for record in records]


def client(anvil: Anvil, confirmations: int = 1, poll_seconds: float = 0.05) -> ChainClient:
    return ChainClient(anvil.rpc_url, confirmations, poll_seconds=poll_seconds, wait_seconds=60)


def deploy(anvil: Anvil) -> str:
    """A fresh anchor contract, so that no test sees another's roots."""
    return client(anvil).deploy(ChainKey(anvil.key)).contract


def ledger(anvil: Anvil, contract: str, key_index: int = 0, **kwargs: Any) -> EvmLedger:
    return EvmLedger(client(anvil, **kwargs), contract, ChainKey(anvil.keys[key_index]))


def web3_for(anvil: Anvil) -> Any:
    from web3 import Web3

    return Web3(Web3.HTTPProvider(anvil.rpc_url))


def logs_by_web3(anvil: Anvil, contract: str, root: bytes) -> list[Any]:
    """Every Anchored event of ``root`` from block 0, asked of the node with plain web3.py."""
    from web3 import Web3

    topic = "0x" + Web3.keccak(text=ANCHORED_SIGNATURE).hex().removeprefix("0x")
    query = {"address": contract, "fromBlock": 0, "toBlock": "latest", "topics": [topic, "0x" + root.hex()]}
    return list(web3_for(anvil).eth.get_logs(query))


def logs_by_cast(anvil: Anvil, contract: str, root: bytes) -> list[dict[str, Any]]:
    """The same, asked with Foundry's cast: an implementation that shares no code with ours."""
    import json

    out = anvil.cast("logs", "--json", "--from-block", "0", "--address", contract, ANCHORED_SIGNATURE,
                     "0x" + root.hex())  # fmt: skip
    return list(json.loads(out))


class Miner:
    """Mines an arlocal block every ``every`` seconds while a block runs (as the network would)."""

    def __init__(self, arlocal: Arlocal, every: float = 0.3) -> None:
        self.arlocal = arlocal
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.arlocal.mine()

    def __enter__(self) -> Miner:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)
