"""`cairn anchor`, `anchor deploy`, `anchor proof` and `verify --proof / --require-anchor`, run as
a user runs them, against a real chain (anvil); the chain is also read with Foundry's cast."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.lineage.anchoring.anchor import PROOF_KEYS
from tests.cli.helpers import Result, cairn, cairn_process
from tests.lineage.anchor_fixtures import Miner, logs_by_cast
from tests.services.anvil import Anvil
from tests.services.arlocal import Arlocal
from tests.services.kubo import free_port

Capsys = pytest.CaptureFixture[str]
CHAIN_VARS = ("CAIRN_CHAIN_RPC", "CAIRN_CHAIN_CONTRACT", "CAIRN_CHAIN_KEY", "CAIRN_CHAIN_KEY_FILE",
              "CAIRN_CHAIN_CONFIRMATIONS", "CAIRN_ARWEAVE_URL", "CAIRN_ARWEAVE_WALLET")  # fmt: skip


@pytest.fixture(autouse=True)
def no_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from the embedded default: no chain configured."""
    for name in CHAIN_VARS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def chain(capsys: Capsys, anvil: Anvil, home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A contract deployed with `cairn anchor deploy`, and the environment a user would set."""
    monkeypatch.setenv("CAIRN_CHAIN_RPC", anvil.rpc_url)
    monkeypatch.setenv("CAIRN_CHAIN_KEY", anvil.key)
    deployed = cairn(capsys, "anchor", "deploy")
    assert deployed.code == 0, deployed.err
    monkeypatch.setenv("CAIRN_CHAIN_CONTRACT", deployed.last_line)
    yield deployed.last_line


def _publish_graph(capsys: Capsys, tmp_path: Path) -> dict[str, str]:
    """A base dataset and a model derived from it by a run: two manifests and one run record."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("id,text\n1,hello\n2,world\n")
    base = cairn(capsys, "publish", tmp_path / "data", "--name", "rows", "--version", "1")
    assert base.code == 0, base.err
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "run.json").write_text(json.dumps({"kind": "train", "parameters": {"lr": 0.1}}))
    model = cairn(capsys, "publish", tmp_path / "model", "--name", "m", "--version", "1", "--derived-from",
                  base.last_line, "--run", tmp_path / "run.json", "--json")  # fmt: skip
    assert model.code == 0, model.err
    return {"base": base.last_line, "model": model.json()["cid"], "run": model.json()["run"]}


def test_deploy_prints_the_address_alone_and_json_has_contract_tx_chain_id(
    capsys: Capsys, anvil: Anvil, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAIRN_CHAIN_RPC", anvil.rpc_url)
    monkeypatch.setenv("CAIRN_CHAIN_KEY", anvil.key)
    plain = cairn(capsys, "anchor", "deploy")
    assert plain.code == 0 and plain.out.strip().startswith("0x") and len(plain.last_line) == 42
    as_json = cairn(capsys, "anchor", "deploy", "--json").json()
    assert {"contract", "tx", "chain_id"} <= set(as_json) and as_json["chain_id"] == 31337
    assert as_json["contract"] != plain.last_line
    code = anvil.rpc("eth_getCode", as_json["contract"], "latest")
    assert len(code) > 100


def test_deploy_without_a_key_or_rpc_is_a_usage_error(capsys: Capsys, anvil: Anvil, home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    no_rpc = cairn(capsys, "anchor", "deploy")
    assert no_rpc.code == 2 and "CAIRN_CHAIN_RPC" in no_rpc.err
    monkeypatch.setenv("CAIRN_CHAIN_RPC", anvil.rpc_url)
    no_key = cairn(capsys, "anchor", "deploy", "--json")
    assert no_key.code == 2 and "CAIRN_CHAIN_KEY" in no_key.err and no_key.out == ""


def test_anchor_then_verify_with_a_proof_from_an_empty_home(
    capsys: Capsys, chain: str, anvil: Anvil, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cids = _publish_graph(capsys, tmp_path)
    anchored = cairn(capsys, "anchor", "--json")
    assert anchored.code == 0, anchored.err
    batch = anchored.json()
    assert batch["records"] == 3 and batch["chain_id"] == 31337 and batch["contract"] == chain
    assert [log["transactionHash"] for log in logs_by_cast(anvil, chain, bytes.fromhex(batch["root"][2:]))] == [
        batch["tx"]
    ]
    proof_file = tmp_path / "model.proof.json"
    assert cairn(capsys, "anchor", "proof", cids["model"], "-o", proof_file).code == 0
    proof = json.loads(proof_file.read_text())
    assert tuple(proof) == PROOF_KEYS
    assert (proof["cid"], proof["root"], proof["tx"], proof["block"]) == (
        cids["model"],
        batch["root"],
        batch["tx"],
        batch["block"],
    )
    checked = cairn(capsys, "verify", cids["model"])
    assert checked.code == 0 and "anchor: anchored" in checked.out
    assert checked.out.count("anchor anchored:") == 3  # the model, its run and its parent
    # A stranger: an empty home, the proof file and an RPC URL, nothing else.
    stranger = tmp_path / "stranger"
    monkeypatch.setenv("CAIRN_HOME", str(stranger))
    for name in ("CAIRN_CHAIN_CONTRACT", "CAIRN_CHAIN_KEY"):
        monkeypatch.delenv(name)
    from_proof = cairn(capsys, "verify", cids["model"], "--proof", proof_file)
    assert from_proof.code == 0, from_proof.err
    assert f"block {batch['block']}" in from_proof.out
    as_json = cairn(capsys, "verify", cids["model"], "--proof", proof_file, "--json").json()
    assert as_json["ok"] is True and as_json["anchor"] == "anchored" and as_json["tx"] == batch["tx"]
    assert not stranger.exists()  # nothing written, not even an empty index


def _tampered(path: Path, out: Path, **changes: object) -> Path:
    data = json.loads(path.read_text())
    data.update(changes)
    out.write_text(json.dumps(data))
    return out


def test_verify_proof_fails_on_a_wrong_cid_a_wrong_proof_or_a_root_not_on_chain(
    capsys: Capsys, chain: str, anvil: Anvil, home: Path, tmp_path: Path
) -> None:
    cids = _publish_graph(capsys, tmp_path)
    assert cairn(capsys, "anchor").code == 0
    good = tmp_path / "good.json"
    assert cairn(capsys, "anchor", "proof", cids["model"], "-o", good).code == 0
    proof = json.loads(good.read_text())
    other_contract = cairn(capsys, "anchor", "deploy").last_line
    cases: dict[str, tuple[str, Path]] = {
        "for another cid": (cids["base"], good),
        "a sibling changed": (cids["model"], _tampered(good, tmp_path / "sib.json", proof=["0x" + "ab" * 32])),
        "not on chain (other contract)": (cids["model"], _tampered(good, tmp_path / "c.json", contract=other_contract)),
        "not on chain (other block)": (cids["model"], _tampered(good, tmp_path / "b.json", block=proof["block"] - 1)),
        "another chain": (cids["model"], _tampered(good, tmp_path / "ch.json", chain_id=1)),
    }
    for case, (cid, path) in cases.items():
        result = cairn(capsys, "verify", cid, "--proof", path)
        assert result.code == 1, f"{case}: {result.out} {result.err}"
        assert result.err.count("\n") == 1 and "verification failed" in result.err, case
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert cairn(capsys, "verify", cids["model"], "--proof", broken).code == 2


def test_pending_is_not_a_failure_unless_an_anchor_is_required(
    capsys: Capsys, chain: str, home: Path, tmp_path: Path
) -> None:
    cids = _publish_graph(capsys, tmp_path)
    pending = cairn(capsys, "verify", cids["model"], "--json")
    assert pending.code == 0 and pending.json()["anchor"] == "pending"
    assert {a["state"] for a in pending.json()["anchors"]} == {"pending"}
    assert cairn(capsys, "verify", cids["model"], "--require-anchor").code == 1
    assert cairn(capsys, "anchor").code == 0
    required = cairn(capsys, "verify", cids["model"], "--require-anchor", "--json")
    assert required.code == 0 and required.json()["anchor"] == "anchored"
    assert cairn(capsys, "anchor", "proof", cids["run"]).json()["cid"] == cids["run"]


def test_the_embedded_default_keeps_records_pending_and_says_so(capsys: Capsys, home: Path, tmp_path: Path) -> None:
    cids = _publish_graph(capsys, tmp_path)
    checked = cairn(capsys, "verify", cids["model"])
    assert checked.code == 0 and "anchor: pending" in checked.out and "no chain is configured" in checked.out
    assert "anchored" not in checked.out.replace("not anchored", "")
    refused = cairn(capsys, "anchor")
    assert refused.code == 2 and "records stay pending" in refused.err
    assert cairn(capsys, "anchor", "proof", cids["model"]).code == 1


def test_a_reorg_fails_verify_and_the_next_anchor_repairs_it(
    capsys: Capsys, chain: str, anvil: Anvil, home: Path, tmp_path: Path
) -> None:
    cids = _publish_graph(capsys, tmp_path)
    snapshot = anvil.snapshot()
    assert cairn(capsys, "anchor").code == 0
    assert cairn(capsys, "verify", cids["base"]).code == 0
    anvil.revert(snapshot)
    anvil.mine(2)
    broken = cairn(capsys, "verify", cids["base"])
    assert broken.code == 1 and "no longer on" in broken.err
    repaired = cairn(capsys, "anchor", "--json")
    assert repaired.code == 0 and repaired.json()["reanchored"] == 3 and repaired.json()["records"] == 3
    assert "anchoring them again" in repaired.err
    assert cairn(capsys, "verify", cids["base"], "--require-anchor").code == 0


def test_an_unreachable_rpc_is_one_line_and_exit_1(capsys: Capsys, home: Path, monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:  # fmt: skip
    _publish_graph(capsys, tmp_path)
    monkeypatch.setenv("CAIRN_CHAIN_RPC", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("CAIRN_CHAIN_CONTRACT", "0x" + "12" * 20)
    monkeypatch.setenv("CAIRN_CHAIN_KEY", "0x" + "34" * 32)
    result = cairn(capsys, "anchor")
    assert result.code == 1 and result.err.startswith("cairn: error: cannot reach the chain RPC")
    assert result.err.count("\n") == 1


def test_the_chain_key_never_appears_in_output_logs_or_the_home(
    capsys: Capsys, anvil: Anvil, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "chain.key"
    key_file.write_text(anvil.key + "\n")
    key_file.chmod(0o644)
    monkeypatch.setenv("CAIRN_CHAIN_RPC", anvil.rpc_url)
    monkeypatch.setenv("CAIRN_CHAIN_KEY_FILE", str(key_file))
    monkeypatch.setenv("CAIRN_DEBUG", "1")
    refused = cairn(capsys, "anchor", "deploy")
    assert refused.code == 2 and "chmod 600" in refused.err
    key_file.chmod(0o600)
    contract = cairn(capsys, "anchor", "deploy").last_line
    monkeypatch.setenv("CAIRN_CHAIN_CONTRACT", contract)
    cids = _publish_graph(capsys, tmp_path)
    results: list[Result] = [
        cairn(capsys, "anchor", "deploy", "--json"), cairn(capsys, "anchor"), cairn(capsys, "anchor", "--json"),
        cairn(capsys, "anchor", "proof", cids["model"]), cairn(capsys, "verify", cids["model"], "--json"),
        cairn_process("anchor", "--json", home=home, env={"CAIRN_CHAIN_KEY": "0x" + "zz" * 32}),  # a bad key
        cairn_process("anchor", home=home, env={"CAIRN_CHAIN_RPC": f"http://127.0.0.1:{free_port()}"}),
    ]  # fmt: skip
    secret = anvil.key.removeprefix("0x").lower()
    for result in results:
        assert secret not in (result.out + result.err).lower()
    assert results[-2].code == 2 and "zz" not in results[-2].err
    for path in home.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes().lower(), path


def test_arweave_for_users_without_an_evm_account(
    capsys: Capsys, arlocal: Arlocal, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cairn.storage.arweave import new_jwk, write_jwk

    wallet = tmp_path / "wallet.json"
    arlocal.mint(write_jwk(wallet, new_jwk()).address, 10**15)
    monkeypatch.setenv("CAIRN_ARWEAVE_URL", arlocal.url)
    monkeypatch.setenv("CAIRN_ARWEAVE_WALLET", str(wallet))
    cids = _publish_graph(capsys, tmp_path)
    with Miner(arlocal):
        anchored = cairn(capsys, "anchor", "--json")
    assert anchored.code == 0, anchored.err
    batch = anchored.json()
    assert (batch["chain_id"], batch["contract"], batch["records"]) == ("arweave", None, 3)
    proof_file = tmp_path / "run.proof.json"
    assert cairn(capsys, "anchor", "proof", cids["run"], "-o", proof_file).code == 0
    proof = json.loads(proof_file.read_text())
    assert tuple(proof) == PROOF_KEYS
    assert (proof["chain_id"], proof["contract"], proof["tx"], proof["block"]) == (
        "arweave",
        None,
        batch["tx"],
        batch["block"],
    )
    assert cairn(capsys, "verify", cids["model"], "--require-anchor").code == 0
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "stranger"))
    monkeypatch.delenv("CAIRN_ARWEAVE_WALLET")
    assert cairn(capsys, "verify", cids["run"], "--proof", proof_file).code == 0
    assert cairn(capsys, "verify", cids["base"], "--proof", proof_file).code == 1
