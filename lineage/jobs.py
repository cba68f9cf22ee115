"""Long work (pins, later anchors and large publishes) as jobs with a state anyone can poll.

Jobs live in the index, so a restarted server resumes them: whatever was ``running`` when it
died goes back to ``queued``. A job is claimed by one atomic UPDATE, so two workers (or two
server processes on one index) never run the same job.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cairn.errors import BadInput, CairnError
from chunking.cid import CID
from lineage.index import Index, now
from lineage.repo import Repo


@dataclass(frozen=True)
class JobRow:
    id: str
    kind: str
    args: dict[str, Any]
    state: str  # queued, running, done, failed
    result: dict[str, Any] | None
    error: str | None


def _row(row: tuple[Any, ...]) -> JobRow:
    job_id, kind, args, state, result, error = row[:6]
    return JobRow(job_id, kind, json.loads(args), state, json.loads(result) if result else None, error or None)


class Jobs:
    def __init__(self, index: Index) -> None:
        self.index = index

    def submit(self, kind: str, args: dict[str, Any]) -> JobRow:
        if kind not in HANDLERS:
            raise BadInput(f"unknown job kind {kind!r}")
        job_id, stamp = secrets.token_hex(8), now()
        with self.index.db as db:
            db.execute("INSERT INTO jobs VALUES (?, ?, ?, 'queued', '', '', ?, ?)",
                       (job_id, kind, json.dumps(args), stamp, stamp))  # fmt: skip
        return JobRow(job_id, kind, args, "queued", None, None)

    def get(self, job_id: str) -> JobRow | None:
        row = self.index.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _row(row)

    def claim_next(self) -> JobRow | None:
        with self.index.db as db:
            row = db.execute(
                "UPDATE jobs SET state = 'running', updated_at = ? WHERE id = "
                "(SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT 1) AND state = 'queued' "
                "RETURNING *",
                (now(),),
            ).fetchone()
        return None if row is None else _row(row)

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        self._end(job_id, "done", json.dumps(result), "")

    def fail(self, job_id: str, error: str) -> None:
        self._end(job_id, "failed", "", error)

    def _end(self, job_id: str, state: str, result: str, error: str) -> None:
        with self.index.db as db:
            db.execute("UPDATE jobs SET state = ?, result = ?, error = ?, updated_at = ? WHERE id = ?",
                       (state, result, error, now(), job_id))  # fmt: skip

    def requeue_interrupted(self) -> int:
        """At start-up: jobs a dead server left ``running`` are queued again."""
        with self.index.db as db:
            return db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'").rowcount

    def run_one(self, repo: Repo) -> JobRow | None:
        """Claim and run the oldest queued job; return it (with its final state) or ``None``."""
        job = self.claim_next()
        if job is None:
            return None
        try:
            self.finish(job.id, HANDLERS[job.kind](repo, job.args))
        except CairnError as exc:
            self.fail(job.id, str(exc))
        return self.get(job.id)


def _pin(repo: Repo, args: dict[str, Any]) -> dict[str, Any]:
    from lineage.pin import pin_to_ipfs

    result = pin_to_ipfs(repo, CID.parse(str(args["cid"])), bool(args.get("with_ancestors")))
    return {"cid": str(result.cid), "remote": result.remote, "blocks_sent": result.blocks_sent,
            "bytes_sent": result.bytes_sent, "blocks_present": result.blocks_present}  # fmt: skip


HANDLERS: dict[str, Callable[[Repo, dict[str, Any]], dict[str, Any]]] = {"pin": _pin}
