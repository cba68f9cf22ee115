"""Building UnixFS DAGs: balanced file trees and plain directories, emitted block by block.

Builders hand every block they make to a ``BlockSink`` (a store, a CAR writer, or nothing when
only the CID is wanted) and return a ``DagEntry`` describing the root.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from cairn.chunking.cid import CID, DAG_PB
from cairn.chunking.dagpb import PBLink, PBNode, encode_node
from cairn.chunking.unixfs import NodeType, UnixFSData

BlockSink = Callable[[CID, bytes | memoryview], object]


@runtime_checkable
class BufferingSink(Protocol):
    """A sink that keeps the buffers it is given past the call (the pack writer writes them on a
    background thread) and may compress by content: the importer calls ``flush()`` before it
    unmaps its input, and says what the next blocks hold with ``layout(dtype)``."""

    def __call__(self, cid: CID, data: bytes | memoryview) -> object: ...

    def flush(self) -> None: ...

    def layout(self, dtype: str | None) -> None: ...


def discard(cid: CID, data: bytes | memoryview) -> None:
    """A sink for when only the root CID is wanted."""


@dataclass(frozen=True, slots=True)
class DagEntry:
    """A DAG root: its CID, its cumulative block size (``Tsize``) and the file bytes it holds."""

    cid: CID
    tsize: int
    filesize: int


def emit_pb(node: PBNode, hash_code: int, sink: BlockSink) -> tuple[CID, int]:
    """Encode ``node``, give it to ``sink``; return its CID and encoded length."""
    data = encode_node(node)
    cid = CID.of(DAG_PB, hash_code, data)
    sink(cid, data)
    return cid, len(data)


class BalancedFileBuilder:
    """Kubo's and the JS importer's balanced layout, built bottom-up as leaves arrive.

    Leaves are grouped ``max_links`` at a time into parents, parents into grandparents, and
    so on; a file of one leaf is that leaf. Only one partial group per level is held, so a
    file of any size needs memory proportional to its depth times ``max_links``.
    """

    def __init__(self, hash_code: int, max_links: int, sink: BlockSink) -> None:
        self.hash_code = hash_code
        self.max_links = max_links
        self.sink = sink
        self.levels: list[list[DagEntry]] = [[]]

    def add_leaf(self, leaf: DagEntry) -> None:
        self._push(0, leaf)

    def _push(self, level: int, entry: DagEntry) -> None:
        if level == len(self.levels):
            self.levels.append([])
        group = self.levels[level]
        group.append(entry)
        if len(group) == self.max_links:
            self.levels[level] = []
            self._push(level + 1, self._parent(group))

    def _parent(self, children: list[DagEntry]) -> DagEntry:
        filesize = sum(child.filesize for child in children)
        data = UnixFSData(
            NodeType.FILE, filesize=filesize, blocksizes=tuple(child.filesize for child in children)
        ).encode()
        node = PBNode(tuple(PBLink(child.cid, "", child.tsize) for child in children), data)
        cid, size = emit_pb(node, self.hash_code, self.sink)
        return DagEntry(cid, size + sum(child.tsize for child in children), filesize)

    def finish(self) -> DagEntry:
        """Close every partial group and return the root; the builder is spent afterwards."""
        level = 0
        while level < len(self.levels):
            group = self.levels[level]
            if len(group) == 1 and not any(self.levels[level + 1 :]):
                return group[0]
            if group:
                self.levels[level] = []
                self._push(level + 1, self._parent(group))
            level += 1
        raise ValueError("finish() on a builder without leaves")


def directory_node(entries: list[tuple[str, DagEntry]]) -> PBNode:
    """A plain UnixFS directory: links sorted by the bytes of their names."""
    ordered = sorted(entries, key=lambda item: item[0].encode("utf-8"))
    links = tuple(PBLink(entry.cid, name, entry.tsize) for name, entry in ordered)
    return PBNode(links, UnixFSData(NodeType.DIRECTORY).encode())


def emit_directory(entries: list[tuple[str, DagEntry]], hash_code: int, sink: BlockSink) -> DagEntry:
    node = directory_node(entries)
    cid, size = emit_pb(node, hash_code, sink)
    return DagEntry(cid, size + sum(e.tsize for _, e in entries), sum(e.filesize for _, e in entries))
