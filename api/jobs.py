"""The kinds of job this server runs, and the worker thread that runs them.

The queue itself (``cairn.lineage.index.jobs``) is a table and knows no kinds: which workflow a
job starts is the server's business. Replicas on one index share the queue; each job is taken by
one of them, under a lease.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from cairn.chunking.cid import CID
from cairn.errors import BadInput
from cairn.lineage.index.jobs import Jobs
from cairn.lineage.repo import Repo
from cairn.settings import Settings


def _pin(repo: Repo, args: dict[str, Any]) -> dict[str, Any]:
    from cairn.lineage.workflows.pin import pin_to_ipfs

    result = pin_to_ipfs(repo, CID.parse(str(args["cid"])), bool(args.get("with_ancestors")))
    return {"cid": str(result.cid), "remote": result.remote, "blocks_sent": result.blocks_sent,
            "bytes_sent": result.bytes_sent, "blocks_present": result.blocks_present}  # fmt: skip


HANDLERS: dict[str, Callable[[Repo, dict[str, Any]], dict[str, Any]]] = {"pin": _pin}


def handler_for(repo: Repo) -> Callable[[str, dict[str, Any]], dict[str, Any]]:
    """``(kind, args) -> result`` over ``repo``, for ``Jobs.run_one``."""

    def handle(kind: str, args: dict[str, Any]) -> dict[str, Any]:
        if kind not in HANDLERS:
            raise BadInput(f"this server runs no {kind!r} jobs")
        return HANDLERS[kind](repo, args)

    return handle


class JobWorker:
    """Runs queued jobs one at a time on a background thread with its own Repo."""

    def __init__(self, settings: Settings, idle_seconds: float = 0.2) -> None:
        self.settings = settings
        self.idle = idle_seconds
        self.lease = settings.job_lease_seconds
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, name="cairn-jobs", daemon=True)

    def start(self) -> None:
        repo = Repo(self.settings)
        try:
            Jobs(repo.index).requeue_interrupted()
        finally:
            repo.close()
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        self.thread.join(timeout=30)

    def _run(self) -> None:
        repo = Repo(self.settings)
        jobs = Jobs(repo.index, lease_seconds=self.lease)
        handle = handler_for(repo)
        try:
            while not self.stop_event.is_set():
                if jobs.run_one(handle) is None:
                    self.stop_event.wait(self.idle)
        finally:
            repo.close()
