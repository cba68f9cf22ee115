"""Long work (pins, later anchors and large publishes) as jobs with a state anyone can poll.

Jobs live in the index, so they outlive the server that took them, and several servers (API
replicas on one PostgreSQL, or two processes on one SQLite home) share one queue. A job is taken
by exactly one worker: on PostgreSQL the oldest claimable row is locked with ``FOR UPDATE SKIP
LOCKED`` (concurrent claimers skip it instead of waiting), on SQLite one atomic ``UPDATE`` takes
it (SQLite lets one writer in at a time). The taker holds a lease that a heartbeat renews while
the job runs; a worker that dies (SIGKILL, a lost machine) stops renewing, and once the lease
has run out the job is claimable again and another worker runs it from the start. Pins resume
cheaply: what the remote already holds is not sent again.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from cairn.errors import CairnError
from cairn.lineage.index import schema as t
from cairn.lineage.index.catalog import Index, now
from cairn.settings import DEFAULT_JOB_LEASE_SECONDS as DEFAULT_LEASE_SECONDS

JobHandler = Callable[[str, dict[str, Any]], dict[str, Any]]  # (kind, args) -> result


@dataclass(frozen=True)
class JobRow:
    id: str
    kind: str
    args: dict[str, Any]
    state: str  # queued, running, done, failed
    result: dict[str, Any] | None
    error: str | None


def _row(row: Any) -> JobRow:
    job_id, kind, args, state, result, error = tuple(row)[:6]
    return JobRow(job_id, kind, json.loads(args), state, json.loads(result) if result else None, error or None)


def worker_name() -> str:
    """Who holds a lease: host, process and a random part (pids are reused)."""
    return f"{os.uname().nodename}:{os.getpid()}:{secrets.token_hex(3)}"


_CLAIMABLE = "(state = 'queued' OR (state = 'running' AND lease_until < :now))"
_CLAIM = {
    "sqlite": f"""
        UPDATE jobs SET state = 'running', owner = :owner, lease_until = :until, attempts = attempts + 1,
                        updated_at = :now
        WHERE id = (SELECT id FROM jobs WHERE {_CLAIMABLE} ORDER BY created_at LIMIT 1) AND {_CLAIMABLE}
        RETURNING id, kind, args, state, result, error""",
    "postgresql": f"""
        UPDATE jobs SET state = 'running', owner = :owner, lease_until = :until, attempts = attempts + 1,
                        updated_at = :now
        WHERE id = (SELECT id FROM jobs WHERE {_CLAIMABLE} ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING id, kind, args, state, result, error""",
}


class Jobs:
    def __init__(self, index: Index, owner: str | None = None, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        self.index = index
        self.owner = owner or worker_name()
        self.lease = lease_seconds

    def submit(self, kind: str, args: dict[str, Any]) -> JobRow:
        job_id, stamp = secrets.token_hex(8), now()
        with self.index.write() as db:
            db.execute(sa.insert(t.jobs).values(id=job_id, kind=kind, args=json.dumps(args), state="queued",
                                                created_at=stamp, updated_at=stamp))  # fmt: skip
        return JobRow(job_id, kind, args, "queued", None, None)

    def get(self, job_id: str) -> JobRow | None:
        with self.index.read() as db:
            row = db.execute(sa.select(t.jobs).where(t.jobs.c.id == job_id)).first()
        return None if row is None else _row(row)

    def claim_next(self, lease_seconds: float | None = None) -> JobRow | None:
        """Take the oldest queued job (or one whose lease ran out) for ``lease_seconds``."""
        stamp = now()
        until = stamp + (self.lease if lease_seconds is None else lease_seconds)
        with self.index.write() as db:
            row = db.execute(sa.text(_CLAIM[self.index.dialect]),
                             {"owner": self.owner, "until": until, "now": stamp}).first()  # fmt: skip
        return None if row is None else _row(row)

    def renew(self, job_id: str) -> bool:
        """Extend the lease on a job this worker runs; ``False`` if it is no longer ours."""
        j = t.jobs.c
        with self.index.write() as db:
            changed = db.execute(
                sa.update(t.jobs).where(j.id == job_id, j.owner == self.owner, j.state == "running")
                .values(lease_until=now() + self.lease)
            ).rowcount  # fmt: skip
        return bool(changed)

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        self._end(job_id, "done", json.dumps(result), "")

    def fail(self, job_id: str, error: str) -> None:
        self._end(job_id, "failed", "", error)

    def _end(self, job_id: str, state: str, result: str, error: str) -> None:
        """Record the outcome, unless another worker took the job over meanwhile (its run counts)."""
        j = t.jobs.c
        with self.index.write() as db:
            db.execute(sa.update(t.jobs).where(j.id == job_id, j.owner == self.owner, j.state == "running")
                       .values(state=state, result=result, error=error, updated_at=now()))  # fmt: skip

    def requeue_interrupted(self) -> int:
        """At start-up: running jobs whose lease ran out (their worker died) are queued again."""
        j = t.jobs.c
        with self.index.write() as db:
            return int(db.execute(sa.update(t.jobs).where(j.state == "running", j.lease_until < now())
                                  .values(state="queued", owner="")).rowcount)  # fmt: skip

    def run_one(self, handle: JobHandler) -> JobRow | None:
        """Claim the oldest claimable job and run it with ``handle(kind, args)``, renewing its lease
        meanwhile; return it (with its final state) or ``None``. The queue knows no job kinds: the
        server that runs the worker does (``cairn.api.jobs``)."""
        job = self.claim_next()
        if job is None:
            return None
        with _Heartbeat(self, job.id):
            try:
                self.finish(job.id, handle(job.kind, job.args))
            except CairnError as exc:
                self.fail(job.id, str(exc))
        return self.get(job.id)


class _Heartbeat:
    """Renews a job's lease every third of its length on a thread of its own."""

    def __init__(self, jobs: Jobs, job_id: str) -> None:
        self.jobs, self.job_id = jobs, job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"cairn-lease-{job_id}", daemon=True)

    def __enter__(self) -> None:
        self.thread.start()

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def _beat(self) -> None:
        while not self.stop.wait(self.jobs.lease / 3):
            with contextlib.suppress(CairnError, sa.exc.SQLAlchemyError):  # unreachable now; the next beat retries
                self.jobs.renew(self.job_id)
