"""Pin jobs over the API (resumed by a restarted server) and Cairn-to-Cairn transfers."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from cairn.lineage.index.jobs import Jobs
from cairn.lineage.repo import Repo
from tests.api.server import CairnServer, fake_server, running_server
from tests.cli.helpers import cairn
from tests.data import small_model, write_safetensors
from tests.services.kubo import KuboDaemon


def _publish(capsys, tmp_path: Path, seed: int = 1) -> str:
    folder = tmp_path / f"m{seed}"
    write_safetensors(folder / "model.safetensors", small_model(seed=seed, layers=3))
    result = cairn(capsys, "publish", folder)
    assert result.code == 0, result.err
    return result.last_line


def _wait(server: CairnServer, job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.url}/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.kubo
def test_pin_job_runs_and_a_restarted_server_resumes_interrupted_jobs(
    capsys, home: Path, tmp_path: Path, kubo: KuboDaemon
) -> None:
    cid = _publish(capsys, tmp_path)
    token = cairn(capsys, "token", "new", "--scope", "write").last_line
    env = {"CAIRN_IPFS_API": kubo.api_url}
    with running_server(home, env=env) as server:
        job = httpx.post(f"{server.url}/v1/pins", json={"cid": cid}, headers={"Authorization": f"Bearer {token}"})
        assert job.status_code == 202, job.text
        done = _wait(server, job.json()["id"])
        assert done["state"] == "done" and done["result"]["blocks_sent"] > 0
        assert [p["state"] for p in httpx.get(f"{server.url}/v1/pins").json()] == ["pinned"]
    # A server that died mid-job left it "running" with a lease nobody renews; the next one runs it again.
    repo = Repo.open(home)
    second = _publish(capsys, tmp_path, seed=2)
    stuck = Jobs(repo.index).submit("pin", {"cid": second, "remote": "ipfs"})
    assert Jobs(repo.index).claim_next(lease_seconds=0) is not None  # "running", its lease already run out
    repo.close()
    with running_server(home, env=env) as server:
        resumed = _wait(server, stuck.id)
        assert resumed["state"] == "done"
    assert second in kubo.ipfs_text("pin", "ls", "--type=recursive")


def test_pull_from_and_pin_to_a_peer_server(capsys, home: Path, tmp_path: Path, monkeypatch) -> None:
    cid = _publish(capsys, tmp_path)
    peer_home = tmp_path / "peer"
    with running_server(peer_home) as peer:
        peer_token = cairn(capsys, "token", "new", "--scope", "write", "--home", str(peer_home)).last_line
        monkeypatch.setenv("CAIRN_API_TOKEN", peer_token)
        first = cairn(capsys, "pin", cid, "--to", peer.url, "--json")
        assert first.code == 0, first.err
        assert first.json()["blocks_sent"] > 0
        again = cairn(capsys, "pin", cid, "--to", peer.url, "--json").json()
        assert again["blocks_sent"] == 0
        assert httpx.get(f"{peer.url}/v1/verify/{cid}").json()["ok"]
        monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
        pulled = cairn(capsys, "pull", cid, "--from", peer.url, "-o", tmp_path / "out")
        assert pulled.code == 0, pulled.err
        original = (tmp_path / "m1" / "model.safetensors").read_bytes()
        assert (tmp_path / "out" / "model.safetensors").read_bytes() == original
        assert cairn(capsys, "verify", cid).code == 0


def test_a_lying_peer_is_caught(capsys, home: Path, tmp_path: Path, monkeypatch) -> None:
    cid = _publish(capsys, tmp_path)
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
    with fake_server(b"not the block you asked for", {}) as url:
        result = cairn(capsys, "pull", cid, "--from", url, "-o", tmp_path / "out")
    assert result.code == 1 and "do not match" in result.err
    assert not (tmp_path / "out").exists()


def test_a_compressed_home_sends_its_blocks_compressed_to_a_peer(capsys, tmp_path: Path, monkeypatch) -> None:
    """A server that stores compressed blocks sends them as stored to a Cairn client that asks
    (fewer bytes on the wire); the client decompresses and verifies each, and pulls the same bytes."""
    from cairn.chunking.cid import CID
    from cairn.lineage.workflows.carfile import iter_artifact_blocks
    from cairn.storage.peer import PeerStore
    from tests.data import real_model_as

    peer_home = tmp_path / "peer"
    model = real_model_as("BF16", tmp_path / "bf16" / "model.safetensors")
    monkeypatch.setenv("CAIRN_COMPRESSION", "zstd")
    cid = cairn(capsys, "publish", model.parent, "--home", str(peer_home)).last_line
    monkeypatch.delenv("CAIRN_COMPRESSION")
    with running_server(peer_home) as peer:
        store = PeerStore(peer.url)
        on_wire = 0

        def count(response: httpx.Response) -> None:
            nonlocal on_wire
            on_wire += int(response.headers.get("content-length", 0))

        store.http.event_hooks["response"].append(count)
        block_bytes = sum(len(data) for _, data in iter_artifact_blocks(store, CID.parse(cid)))
        store.close()
        assert on_wire < block_bytes / 1.4, (on_wire, block_bytes)
        plain = httpx.get(f"{peer.url}/v1/blocks/{cid}")  # a client that does not ask gets raw bytes
        assert plain.headers["content-type"] == "application/vnd.ipld.raw" and CID.parse(cid).matches(plain.content)
        monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
        pulled = cairn(capsys, "pull", cid, "--from", peer.url, "-o", tmp_path / "out")
        assert pulled.code == 0, pulled.err
        assert (tmp_path / "out" / "model.safetensors").read_bytes() == model.read_bytes()


def test_a_peer_sending_a_damaged_compressed_block_is_caught(capsys, tmp_path: Path, monkeypatch) -> None:
    cid = _publish(capsys, tmp_path)
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
    damaged = b"\x00\x00\x04\x00" + b"\x01\xff\xff\x00\x00garbage"
    with fake_server(damaged, {"Content-Type": "application/vnd.cairn.block.compressed", "X-Cairn-Codec": "2"}) as url:
        result = cairn(capsys, "pull", cid, "--from", url, "-o", tmp_path / "out")
    assert result.code == 1 and "bad compressed block" in result.err, result.err
    assert not (tmp_path / "out").exists()
