"""Cutting and hashing a file's regions on several threads, handed out in file order.

A region (the safetensors header, one tensor, or a whole plain file) is cut from its own start,
so regions are independent: cutting and hashing them side by side changes no chunk and no CID.
pyfastcdc's cut loop and BLAKE3 both run without the GIL, so ``threads`` lanes use that many
cores. Region ``i`` belongs to lane ``i % lanes``; each lane cuts and hashes its regions in order
and queues batches of leaves, and the caller takes the batches region by region, so blocks reach
the sink and the DAG builder in the same order as with one thread.

Memory stays bounded whatever the file size: a leaf is an offset, a length and a CID (the bytes
stay in the caller's memory map), and each lane queues at most ``QUEUED_BATCHES`` batches ahead.
A plain file is one region, cut by one lane: content-defined cut points depend on every byte
before them, so one stream cannot be split without changing its chunks.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from cairn.chunking.chunkers import Chunker
from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import digest

BATCH = 16  # leaves handed over at once: fewer queue operations, still a steady flow to the sink
QUEUED_BATCHES = 8

Region = tuple[int, int, str | None]  # start, end, dtype of what it holds


@dataclass(frozen=True, slots=True)
class Leaf:
    offset: int  # in the whole file
    length: int
    cid: CID


@dataclass(frozen=True, slots=True)
class Batch:
    region: int  # index into the regions
    dtype: str | None
    leaves: list[Leaf]


def cut_and_hash(
    view: memoryview, regions: list[Region], chunker: Chunker, hash_code: int, threads: int
) -> Iterator[Batch]:
    """The leaves of every region in file order, in batches, cut and hashed on ``threads`` lanes."""
    if threads <= 1 or len(regions) <= 1:
        for index in range(len(regions)):
            yield from _region_batches(view, regions, index, chunker, hash_code)
        return
    count = min(threads, len(regions))
    lanes = [_Lane(view, regions, chunker, hash_code, lane, count) for lane in range(count)]
    for lane in lanes:
        lane.start()
    try:
        for index in range(len(regions)):
            yield from lanes[index % len(lanes)].batches_of(index)
    finally:
        for lane in lanes:
            lane.stop()


def _region_batches(
    view: memoryview, regions: list[Region], index: int, chunker: Chunker, hash_code: int
) -> Iterator[Batch]:
    start, end, dtype = regions[index]
    region = view[start:end]
    try:
        batch: list[Leaf] = []
        for offset, length in chunker.spans(region):
            piece = region[offset : offset + length]
            batch.append(Leaf(start + offset, length, CID.build(RAW, hash_code, digest(hash_code, piece))))
            piece.release()
            if len(batch) == BATCH:
                yield Batch(index, dtype, batch)
                batch = []
        if batch or start == end:
            yield Batch(index, dtype, batch)
    finally:
        region.release()


_DONE = object()  # a region's last batch was queued


class _Lane(threading.Thread):
    """Cuts and hashes regions ``lane``, ``lane + lanes``, ... and queues their batches."""

    def __init__(self, view: memoryview, regions: list[Region], chunker: Chunker, hash_code: int,
                 lane: int, lanes: int) -> None:  # fmt: skip
        super().__init__(name=f"cairn-cut-{lane}", daemon=True)
        self.view, self.regions, self.chunker, self.hash_code = view, regions, chunker, hash_code
        self.mine = range(lane, len(regions), lanes)
        self.queue: queue.Queue[object] = queue.Queue(QUEUED_BATCHES)
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            for index in self.mine:
                for batch in _region_batches(self.view, self.regions, index, self.chunker, self.hash_code):
                    self._put(batch)
                self._put(_DONE)
        except _Stopped:
            return
        except BaseException as exc:  # handed to the consuming thread, which raises it
            try:
                self._put(exc)
            except _Stopped:
                return

    def _put(self, item: object) -> None:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        raise _Stopped

    def batches_of(self, index: int) -> Iterator[Batch]:
        while True:
            item = self.queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, Batch) and item.region == index
            yield item

    def stop(self) -> None:
        self.stopping.set()
        self.join()


class _Stopped(Exception):
    """The consumer went away (an error downstream): the lane ends without queueing more."""
