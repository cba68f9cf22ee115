"""Pinning to and pulling from a real Kubo daemon; Kubo's own DAGs imported into Cairn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.helpers import cairn, cairn_process
from tests.data import random_bytes, real_model_dir, small_model, write_safetensors
from tests.services.kubo import KuboDaemon, running_kubo

pytestmark = pytest.mark.kubo


@pytest.fixture
def ipfs_home(home: Path, kubo: KuboDaemon, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CAIRN_IPFS_API", kubo.api_url)
    return home


def _publish(capsys, folder: Path, *extra: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    result = cairn(capsys, "publish", folder, "--json", *extra)
    assert result.code == 0, result.err
    return result.json()  # type: ignore[no-any-return]


def test_pin_sends_the_artifact_and_kubo_serves_its_files(capsys, ipfs_home: Path, kubo: KuboDaemon, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "m"
    write_safetensors(folder / "model.safetensors", small_model(seed=11, layers=4))
    (folder / "config.json").write_text('{"hidden": 256}')
    info = _publish(capsys, folder)
    pinned = cairn(capsys, "pin", info["cid"], "--to", "ipfs", "--json")
    assert pinned.code == 0, pinned.err
    first = pinned.json()
    assert first["blocks_sent"] > 0 and first["bytes_sent"] >= info["bytes_total"] * 0.99
    for entry in info["files"]:
        served = subprocess.run([str(kubo.binary), "cat", entry["cid"]], env=kubo.env, capture_output=True, check=True)
        assert served.stdout == (folder / entry["path"]).read_bytes()
    stat = json.loads(kubo.ipfs_text("dag", "stat", "--enc=json", "--progress=false", info["cid"]))
    blocks = cairn(capsys, "verify", info["cid"], "--json").json()["blocks_checked"]
    assert stat["TotalSize"] > 0 and stat["DagStats"][0]["NumBlocks"] == blocks
    again = cairn(capsys, "pin", info["cid"], "--to", "ipfs", "--json").json()
    assert again["blocks_sent"] == 0 and again["bytes_sent"] == 0
    listed = cairn(capsys, "pins", "--json").json()
    assert [(p["cid"], p["remote"], p["state"]) for p in listed] == [(info["cid"], "ipfs", "pinned")]
    assert cairn(capsys, "unpin", info["cid"], "--from", "ipfs").code == 0
    assert cairn(capsys, "pins", "--json").json() == []
    assert info["cid"] not in kubo.ipfs_text("pin", "ls", "--type=recursive")


def test_pull_from_ipfs_into_a_fresh_home(capsys, ipfs_home: Path, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    model = real_model_dir()
    info = _publish(capsys, model, "--name", "minilm")
    assert cairn(capsys, "pin", info["cid"], "--to", "ipfs").code == 0
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
    pulled = cairn(capsys, "pull", info["cid"], "--from", "ipfs", "-o", tmp_path / "out")
    assert pulled.code == 0, pulled.err
    for entry in info["files"]:
        assert (tmp_path / "out" / entry["path"]).read_bytes() == (model / entry["path"]).read_bytes()
    assert cairn(capsys, "verify", info["cid"]).code == 0
    assert [a["name"] for a in cairn(capsys, "ls", "--json").json()] == ["minilm"]


def test_kubo_added_dags_import_into_cairn_and_verify(capsys, home: Path, kubo: KuboDaemon, tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "k"
    (folder / "sub").mkdir(parents=True)
    (folder / "big.bin").write_bytes(random_bytes(700_000, seed=21))
    (folder / "sub" / "note.txt").write_text("added by kubo")
    root = kubo.ipfs_text("add", "-r", "-Q", "--cid-version=1", "--raw-leaves", str(folder)).strip()
    car = tmp_path / "k.car"
    car.write_bytes(
        subprocess.run([str(kubo.binary), "dag", "export", root], env=kubo.env, capture_output=True, check=True).stdout
    )
    assert cairn(capsys, "car", "import", car).code == 0
    assert cairn(capsys, "verify", root).code == 0
    assert cairn(capsys, "pull", root, "-o", tmp_path / "out").code == 0
    assert (tmp_path / "out" / "big.bin").read_bytes() == (folder / "big.bin").read_bytes()
    assert (tmp_path / "out" / "sub" / "note.txt").read_text() == "added by kubo"


def test_private_artifacts_are_never_pinned(capsys, ipfs_home: Path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "secret.txt").write_text("internal")
    info = _publish(capsys, tmp_path / "secret.txt", "--private")
    refused = cairn(capsys, "pin", info["cid"], "--to", "ipfs")
    assert refused.code == 2 and "private" in refused.err
    assert cairn(capsys, "pins", "--json").json() == []


def test_kubo_not_running_is_one_clear_error(capsys, home: Path, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("a")
    info = _publish(capsys, tmp_path / "a.txt")
    monkeypatch.setenv("CAIRN_IPFS_API", "http://127.0.0.1:9")  # the discard port: nothing listens
    result = cairn(capsys, "pin", info["cid"], "--to", "ipfs")
    assert result.code == 1
    assert (
        result.err.strip().startswith("cairn: error: Kubo is not reachable")
        and len(result.err.strip().splitlines()) == 1
    )
    assert [p["state"] for p in cairn(capsys, "pins", "--json").json()] == ["pinning"]


def test_kubo_killed_mid_pin_then_the_pin_completes_without_resending(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(4):
        (folder / f"part{i}.bin").write_bytes(random_bytes(64 << 20, seed=40 + i))
    cid = cairn_process("publish", folder, "--json", home=home).json()["cid"]
    total_blocks = cairn_process("verify", cid, "--json", home=home).json()["blocks_checked"]
    with running_kubo(tmp_path / "kubo") as daemon:
        env = {**os.environ, "CAIRN_HOME": str(home), "CAIRN_IPFS_API": daemon.api_url}
        proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", "pin", cid, "--to", "ipfs"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _size(daemon.ipfs_path / "blocks") < (120 << 20):
            time.sleep(0.02)
        daemon.kill()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 1 and b"Kubo" in err, err
        assert [p["state"] for p in cairn_process("pins", "--json", home=home).json()] == ["pinning"]
        daemon.start()
        resumed = cairn_process("pin", cid, "--to", "ipfs", "--json", home=home, env={"CAIRN_IPFS_API": daemon.api_url})
        assert resumed.code == 0, resumed.err
        result = resumed.json()
        assert result["blocks_present"] > 0, "Kubo kept nothing of the first attempt"
        assert result["blocks_sent"] + result["blocks_present"] == total_blocks
        assert result["blocks_sent"] < total_blocks
        assert [p["state"] for p in cairn_process("pins", "--json", home=home).json()] == ["pinned"]
        assert cid in daemon.ipfs_text("pin", "ls", "--type=recursive")


def _size(folder: Path) -> int:
    """Bytes under ``folder``. Kubo creates and removes batch files and folders while we look:
    os.walk skips folders that vanish, and files that vanish are skipped here."""
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue
    return total
