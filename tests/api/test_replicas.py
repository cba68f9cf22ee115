"""Two `cairn serve` replicas on one PostgreSQL index and one Kubo node, each with its own empty
home and no state of its own (``CAIRN_BLOCKSTORE=ipfs``): what one publishes the other serves byte
for byte, every job runs exactly once across them, and a replica killed mid-job has its job taken
over by the other once its lease runs out."""

from __future__ import annotations

import io
import os
import signal
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from cairn.lineage.index.catalog import Index
from cairn.lineage.index.db import release
from cairn.lineage.index.jobs import Jobs
from tests.api.server import CairnServer
from tests.cli.helpers import cairn
from tests.data import random_bytes, small_model, write_safetensors
from tests.services.kubo import KuboDaemon, free_port
from tests.services.postgres import PostgresCluster

pytestmark = pytest.mark.kubo
LEASE_SECONDS = 2


@dataclass
class Fleet:
    a: CairnServer
    b: CairnServer
    index_url: str
    token: str

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def replica_of(self, owner: str) -> CairnServer:
        """The replica whose job worker holds a lease (owners read ``host:pid:random``)."""
        pid = int(owner.split(":")[1])
        return next(s for s in (self.a, self.b) if s.process is not None and s.process.pid == pid)

    def jobs(self) -> dict[str, dict[str, Any]]:
        index = Index(self.index_url)
        with index.read() as db:
            rows = db.execute(sa.text("SELECT id, state, owner, attempts FROM jobs")).mappings().all()
        return {row["id"]: dict(row) for row in rows}


@pytest.fixture
def fleet(
    capsys, tmp_path: Path, kubo: KuboDaemon, postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Fleet]:
    url = postgres.fresh_database()
    shared = {"CAIRN_INDEX_URL": url, "CAIRN_BLOCKSTORE": "ipfs", "CAIRN_IPFS_API": kubo.api_url,
              "CAIRN_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}  # fmt: skip
    with ExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            home = tmp_path / name / "home"
            home.mkdir(parents=True)
            server = CairnServer(home, free_port(), env=shared)
            server.start()  # each migrates the shared index at start (the second finds it done)
            stack.callback(server.stop)
            replicas.append(server)
        for key, value in shared.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "admin"))
        token = cairn(capsys, "token", "new", "--scope", "write").last_line  # one token, valid on both
        yield Fleet(replicas[0], replicas[1], url, token)
    release(url)


def _upload(server: CairnServer, fleet: Fleet, files: dict[str, bytes], **form: Any) -> dict[str, Any]:
    parts = [("files", (path, io.BytesIO(data), "application/octet-stream")) for path, data in files.items()]
    answer = httpx.post(f"{server.url}/v1/artifacts", files=parts, data=form, headers=fleet.auth(), timeout=120)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def _wait_done(server: CairnServer, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.url}/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish")


def test_what_one_replica_publishes_the_other_serves_byte_for_byte(fleet: Fleet, tmp_path: Path) -> None:
    weights = write_safetensors(tmp_path / "w.safetensors", small_model(seed=5, layers=3)).read_bytes()
    files = {"model.safetensors": weights, "config.json": b'{"hidden": 256}', "data/shard.bin": random_bytes(2_500_000)}
    base = _upload(fleet.a, fleet, files, name="base", version="1")
    tuned_weights = write_safetensors(tmp_path / "t.safetensors", small_model(seed=6, layers=3)).read_bytes()
    tuned = _upload(fleet.b, fleet, {"model.safetensors": tuned_weights}, name="tuned", version="1",
                    derived_from=[base["cid"]])  # fmt: skip

    for path, data in files.items():
        served = httpx.get(f"{fleet.b.url}/v1/artifacts/{base['cid']}/files/{path}", timeout=60)
        assert served.status_code == 200 and served.content == data
    manifest_a = httpx.get(f"{fleet.a.url}/v1/artifacts/base@1/manifest").json()
    assert httpx.get(f"{fleet.b.url}/v1/artifacts/base@1/manifest").json() == manifest_a
    block = httpx.get(f"{fleet.b.url}/v1/blocks/{base['cid']}")
    assert block.status_code == 200 and block.content == httpx.get(f"{fleet.a.url}/v1/blocks/{base['cid']}").content
    verified = httpx.get(f"{fleet.b.url}/v1/verify/{tuned['cid']}", timeout=60).json()
    assert verified["ok"] is True and verified["blocks_checked"] > 0
    down = httpx.get(f"{fleet.b.url}/v1/lineage/{base['cid']}", params={"direction": "down"}).json()
    up = httpx.get(f"{fleet.a.url}/v1/lineage/{tuned['cid']}", params={"direction": "up"}).json()
    assert tuned["cid"] in str(down) and base["cid"] in str(up)
    listed = {row["name"] for row in httpx.get(f"{fleet.a.url}/v1/artifacts").json()}
    assert listed == {"base", "tuned"}
    for replica in (fleet.a, fleet.b):  # stateless: no block was written into either home
        assert not (replica.home / "blocks").exists() and not (replica.home / "index.sqlite").exists()


def test_every_pin_job_runs_exactly_once_across_the_replicas(fleet: Fleet, kubo: KuboDaemon) -> None:
    cids = [
        _upload(fleet.a, fleet, {f"f{i}.bin": random_bytes(300_000, seed=i)}, name=f"p{i}")["cid"] for i in range(6)
    ]
    submitted = []
    for i, cid in enumerate(cids):
        server = (fleet.a, fleet.b)[i % 2]
        answer = httpx.post(f"{server.url}/v1/pins", json={"cid": cid}, headers=fleet.auth())
        assert answer.status_code == 202, answer.text
        submitted.append(answer.json()["id"])
    for i, job_id in enumerate(submitted):
        assert _wait_done((fleet.b, fleet.a)[i % 2], job_id)["state"] == "done"
    rows = fleet.jobs()
    assert {job_id: rows[job_id]["attempts"] for job_id in submitted} == {job_id: 1 for job_id in submitted}
    assert all(fleet.replica_of(rows[job_id]["owner"]) for job_id in submitted)
    pinned = kubo.ipfs_text("pin", "ls", "--type=recursive")
    assert all(cid in pinned for cid in cids)


def test_a_replica_killed_mid_job_has_its_job_taken_over(fleet: Fleet, kubo: KuboDaemon) -> None:
    cid = _upload(fleet.a, fleet, {"big.bin": random_bytes(1_000_000, seed=77)}, name="killed")["cid"]
    assert kubo.process is not None
    os.kill(kubo.process.pid, signal.SIGSTOP)  # whoever takes the job now hangs inside it, on Kubo
    try:
        job = Jobs(Index(fleet.index_url)).submit("pin", {"cid": cid, "remote": "ipfs"})
        owner = _wait_for(lambda: fleet.jobs()[job.id]["owner"] or None)
        victim = fleet.replica_of(owner)
        victim.stop(kill=True)  # SIGKILL: no cleanup, the lease is simply no longer renewed
    finally:
        os.kill(kubo.process.pid, signal.SIGCONT)
    survivor = fleet.b if victim is fleet.a else fleet.a
    done = _wait_done(survivor, job.id, timeout=LEASE_SECONDS * 10 + 30)
    assert done["state"] == "done", done
    row = fleet.jobs()[job.id]
    assert fleet.replica_of(row["owner"]) is survivor and row["attempts"] == 2
    assert cid in kubo.ipfs_text("pin", "ls", "--type=recursive")


def _wait_for(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")
