"""Block-level garbage collection for the pack store: forget what no root reaches, then
rewrite the packs that hold dead bytes.

Crash-safe in the same way as writing: live blocks are copied and made durable in a new pack,
their locations switch over in one transaction, and only then is the old pack deleted.

Race-free with writers: gc takes ``gc.lock`` exclusive, so it starts once every write session
(``PackStore.writing()``) has ended and no new one starts until it is done, and only then reads
its roots. A writer's session spans its blocks and its index rows, so the roots read then name
every block any writer stored or relied on. Blocks put loose (``put_loose``: a block uploaded
before the record that names it) are kept for ``LOOSE_GRACE_SECONDS`` after their last put.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cairn.chunking.cid import CID
from cairn.errors import Conflict
from cairn.storage.dagwalk import reachable
from cairn.storage.packstore import PackStore, PackWriter

LOOSE_GRACE_SECONDS = 24 * 3600  # a loose block's time for the record that names it to arrive


@dataclass(frozen=True)
class GcResult:
    blocks_kept: int
    blocks_removed: int
    bytes_reclaimed: int
    packs_rewritten: int

    def to_json(self) -> dict[str, int]:
        """What `gc --json` prints."""
        return {"blocks_kept": self.blocks_kept, "blocks_removed": self.blocks_removed,
                "bytes_reclaimed": self.bytes_reclaimed, "packs_rewritten": self.packs_rewritten}  # fmt: skip


def collect_garbage(store: PackStore, roots: Callable[[], Iterable[CID]],
                    loose_grace: float = LOOSE_GRACE_SECONDS) -> GcResult:  # fmt: skip
    """Drop every block that ``roots()`` (called under the lock, never before) and the loose blocks
    younger than ``loose_grace`` seconds do not reach."""
    if store.in_session:
        raise Conflict("gc cannot run inside a write session of the same store: it would wait for itself")
    lock = store.gc_lock(exclusive=True)
    try:
        live = reachable(store, [*roots(), *store.loose_since(time.time() - loose_grace)])
        dead = [cid for cid in store.iter_cids() if cid.raw not in live]
        store.delete_many(dead)
        before = _pack_bytes(store)
        rewritten = _repack(store)
        return GcResult(len(live), len(dead), before - _pack_bytes(store), rewritten)
    finally:
        os.close(lock)


def _pack_bytes(store: PackStore) -> int:
    return sum(p.stat().st_size for p in store.packs.glob("*.pack"))


def _repack(store: PackStore) -> int:
    """Rewrite every pack whose recorded blocks take less room than the file; drop empty ones."""
    rewritten = 0
    used = dict(store.db.execute("SELECT pack, sum(length + 6 + length(cid)) FROM blocks GROUP BY pack").fetchall())
    for path in store.packs.glob("*.pack"):
        if used.get(path.name, 0) >= path.stat().st_size:
            continue
        rows = store.db.execute("SELECT cid FROM blocks WHERE pack = ?", (path.name,)).fetchall()
        if rows:
            with PackWriter(store, replace=True) as writer:
                for (raw,) in rows:
                    cid = CID(raw)
                    writer.append(cid, store.get(cid))
        store.close()  # drop cached descriptors of the old pack
        path.unlink()
        rewritten += 1
    return rewritten
