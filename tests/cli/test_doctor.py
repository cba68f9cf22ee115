"""`cairn doctor` says what answers and fails only for what is configured and down."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import cairn
from tests.services.kubo import KuboDaemon


@pytest.mark.kubo
def test_doctor_reports_a_running_kubo_and_a_dead_chain(capsys, home: Path, kubo: KuboDaemon, monkeypatch) -> None:
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    for var in ("CAIRN_ARWEAVE_URL", "CAIRN_CHAIN_RPC"):
        monkeypatch.delenv(var, raising=False)
    ok = cairn(capsys, "doctor", "--json")
    assert ok.code == 0
    states = {c["name"]: c["ok"] for c in ok.json()}
    assert states == {"home": True, "index": None, "ipfs": True, "arweave": None, "chain": None}
    monkeypatch.setenv("CAIRN_CHAIN_RPC", "http://127.0.0.1:9")
    failed = cairn(capsys, "doctor")
    assert failed.code == 1 and "chain    FAILED" in failed.out
