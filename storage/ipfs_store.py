"""A home's block store kept entirely in a Kubo node (``CAIRN_BLOCKSTORE=ipfs``, docs/architecture.md, Settings).

With it, and the index in a shared database, an API replica holds no state of its own: any
number of them serve one Kubo node (or a Kubo in front of an IPFS Cluster), and none writes a
block file. Every block read back is checked against its CID (``KuboClient.block_get``).

Writes are batched: a writer keeps new blocks in memory and sends them as one CAR through
``dag/import`` (one request instead of one per block) whenever ``BATCH_BYTES`` pile up and at
commit. At commit it also pins, recursively, every DAG-CBOR block it wrote: the records, whose
links (``content``, ``files_meta``) reach every block of their artifact, so Kubo's garbage
collector keeps what the index says exists. A failed write sends nothing more; blocks that
reached Kubo before the failure stay unpinned, and Kubo's gc reclaims them, as ``cairn gc``
reclaims a torn pack tail.

Garbage collection here is Kubo's alone: ``cairn gc`` refuses, and a write session
(``writing()``) holds nothing back, since Cairn has no hold on Kubo's gc. A Kubo gc run between a
writer's first batch and its pins at commit can take the batch (unpinned until then), or a block
the writer found in Kubo and did not send; the writer's recursive pin then fails (or, on a node
that is online, fetches the blocks back from the network) before any index row names them.
Nothing listed loses a block, but a write in flight may have to be run again: run ``ipfs repo
gc`` while no Cairn writer runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import TracebackType

from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, IntegrityError
from cairn.storage.kubo import KuboBlockStore, KuboClient

BATCH_BYTES = 32 << 20


class IpfsStore(KuboBlockStore):
    """``HomeStore`` over Kubo: reads offline (a block the node lacks is missing, not searched for)."""

    def __init__(self, api_url: str) -> None:
        super().__init__(KuboClient(api_url), offline=True)

    def size(self, cid: CID) -> int:
        return self.client.block_stat(cid, offline=True).size

    def writer(self) -> IpfsWriter:
        return IpfsWriter(self)

    def writing(self) -> contextlib.AbstractContextManager[None]:
        """Nothing to hold: Cairn runs no gc over Kubo (Kubo's own gc is Kubo's, see the module's doc)."""
        return contextlib.nullcontext()

    def put_loose(self, cid: CID, data: bytes | memoryview) -> bool:
        return self.put(cid, data)  # unpinned, so Kubo's gc may take it before a record names it

    def delete_many(self, cids: list[CID]) -> None:
        raise BadInput("blocks live in Kubo (CAIRN_BLOCKSTORE=ipfs): remove them with Kubo's own pins and gc")

    def close(self) -> None:
        self.client.close()


class _ListSink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes | memoryview, /) -> int:
        self.parts.append(bytes(data))
        return len(data)


class IpfsWriter:
    """Blocks bound for Kubo, sent in CAR batches; records pinned at commit."""

    def __init__(self, store: IpfsStore) -> None:
        self.store = store
        self.pending: dict[bytes, bytes] = {}
        self.pending_bytes = 0
        self.records: list[CID] = []
        self.bytes_new = 0

    def __enter__(self) -> IpfsWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.commit()
        else:
            self.pending.clear()
            self.records.clear()

    def has(self, cid: CID) -> bool:
        return cid.raw in self.pending or self.store.has(cid)

    def get(self, cid: CID) -> bytes:
        data = self.pending.get(cid.raw)
        return self.store.get(cid) if data is None else data

    def iter_cids(self) -> Iterator[CID]:
        yield from (CID(raw) for raw in self.pending)
        yield from self.store.iter_cids()

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        """Queue a block (copied: the caller may reuse its buffer) unless Kubo or this batch has it."""
        if not cid.matches(data):
            raise IntegrityError(f"refusing to store a block that does not match {cid}")
        if self.has(cid):
            return False
        self.pending[cid.raw] = bytes(data)
        self.pending_bytes += len(data)
        self.bytes_new += len(data)
        if cid.codec == DAG_CBOR:
            self.records.append(cid)
        if self.pending_bytes >= BATCH_BYTES:
            self._send()
        return True

    def flush(self) -> None:
        """Nothing to wait for: ``put`` copies what it keeps."""

    def layout(self, dtype: str | None) -> None:
        """Kubo stores blocks as they are: nothing to choose."""

    def _send(self) -> None:
        if not self.pending:
            return
        sink = _ListSink()
        car = CarWriter(sink, [CID(next(iter(self.pending)))])
        for raw, data in self.pending.items():
            car.put(CID(raw), data)
        result = self.store.client.dag_import(sink.parts, pin_roots=False)
        if result.block_count != len(self.pending):
            raise IntegrityError(f"Kubo imported {result.block_count} of {len(self.pending)} blocks")
        self.pending.clear()
        self.pending_bytes = 0

    def commit(self) -> None:
        """Send what is queued, then pin the records (and through their links, their files)."""
        self._send()
        for cid in self.records:
            self.store.client.pin_add(cid, recursive=True, name="cairn")
        self.records.clear()
