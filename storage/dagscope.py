"""Which blocks a trustless CAR response carries: the path's blocks, then ``dag-scope`` of the target.

The trustless-gateway spec (IPIP-402) defines three scopes for the entity at the end of a path:

- ``block``: the target block alone;
- ``entity``: what is needed to read that entity: a whole UnixFS file (or only the blocks for
  the ``entity-bytes`` range), a directory's own node, every shard of a HAMT directory (not what
  its entries point to); for anything else the block alone;
- ``all``: the whole DAG below the target.

Blocks come out depth-first in link order (``order=dfs``), each fetched only when it is its turn,
so a response never holds more than one block and the walk's stack in memory. With ``dups=False``
a block already sent is not sent again (the set of sent CIDs is the only thing that grows).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from cairn.chunking.cid import CID, DAG_PB, RAW
from cairn.chunking.dagpb import decode_node
from cairn.chunking.hamt import shard_links
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.errors import BadInput, CorruptInput
from cairn.storage.blockstore import BlockStore
from cairn.storage.dagwalk import links_of
from cairn.storage.unixfs_path import Resolved
from cairn.storage.unixfs_read import MAX_DEPTH

Block = tuple[CID, bytes]


class DagScope(StrEnum):
    BLOCK = "block"
    ENTITY = "entity"
    ALL = "all"


@dataclass(frozen=True)
class EntityBytes:
    """``entity-bytes=from:to``: inclusive offsets; negative ones count from the end; ``to=None`` is ``*``."""

    first: int
    last: int | None

    @classmethod
    def parse(cls, text: str) -> EntityBytes:
        first, sep, last = text.partition(":")
        if not sep or not _is_int(first) or not (last == "*" or _is_int(last)):
            raise BadInput(f"entity-bytes must be FROM:TO (integers, TO may be '*'), not {text!r}")
        parsed = cls(int(first), None if last == "*" else int(last))
        if parsed.first >= 0 and parsed.last is not None and 0 <= parsed.last < parsed.first:
            raise BadInput(f"entity-bytes {text!r} ends before it starts")
        return parsed

    def span(self, size: int) -> tuple[int, int] | None:
        """The half-open byte span ``[start, stop)`` of a ``size``-byte entity, or ``None`` if empty."""
        start = self.first if self.first >= 0 else max(0, size + self.first)
        last = size - 1 if self.last is None else (self.last if self.last >= 0 else size + self.last)
        stop = min(size, last + 1)
        return (start, stop) if start < stop else None

    def __str__(self) -> str:
        return f"{self.first}:{'*' if self.last is None else self.last}"


def _is_int(text: str) -> bool:
    return text.removeprefix("-").isdigit()


@dataclass(frozen=True)
class CarSelection:
    """What to send for one request: where the path led, the scope, an optional byte range, dups."""

    resolved: Resolved
    scope: DagScope = DagScope.ALL
    entity_bytes: EntityBytes | None = None
    dups: bool = False


def selected_blocks(store: BlockStore, selection: CarSelection) -> Iterator[Block]:
    """Every block of the response, in order: the path's blocks, then the target's scope."""
    walk = _Walk(store, None if selection.dups else set())
    for cid in selection.resolved.trail:
        yield from walk.once(cid)
    target = selection.resolved.target
    if selection.scope == DagScope.BLOCK:
        yield from walk.once(target)
    elif selection.scope == DagScope.ALL:
        yield from walk.dfs(target)
    else:
        yield from walk.entity(target, selection.entity_bytes)


class _Walk:
    """One response's walk. ``sent`` (``dups=n``) holds the blocks already sent; ``whole`` the file
    subtrees already walked whole, which a file that repeats a subtree need not walk again.

    Files are walked by their byte spans, never past the size their root claims: a file whose
    nodes link the same child thousands of times over claims little and holds terabytes (a file
    bomb); ``dups=y`` would stream it without end, and ``dups=n`` would walk it without sending.
    """

    def __init__(self, store: BlockStore, sent: set[bytes] | None) -> None:
        self.store = store
        self.sent = sent
        self.whole: set[bytes] | None = None if sent is None else set()

    def once(self, cid: CID) -> Iterator[Block]:
        if self.sent is not None:
            if cid.raw in self.sent:
                return
            self.sent.add(cid.raw)
        yield cid, self.store.get(cid)

    def dfs(self, root: CID) -> Iterator[Block]:
        """The whole DAG below ``root``, depth-first; with ``sent`` a repeated subtree is skipped whole."""
        stack = [root]
        while stack:
            cid = stack.pop()
            if self.sent is not None and cid.raw in self.sent:
                continue
            data = self.store.get(cid)
            file = _unixfs_file(cid, data)
            if file is not None:
                yield from self.file(cid, file, None)
                continue
            if self.sent is not None:
                self.sent.add(cid.raw)
            yield cid, data
            stack.extend(reversed(links_of(cid, data)))

    def entity(self, target: CID, wanted: EntityBytes | None) -> Iterator[Block]:
        if target.codec != DAG_PB:
            yield from self.once(target)  # a raw leaf is a whole file; DAG-CBOR: the block
            return
        data = self.store.get(target)
        file = _unixfs_file(target, data)
        if file is not None:
            yield from self.file(target, file, wanted)
        elif UnixFSData.decode(decode_node(data).data or b"").type == NodeType.HAMT_SHARD:
            yield from _shards(self, target, 0, set())
        else:
            yield from self.once(target)  # a directory's own node lists its entries

    def file(self, root: CID, unixfs: UnixFSData, wanted: EntityBytes | None) -> Iterator[Block]:
        size = unixfs.filesize if unixfs.filesize is not None else len(unixfs.data or b"") + sum(unixfs.blocksizes)
        span = (0, size) if wanted is None else wanted.span(size)
        if span is None or span[0] >= span[1]:  # an empty or out-of-file range: the root block says why
            yield from self.once(root)
            return
        yield from self.file_range(root, span[0], span[1], size, 0)

    def file_range(self, cid: CID, start: int, stop: int, size: int, depth: int) -> Iterator[Block]:
        """The blocks of a UnixFS (sub)file of ``size`` bytes that hold bytes ``[start, stop)``,
        found through ``blocksizes``; subtrees outside the span are never read."""
        if depth > MAX_DEPTH:
            raise CorruptInput("UnixFS file nested too deeply")
        whole = start == 0 and stop >= size
        if whole and self.whole is not None and cid.raw in self.whole:
            return  # walked whole before: every block below it is already sent
        data = self.store.get(cid)
        if self.sent is None or cid.raw not in self.sent:
            if self.sent is not None:
                self.sent.add(cid.raw)
            yield cid, data
        if cid.codec != RAW:
            yield from self._children(cid, data, start, stop, depth)
        if whole and self.whole is not None:
            self.whole.add(cid.raw)

    def _children(self, cid: CID, data: bytes, start: int, stop: int, depth: int) -> Iterator[Block]:
        node = decode_node(data)
        unixfs = UnixFSData.decode(node.data or b"")
        if len(unixfs.blocksizes) != len(node.links):
            raise CorruptInput(f"{cid}: {len(node.links)} links but {len(unixfs.blocksizes)} block sizes")
        offset = len(unixfs.data or b"")
        for link, size in zip(node.links, unixfs.blocksizes, strict=True):
            if offset >= stop:
                return
            if offset + size > start:
                yield from self.file_range(link.cid, max(0, start - offset), min(size, stop - offset), size, depth + 1)
            offset += size


def _unixfs_file(cid: CID, data: bytes) -> UnixFSData | None:
    """The UnixFS metadata of a dag-pb file node, or None for anything else."""
    if cid.codec != DAG_PB:
        return None
    unixfs = UnixFSData.decode(decode_node(data).data or b"")
    return unixfs if unixfs.type in (NodeType.FILE, NodeType.RAW) else None


def _shards(walk: _Walk, cid: CID, depth: int, shards: set[bytes]) -> Iterator[Block]:
    """A HAMT directory's shard nodes, depth-first, without the entries they point to.

    A sub-shard linked twice is refused: a HAMT whose 256 slots all lead to one shard, eight
    levels deep, would otherwise be walked 256^8 times (with ``dups`` or not).
    """
    if depth > MAX_DEPTH:
        raise CorruptInput("HAMT shard nested too deeply")
    blocks = list(walk.once(cid))
    yield from blocks
    data = blocks[0][1] if blocks else walk.store.get(cid)
    node = decode_node(data)
    for link in shard_links(node, UnixFSData.decode(node.data or b"")):
        if link.is_shard:
            if link.cid.raw in shards:
                raise CorruptInput(f"the HAMT shard {link.cid} is linked twice in one directory")
            shards.add(link.cid.raw)
            yield from _shards(walk, link.cid, depth + 1, shards)
