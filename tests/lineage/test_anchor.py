"""Anchoring on a real EVM chain (anvil): batches of 1, 2 and 1000 records in one transaction each,
proofs that OpenZeppelin's rule and the contract itself accept, and the faults (a dropped and a
reverted transaction, a reorg, a crash between sending and recording).

What is on chain is observed with plain web3.py and with Foundry's cast, never only through the
code under test.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cairn.chunking.cid import CID
from cairn.chunking.merkle import MerkleTree, leaf_hash, verify
from cairn.errors import BadInput, RemoteError, RemoteUnavailable
from cairn.lineage.anchoring.anchor import AnchorChecker, AnchorProof, Ledger, Settled, anchor, check_proof, proof_for
from cairn.lineage.anchoring.arweave import ArweaveLedger
from cairn.lineage.repo import Repo
from cairn.settings import load_settings
from cairn.storage.arweave import ArweaveClient, ArweaveWallet, new_jwk, write_jwk
from cairn.storage.chain import ChainClient, ChainKey, Placement, load_key
from tests.lineage.anchor_fixtures import (
    ROOT,
    Miner,
    client,
    deploy,
    ledger,
    logs_by_cast,
    logs_by_web3,
    make_runs,
    web3_for,
)
from tests.services.anvil import Anvil
from tests.services.arlocal import Arlocal


@pytest.fixture
def repo(home: Path) -> Iterator[Repo]:
    opened = Repo.open(home)
    yield opened
    opened.close()


@pytest.fixture
def contract(anvil: Anvil) -> str:
    return deploy(anvil)


@pytest.fixture
def chain_env(anvil: Anvil, contract: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """This test's chain in the environment, as a user would configure it (ask for it before
    ``repo``, which reads the settings when it opens)."""
    for key, value in anvil.chain_env(contract, anvil.key).items():
        monkeypatch.setenv(key, value)


def test_committed_contract_build_is_what_solcjs_makes_of_the_source(tmp_path: Path) -> None:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "build-contract.sh"), str(tmp_path)],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for name in ("Anchor.abi.json", "Anchor.bin"):
        assert (tmp_path / name).read_bytes() == (ROOT / "contracts" / name).read_bytes(), f"{name} is stale"


@pytest.mark.parametrize("count", [1, 2, 1000])
def test_one_transaction_anchors_a_batch_and_every_proof_holds(
    repo: Repo, anvil: Anvil, contract: str, count: int
) -> None:
    cids = make_runs(repo, count, tag=f"batch-{count}")
    result = anchor(repo, ledger(anvil, contract))
    assert result.records == count and result.placement is not None and result.root is not None
    assert result.root == MerkleTree.of(CID.parse(c).raw for c in cids).root
    by_web3 = logs_by_web3(anvil, contract, result.root)
    assert [("0x" + bytes(log["transactionHash"]).hex(), log["blockNumber"]) for log in by_web3] == [
        (result.placement.tx, result.placement.block)
    ]
    by_cast = logs_by_cast(anvil, contract, result.root)
    assert [log["transactionHash"] for log in by_cast] == [result.placement.tx]
    assert int(by_cast[0]["blockNumber"], 16) == result.placement.block
    for cid in cids[:: max(1, count // 50)]:
        proof = proof_for(repo, CID.parse(cid))
        assert proof.root == result.root and proof.block == result.placement.block
        assert verify(proof.root, CID.parse(cid).raw, proof.proof)


def test_gas_does_not_grow_with_the_batch(repo: Repo, anvil: Anvil, contract: str) -> None:
    w3 = web3_for(anvil)
    gas = []
    for count in (1, 1000):
        make_runs(repo, count, tag=f"gas-{count}")
        placement = anchor(repo, ledger(anvil, contract)).placement
        assert placement is not None
        gas.append(w3.eth.get_transaction_receipt(placement.tx)["gasUsed"])
    # Equal but for calldata: a zero byte of the root costs 4 gas, any other byte 16.
    assert abs(gas[0] - gas[1]) <= 32 * 12 and max(gas) < 60_000


def test_the_contract_itself_checks_a_proof(repo: Repo, anvil: Anvil, contract: str) -> None:
    cids = make_runs(repo, 5, tag="on-chain")
    placement = anchor(repo, ledger(anvil, contract)).placement
    assert placement is not None
    onchain = client(anvil).contract(contract)
    proof = proof_for(repo, CID.parse(cids[3]))
    assert onchain.functions.provenBlock(list(proof.proof), proof.leaf).call() == placement.block
    assert onchain.functions.provenBlock(list(proof.proof), leaf_hash(b"not a record")).call() == 0


def test_a_second_run_anchors_only_new_records_and_an_idle_one_sends_nothing(
    repo: Repo, anvil: Anvil, contract: str
) -> None:
    first = make_runs(repo, 3, tag="first")
    anchor(repo, ledger(anvil, contract))
    later = make_runs(repo, 2, tag="later")
    second = anchor(repo, ledger(anvil, contract))
    assert second.records == 2
    assert second.root == MerkleTree.of(CID.parse(c).raw for c in later).root
    head = anvil.block_number()
    idle = anchor(repo, ledger(anvil, contract))
    assert (idle.records, idle.placement, anvil.block_number()) == (0, None, head)
    assert proof_for(repo, CID.parse(first[0])).root != second.root


def test_anchoring_waits_for_the_configured_confirmations(repo: Repo, anvil: Anvil, contract: str) -> None:
    make_runs(repo, 2, tag="confirmations")
    mined: list[int] = []

    def miner() -> None:
        time.sleep(0.5)
        for _ in range(2):
            anvil.mine()
            mined.append(anvil.block_number())
            time.sleep(0.3)

    thread = threading.Thread(target=miner)
    thread.start()
    result = anchor(repo, ledger(anvil, contract, confirmations=3))
    head_at_return = anvil.block_number()
    thread.join()
    assert result.placement is not None
    assert head_at_return >= result.placement.block + 2, "returned before 3 confirmations"
    assert mined[-1] == result.placement.block + 2  # and only the miner made those blocks


def test_a_batch_below_the_finalized_block_becomes_final_and_is_not_checked_again(
    repo: Repo, anvil: Anvil, contract: str
) -> None:
    make_runs(repo, 2, tag="final")
    first = anchor(repo, ledger(anvil, contract))
    assert anchor(repo, ledger(anvil, contract)).settled == Settled()  # re-checked, holds, not final yet
    anvil.mine(70)  # anvil finalizes 64 blocks behind its head
    again = anchor(repo, ledger(anvil, contract))
    assert [row.root for row in again.settled.final] == [first.root]
    assert repo.index.anchors(again.target.chain_id, again.target.contract, ("anchored",)) == []


@pytest.fixture
def manual_mining(anvil: Anvil) -> Iterator[None]:
    anvil.set_automine(False)
    try:
        yield
    finally:
        anvil.set_automine(True)
        anvil.mine()


def _in_background(job: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    out: list[object] = []
    thread = threading.Thread(target=lambda: out.append(_capture(job)))
    thread.start()
    return thread, out


def _capture(job: Callable[[], object]) -> object:
    try:
        return job()
    except Exception as exc:
        return exc


def _wait_pending(anvil: Anvil, timeout: float = 30) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        hashes = anvil.pending_hashes()
        if hashes:
            return hashes
        time.sleep(0.02)
    raise AssertionError("no transaction reached the pool")


def test_a_dropped_transaction_is_sent_again(repo: Repo, anvil: Anvil, contract: str, manual_mining: None) -> None:
    make_runs(repo, 4, tag="dropped")
    thread, out = _in_background(lambda: anchor(repo, ledger(anvil, contract)))
    _wait_pending(anvil)
    dropped = anvil.drop_pending()
    assert anvil.pending_hashes() == []
    resent = _wait_pending(anvil)
    anvil.mine()
    thread.join(60)
    result = out[0]
    assert not isinstance(result, Exception), result
    assert resent == dropped  # the same signed bytes again: no second transaction, no double spend
    assert result.placement is not None and result.placement.tx == dropped[0]  # type: ignore[attr-defined]


def test_a_reverted_transaction_is_retried_and_adopts_the_root_already_there(
    repo: Repo, anvil: Anvil, contract: str, manual_mining: None
) -> None:
    cids = make_runs(repo, 3, tag="reverted")
    root = MerkleTree.of(CID.parse(c).raw for c in cids).root
    thread, out = _in_background(lambda: anchor(repo, ledger(anvil, contract, poll_seconds=0.3)))
    (ours,) = _wait_pending(anvil)
    raw = anvil.rpc("eth_getRawTransactionByHash", ours)
    anvil.drop_pending()
    theirs = _send_anchor(anvil, contract, root, key_index=1)  # someone anchors the same root first
    anvil.mine()
    anvil.rpc("eth_sendRawTransaction", raw)  # ours lands after theirs, and reverts
    anvil.mine()
    thread.join(60)
    result = out[0]
    assert not isinstance(result, Exception), result
    w3 = web3_for(anvil)
    assert w3.eth.get_transaction_receipt(ours)["status"] == 0
    assert result.placement.tx == theirs  # type: ignore[attr-defined]
    assert len(logs_by_web3(anvil, contract, root)) == 1


def _send_anchor(anvil: Anvil, contract: str, root: bytes, key_index: int) -> str:
    w3 = web3_for(anvil)
    key = anvil.keys[key_index]
    account = w3.eth.account.from_key(key)
    onchain = client(anvil).contract(contract)
    tx = onchain.functions.anchor(root).build_transaction({
        "from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "gas": 100_000, "chainId": w3.eth.chain_id,
    })  # fmt: skip
    return "0x" + bytes(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)).hex()


def test_a_reorg_that_removes_the_anchor_fails_verification_and_is_anchored_again(
    chain_env: None, repo: Repo, anvil: Anvil, contract: str
) -> None:
    cids = make_runs(repo, 3, tag="reorg")
    snapshot = anvil.snapshot()
    first = anchor(repo, ledger(anvil, contract))
    assert first.placement is not None
    old = proof_for(repo, CID.parse(cids[0]))
    settings = load_settings(repo.home)
    assert check_proof(settings, old, old.cid).ok
    assert AnchorChecker(repo).status(CID.parse(cids[0])).state == "anchored"
    anvil.revert(snapshot)
    anvil.mine(3)  # the chain goes on without the anchor; its block number exists again
    status = AnchorChecker(repo).status(CID.parse(cids[0]))
    assert status.state == "failed" and "no longer on" in status.detail
    assert not check_proof(settings, old, old.cid).ok
    again = anchor(repo, ledger(anvil, contract))
    assert again.settled.gone and again.reanchored == 3 and again.records == 3
    assert again.placement is not None and again.placement.block > first.placement.block
    new = proof_for(repo, CID.parse(cids[0]))
    assert check_proof(settings, new, new.cid).ok
    assert AnchorChecker(repo).status(CID.parse(cids[0])).state == "anchored"


def test_an_anchor_moved_to_another_block_by_a_reorg_is_followed(
    chain_env: None, repo: Repo, anvil: Anvil, contract: str
) -> None:
    cids = make_runs(repo, 2, tag="moved")
    snapshot = anvil.snapshot()
    first = anchor(repo, ledger(anvil, contract))
    assert first.placement is not None
    raw = anvil.rpc("eth_getRawTransactionByHash", first.placement.tx)
    anvil.revert(snapshot)
    anvil.mine(2)
    anvil.rpc("eth_sendRawTransaction", raw)  # the same transaction, mined again two blocks later
    again = anchor(repo, ledger(anvil, contract))
    assert again.records == 0 and len(again.settled.adopted) == 1
    moved = proof_for(repo, CID.parse(cids[1]))
    assert moved.tx == first.placement.tx and moved.block > first.placement.block
    assert check_proof(load_settings(repo.home), moved, moved.cid).ok


class _CrashAfterSending:
    """A ledger that dies right after its transaction is out, as a killed process would."""

    def __init__(self, inner: Ledger) -> None:
        self.inner = inner
        self.target = inner.target

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def submit(self, root: bytes, on_sent: Callable[[str], None]) -> Placement:
        self.inner.submit(root, on_sent)
        raise RemoteError("killed")


def test_a_batch_sent_before_a_crash_is_adopted_not_paid_twice(repo: Repo, anvil: Anvil, contract: str) -> None:
    cids = make_runs(repo, 3, tag="crash")
    with pytest.raises(RemoteError):
        anchor(repo, _CrashAfterSending(ledger(anvil, contract)))  # type: ignore[arg-type]
    assert AnchorChecker(repo).status(CID.parse(cids[0])).state == "pending"
    head = anvil.block_number()
    after = anchor(repo, ledger(anvil, contract))
    assert after.records == 0 and len(after.settled.adopted) == 1
    assert anvil.block_number() == head  # nothing sent again
    assert proof_for(repo, CID.parse(cids[2])).tx


def test_without_a_chain_records_stay_pending(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAIRN_CHAIN_RPC", "CAIRN_ARWEAVE_URL", "CAIRN_ARWEAVE_WALLET"):
        monkeypatch.delenv(name, raising=False)
    (cid,) = make_runs(repo, 1, tag="no chain")
    status = AnchorChecker(repo).status(CID.parse(cid))
    assert status.state == "pending" and "no chain is configured" in status.detail
    assert AnchorChecker(repo, required=True).status(CID.parse(cid)).state == "pending"


def test_an_unreachable_rpc_is_remote_unavailable_and_names_no_secret() -> None:
    from tests.services.kubo import free_port

    url = f"http://127.0.0.1:{free_port()}/v3/secret-api-key"
    with pytest.raises(RemoteUnavailable) as caught:
        _ = ChainClient(url).chain_id
    assert "secret-api-key" not in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_an_address_without_the_contract_is_refused(anvil: Anvil) -> None:
    with pytest.raises(RemoteError, match="no contract"):
        client(anvil).contract(anvil.accounts[3])


def test_proof_files_round_trip_and_reject_malformed_input(repo: Repo, anvil: Anvil, contract: str,
                                                           tmp_path: Path) -> None:  # fmt: skip
    (cid,) = make_runs(repo, 1, tag="file")
    anchor(repo, ledger(anvil, contract))
    proof = proof_for(repo, CID.parse(cid))
    path = tmp_path / "p.json"
    proof.write(path)
    assert AnchorProof.read(path) == proof
    path.write_text('{"cid": "x"}')
    with pytest.raises(BadInput, match="keys"):
        AnchorProof.read(path)


class TestChainKey:
    KEY = "0x" + "11" * 32

    def test_the_key_never_shows_in_repr_or_errors(self) -> None:
        key = ChainKey(self.KEY)
        assert "11" * 8 not in repr(key) and key.address in repr(key)
        with pytest.raises(BadInput) as caught:
            ChainKey("0x" + "zz" * 32)
        assert "zz" not in str(caught.value) and caught.value.__cause__ is None

    def test_a_key_file_others_can_read_is_refused(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("CAIRN_CHAIN_KEY", raising=False)
        path = tmp_path / "chain.key"
        path.write_text(self.KEY + "\n")
        path.chmod(0o644)
        monkeypatch.setenv("CAIRN_CHAIN_KEY_FILE", str(path))
        with pytest.raises(BadInput, match="chmod 600"):
            load_key(load_settings(tmp_path / "home"))
        path.chmod(0o600)
        assert load_key(load_settings(tmp_path / "home")).address == ChainKey(self.KEY).address


# The Arweave variant: the same batches and proofs, the root in a tagged Arweave transaction.


@pytest.fixture(scope="module")
def wallet_file(tmp_path_factory: pytest.TempPathFactory, arlocal: Arlocal) -> Path:
    path = tmp_path_factory.mktemp("wallet") / "wallet.json"
    arlocal.mint(write_jwk(path, new_jwk()).address, 10**15)
    return path


def _arweave_ledger(arlocal: Arlocal, wallet_file: Path | None) -> ArweaveLedger:
    wallet = ArweaveWallet.from_file(wallet_file) if wallet_file else None
    return ArweaveLedger(ArweaveClient(arlocal.url), wallet, poll_seconds=0.2, wait_seconds=60)


def test_arweave_anchors_a_batch_in_one_tagged_transaction(
    repo: Repo, arlocal: Arlocal, wallet_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cids = make_runs(repo, 50, tag="arweave")
    with Miner(arlocal):
        result = anchor(repo, _arweave_ledger(arlocal, wallet_file))
    assert result.records == 50 and result.placement is not None and result.root is not None
    assert result.target.chain_id == "arweave" and result.target.contract == ""
    client_ = ArweaveClient(arlocal.url)
    (found,) = client_.find({"Cairn-Root": ["0x" + result.root.hex()]})  # independent of the ledger
    assert (found.id, found.block_height) == (result.placement.tx, result.placement.block)
    assert found.tags["App-Name"] == ["Cairn"] and found.tags["Cairn-Type"] == ["anchor"]
    proof = proof_for(repo, CID.parse(cids[7]))
    assert proof.to_json()["chain_id"] == "arweave" and proof.to_json()["contract"] is None
    assert verify(proof.root, CID.parse(cids[7]).raw, proof.proof)
    monkeypatch.setenv("CAIRN_ARWEAVE_URL", arlocal.url)
    settings = load_settings(repo.home)
    assert check_proof(settings, proof, proof.cid).ok
    elsewhere = AnchorProof(**{**proof.__dict__, "block": proof.block + 1})
    assert not check_proof(settings, elsewhere, proof.cid).ok
    assert AnchorChecker(Repo.open(repo.home)).status(CID.parse(cids[0])).state == "anchored"


def test_arweave_adopts_a_root_it_sent_before_a_crash(repo: Repo, arlocal: Arlocal, wallet_file: Path) -> None:
    cids = make_runs(repo, 2, tag="arweave crash")
    with pytest.raises(RemoteError), Miner(arlocal):
        anchor(repo, _CrashAfterSending(_arweave_ledger(arlocal, wallet_file)))  # type: ignore[arg-type]
    after = anchor(repo, _arweave_ledger(arlocal, None))  # no wallet: proves nothing new is paid for
    assert after.records == 0 and len(after.settled.adopted) == 1
    assert proof_for(repo, CID.parse(cids[1])).tx == after.settled.adopted[0].tx
