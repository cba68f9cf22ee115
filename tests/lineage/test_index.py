"""The index as a specification: the same behaviour on SQLite and on PostgreSQL (every test here
runs on both, through the ``home`` fixture of this folder), versioned migrations that adopt homes
made before versioning, and jobs that exactly one worker takes, with leases that outlive a dead
worker only until they run out."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import BLAKE3
from cairn.lineage.index import schema
from cairn.lineage.index.catalog import ArtifactRow, Index
from cairn.lineage.index.jobs import Jobs
from cairn.lineage.index.tokens import new_token, revoke_token, token_scope
from cairn.lineage.repo import Repo
from tests.cli.helpers import cairn
from tests.data import small_model, write_safetensors
from tests.services.postgres import PostgresCluster

V0_SCHEMA = Path(__file__).with_name("index-v0.sql")


@pytest.fixture
def index(home: Path) -> Any:
    repo = Repo.open(home)
    yield repo.index
    repo.close()


def _cid(label: str) -> CID:
    return CID.of(RAW, BLAKE3, label.encode())


A1, A2, P1, R1, K1 = (_cid(label) for label in ("a1", "a2", "p1", "r1", "k1"))


def _artifact(cid: CID, name: str, version: str, at: float) -> ArtifactRow:
    return ArtifactRow(cid, name, version, "model", "native-v1", 10, 1, "did:key:z", "public", at)


def _by_text(cids: list[CID]) -> list[CID]:
    return sorted(cids, key=str)


def test_rows_read_back_as_written_and_repeats_change_nothing(index: Index) -> None:
    index._add_artifact(_artifact(A1, "bert", "1", 1.0), [(P1, "derived_from"), (R1, "run")])
    index._add_artifact(_artifact(A1, "other", "9", 2.0), [(P1, "derived_from")])  # same CID: ignored
    index._add_artifact(_artifact(A2, "bert", "2", 3.0), [(P1, "derived_from")])
    assert [a.cid for a in index.artifacts()] == [A1, A2]  # oldest first
    assert index.artifact(A1) == _artifact(A1, "bert", "1", 1.0)
    assert index.parents(A1) == sorted([(P1, "derived_from"), (R1, "run")], key=lambda e: str(e[0]))
    assert index.children(P1) == sorted([(A1, "derived_from"), (A2, "derived_from")], key=lambda e: str(e[0]))
    assert index.record_type(A2) == "artifact" and index.has_record(A1) and not index.has_record(P1)
    index.add_root(K1, "kept")
    assert _by_text(index.root_cids()) == _by_text([A1, A2, K1])


def test_cids_cross_the_index_as_cid_values_never_as_text(index: Index) -> None:
    index._add_artifact(_artifact(A1, "bert", "1", 1.0), [(P1, "derived_from")])
    row = index.artifact(A1)
    assert row is not None and isinstance(row.cid, CID) and row.to_json()["cid"] == str(A1)
    assert all(isinstance(parent, CID) for parent, _ in index.parents(A1))
    with pytest.raises(StatementError, match="takes CID values"):  # the TypeError, as SQLAlchemy wraps it
        index.artifact(str(A1))  # type: ignore[arg-type]


def test_pins_are_replaced_and_binary_columns_survive(index: Index) -> None:
    index.set_pin(A1, "ipfs", "pinning", 3, 300)
    index.set_pin(A1, "ipfs", "pinned", 5, 500, "done")
    assert [(p.state, p.blocks_sent, p.detail) for p in index.pins()] == [("pinned", 5, "done")]
    root, leaf, proof = bytes(range(32)), b"\x00\xff" * 16, bytes(64)
    anchor = index.add_anchor(root, "31337", "0xabc", [(A1, leaf, proof)])
    index.set_anchor(anchor, "anchored", tx="0x01", block=2**40)  # past 32 bits
    (row,) = index.record_proofs(A1)
    assert (row.anchor.root, row.leaf, row.proof, row.anchor.block) == (root, leaf, proof, 2**40)
    assert index.unanchored("31337", "0xabc") == []
    index.add_arweave_blocks("tx1", [(b"\x01\x55", 0, 2**33)], "pending")
    assert index.arweave_location(b"\x01\x55") == ("tx1", 0, 2**33)


def test_tokens_are_checked_and_revoked(index: Index) -> None:
    token, info = new_token(index, "write")
    assert token_scope(index, token) == "write" and token_scope(index, token + "x") is None
    revoke_token(index, info.id)
    assert token_scope(index, token) is None


# -- jobs: exactly one taker, leases ------------------------------------------------------------


def test_each_job_is_taken_by_exactly_one_of_many_concurrent_workers(home: Path) -> None:
    repo = Repo.open(home)
    submitted = {Jobs(repo.index).submit("pin", {"cid": f"c{i}"}).id for i in range(24)}
    taken: list[tuple[str, str]] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        worker_repo = Repo.open(home)  # its own connections, as another replica would have
        jobs = Jobs(worker_repo.index, owner=name)
        try:
            while (job := jobs.claim_next()) is not None:
                with lock:
                    taken.append((job.id, name))
        finally:
            worker_repo.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    repo.close()
    assert sorted(job for job, _ in taken) == sorted(submitted)  # all taken, none twice


def test_a_lease_that_runs_out_lets_another_worker_take_the_job_over(index: Index) -> None:
    dead, alive = Jobs(index, owner="dead"), Jobs(index, owner="alive")
    job = dead.submit("pin", {"cid": "c"})
    assert dead.claim_next(lease_seconds=0.3) is not None
    assert alive.claim_next() is None  # the lease still holds
    time.sleep(0.4)
    assert (taken := alive.claim_next()) is not None and taken.id == job.id
    dead.finish(job.id, {"by": "dead"})  # too late: the job is no longer its own
    alive.finish(job.id, {"by": "alive"})
    assert (done := alive.get(job.id)) is not None and done.state == "done" and done.result == {"by": "alive"}


def test_a_running_job_keeps_its_lease_while_its_worker_lives(home: Path) -> None:
    started = threading.Event()

    lease = 1.5  # long enough that a loaded CI machine delays no beat past it (one beat per 0.5 s)

    def slow(_kind: str, args: dict[str, Any]) -> dict[str, Any]:
        started.set()
        time.sleep(3 * lease)  # three leases long
        return {"slept": args["cid"]}

    repo = Repo.open(home)
    runner, rival = Jobs(repo.index, owner="runner", lease_seconds=lease), Jobs(repo.index, owner="rival")
    job = runner.submit("slow", {"cid": "c"})
    thread = threading.Thread(target=runner.run_one, args=(slow,))
    thread.start()
    started.wait(10)
    stolen = []
    while thread.is_alive():
        stolen.append(rival.claim_next())
        time.sleep(0.1)
    thread.join()
    assert not any(stolen), "the heartbeat renews the lease, so nobody else runs the job"
    assert (done := runner.get(job.id)) is not None and done.state == "done" and done.result == {"slept": "c"}
    repo.close()


# -- migrations -------------------------------------------------------------------------------


def test_a_new_index_is_created_at_the_latest_version(capsys, home: Path) -> None:
    result = cairn(capsys, "migrate", "--json")
    assert result.code == 0, result.err
    assert result.json()["to_version"] == schema.LATEST
    again = cairn(capsys, "migrate", "--json").json()
    assert (again["from_version"], again["to_version"]) == (schema.LATEST, schema.LATEST)


def test_a_home_made_before_versioning_is_adopted_with_its_data(capsys, bare_home: Path, tmp_path: Path) -> None:
    home = bare_home
    write_safetensors(tmp_path / "m" / "model.safetensors", small_model(seed=3, layers=2))
    cid = cairn(capsys, "publish", tmp_path / "m", "--name", "old", "--version", "1").last_line
    token = cairn(capsys, "token", "new", "--scope", "write").last_line
    _rewrite_as_pre_versioning(home / "index.sqlite")
    with sqlite3.connect(home / "index.sqlite") as db:
        db.execute("INSERT INTO jobs VALUES ('j1', 'pin', '{\"cid\": \"x\"}', 'running', '', '', 1, 1)")

    result = cairn(capsys, "migrate", "--json")
    assert result.code == 0, result.err
    assert (result.json()["from_version"], result.json()["to_version"]) == (0, schema.LATEST)
    assert [row["cid"] for row in cairn(capsys, "ls", "--json").json()] == [cid]
    assert cairn(capsys, "show", "old@1", "--json").json()["cid"] == cid
    assert token_scope(Repo.open(home).index, token) == "write"
    job = Jobs(Repo.open(home).index).claim_next()  # left "running" by an old server: its lease is long gone
    assert job is not None and job.id == "j1"


def _rewrite_as_pre_versioning(path: Path) -> None:
    """Turn an index into exactly what the code before versioning made: its tables, its rows."""
    with sqlite3.connect(path) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        kept = {t: db.execute(f"SELECT * FROM {t}").fetchall() for t in ("artifacts", "records", "edges", "tokens")}
        for table in tables:
            db.execute(f"DROP TABLE {table}")
        db.executescript(V0_SCHEMA.read_text())
        for table, rows in kept.items():
            for row in rows:
                db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)


def test_an_index_from_a_newer_cairn_is_refused(capsys, home: Path) -> None:
    index = Repo.open(home).index
    index.migrate()
    with index.write() as db:
        db.execute(schema.cairn_schema.update().values(version=schema.LATEST + 1))
    index.close()
    result = cairn(capsys, "ls")
    assert result.code == 1 and "newer than this cairn" in result.err and len(result.err.splitlines()) == 1


# -- PostgreSQL only: a shared index is migrated on purpose, and its failures are one line ------


@pytest.fixture
def bare_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home for the tests that choose their own index (they run once, not per backend)."""
    monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_a_shared_index_refuses_work_until_migrated(
    capsys, bare_home: Path, postgres: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAIRN_INDEX_URL", postgres.fresh_database())
    refused = cairn(capsys, "ls")
    assert refused.code == 1 and "run `cairn migrate`" in refused.err, refused.err
    doctor = {c["name"]: c for c in cairn(capsys, "doctor", "--json").json()}
    assert doctor["index"]["ok"] is False and "run `cairn migrate`" in doctor["index"]["detail"]
    assert cairn(capsys, "migrate").code == 0
    assert cairn(capsys, "ls", "--json").json() == []
    doctor = {c["name"]: c for c in cairn(capsys, "doctor", "--json").json()}
    assert doctor["index"]["ok"] is True and f"schema version {schema.LATEST}" in doctor["index"]["detail"]


def test_replicas_starting_together_migrate_a_shared_index_once(bare_home: Path, postgres: PostgresCluster) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from tests.cli.helpers import cairn_process

    env = {"CAIRN_INDEX_URL": postgres.fresh_database()}
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda _: cairn_process("migrate", "--json", home=bare_home, env=env), range(3)))
    assert all(r.code == 0 for r in results), [r.err for r in results]
    assert sorted(r.json()["from_version"] for r in results) == [0, schema.LATEST, schema.LATEST]  # one did it


def test_connections_the_server_dropped_are_replaced_unseen(postgres: PostgresCluster) -> None:
    url = postgres.fresh_database()
    index = Index(url)
    index.migrate()
    index._add_record(R1, "run")
    database = url.rsplit("/", 1)[1]
    postgres.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'")
    assert index.has_record(R1)  # a restarted or failed-over server costs a reconnect, not an error


def test_an_unreachable_index_is_one_line_without_the_password(
    capsys, bare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.services.kubo import free_port

    url = f"postgresql://cairn:s3cret-pw@127.0.0.1:{free_port()}/cairn"
    monkeypatch.setenv("CAIRN_INDEX_URL", url)
    for args in (("ls",), ("migrate", "--json")):
        result = cairn(capsys, *args)
        assert result.code == 1, result.err
        assert result.err.startswith(f"cairn: error: cannot reach the index at {url.replace('s3cret-pw', '***')}")
        assert len(result.err.strip().splitlines()) == 1 and "s3cret-pw" not in result.out + result.err


def test_a_bad_index_url_is_bad_input(capsys, bare_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAIRN_INDEX_URL", "mysql://root:pw@localhost/cairn")
    result = cairn(capsys, "ls")
    assert result.code == 2 and "unsupported index database 'mysql'" in result.err and "pw" not in result.err
