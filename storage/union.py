"""The local store first, then remotes: read a block from wherever it is, keep what was fetched.

Used where only some blocks are needed (one tensor, a byte range): each block is looked up
locally, else fetched from the first remote that has it, verified by that remote's ``get``,
and stored locally so the next read is local. ``bytes_fetched`` says what crossed the wire.
"""

from __future__ import annotations

from collections.abc import Iterator

from cairn.chunking.cid import CID
from cairn.errors import BlockNotFound, CairnError
from cairn.storage.blockstore import BlockStore, HomeStore


class UnionStore:
    def __init__(self, local: HomeStore, remotes: list[BlockStore]) -> None:
        self.local = local
        self.remotes = remotes
        self.bytes_fetched = 0
        self.blocks_fetched = 0

    def has(self, cid: CID) -> bool:
        return self.local.has(cid) or any(remote.has(cid) for remote in self.remotes)

    def get(self, cid: CID) -> bytes:
        if self.local.has(cid):
            return self.local.get(cid)
        failures: list[str] = []
        for remote in self.remotes:
            try:
                data = remote.get(cid)
            except CairnError as exc:
                failures.append(str(exc))
                continue
            self.bytes_fetched += len(data)
            self.blocks_fetched += 1
            self.local.put(cid, data)
            return data
        raise BlockNotFound(f"block {cid} is not local" + (f" ({'; '.join(failures)})" if failures else ""))

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        return self.local.put(cid, data)

    def iter_cids(self) -> Iterator[CID]:
        return self.local.iter_cids()
