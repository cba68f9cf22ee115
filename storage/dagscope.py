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

from cairn.errors import BadInput, CorruptInput
from chunking.cid import CID, DAG_PB, RAW
from chunking.dagpb import decode_node
from chunking.hamt import shard_links
from chunking.unixfs import NodeType, UnixFSData
from storage.blockstore import BlockStore
from storage.dagwalk import links_of
from storage.unixfs_path import Resolved
from storage.unixfs_read import MAX_DEPTH

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
    sent: set[bytes] | None = None if selection.dups else set()
    for cid in selection.resolved.trail:
        yield from _once(store, cid, sent)
    target = selection.resolved.target
    if selection.scope == DagScope.BLOCK:
        yield from _once(store, target, sent)
    elif selection.scope == DagScope.ALL:
        yield from _dfs(store, target, sent)
    else:
        yield from _entity(store, target, selection.entity_bytes, sent)


def _once(store: BlockStore, cid: CID, sent: set[bytes] | None) -> Iterator[Block]:
    if sent is not None:
        if cid.raw in sent:
            return
        sent.add(cid.raw)
    yield cid, store.get(cid)


def _dfs(store: BlockStore, root: CID, sent: set[bytes] | None) -> Iterator[Block]:
    """The whole DAG below ``root``, depth-first; with ``sent`` a repeated subtree is skipped whole."""
    stack = [root]
    while stack:
        cid = stack.pop()
        if sent is not None:
            if cid.raw in sent:
                continue
            sent.add(cid.raw)
        data = store.get(cid)
        yield cid, data
        stack.extend(reversed(links_of(cid, data)))


def _entity(store: BlockStore, target: CID, wanted: EntityBytes | None, sent: set[bytes] | None) -> Iterator[Block]:
    if target.codec != DAG_PB:
        yield from _once(store, target, sent)  # a raw leaf is a whole file; DAG-CBOR: the block
        return
    data = store.get(target)
    node = decode_node(data)
    unixfs = UnixFSData.decode(node.data or b"")
    if unixfs.type in (NodeType.FILE, NodeType.RAW):
        yield from _file(store, target, unixfs, wanted, sent)
    elif unixfs.type == NodeType.HAMT_SHARD:
        yield from _shards(store, target, sent, 0, set())
    else:
        yield from _once(store, target, sent)  # a directory's own node lists its entries


def _file(
    store: BlockStore, root: CID, unixfs: UnixFSData, wanted: EntityBytes | None, sent: set[bytes] | None
) -> Iterator[Block]:
    if wanted is None:
        yield from _dfs(store, root, sent)
        return
    size = unixfs.filesize if unixfs.filesize is not None else len(unixfs.data or b"") + sum(unixfs.blocksizes)
    span = wanted.span(size)
    if span is None:  # an empty or out-of-file range: the root block says why (IPIP-402)
        yield from _once(store, root, sent)
        return
    yield from _file_range(store, root, span[0], span[1], sent, 0)


def _file_range(
    store: BlockStore, cid: CID, start: int, stop: int, sent: set[bytes] | None, depth: int
) -> Iterator[Block]:
    """The blocks of a UnixFS file that hold bytes ``[start, stop)``, found through ``blocksizes``.

    Subtrees outside the span are never read, so a block missing there does not matter.
    """
    if depth > MAX_DEPTH:
        raise CorruptInput("UnixFS file nested too deeply")
    data = store.get(cid)
    if sent is None or cid.raw not in sent:
        if sent is not None:
            sent.add(cid.raw)
        yield cid, data
    if cid.codec == RAW:
        return
    node = decode_node(data)
    unixfs = UnixFSData.decode(node.data or b"")
    if len(unixfs.blocksizes) != len(node.links):
        raise CorruptInput(f"{cid}: {len(node.links)} links but {len(unixfs.blocksizes)} block sizes")
    offset = len(unixfs.data or b"")
    for link, size in zip(node.links, unixfs.blocksizes, strict=True):
        if offset >= stop:
            return
        if offset + size > start:
            yield from _file_range(store, link.cid, max(0, start - offset), min(size, stop - offset), sent, depth + 1)
        offset += size


def _shards(store: BlockStore, cid: CID, sent: set[bytes] | None, depth: int, shards: set[bytes]) -> Iterator[Block]:
    """A HAMT directory's shard nodes, depth-first, without the entries they point to.

    A sub-shard linked twice is refused: a HAMT whose 256 slots all lead to one shard, eight
    levels deep, would otherwise be walked 256^8 times (with ``dups`` or not).
    """
    if depth > MAX_DEPTH:
        raise CorruptInput("HAMT shard nested too deeply")
    blocks = list(_once(store, cid, sent))
    yield from blocks
    data = blocks[0][1] if blocks else store.get(cid)
    node = decode_node(data)
    for link in shard_links(node, UnixFSData.decode(node.data or b"")):
        if link.is_shard:
            if link.cid.raw in shards:
                raise CorruptInput(f"the HAMT shard {link.cid} is linked twice in one directory")
            shards.add(link.cid.raw)
            yield from _shards(store, link.cid, sent, depth + 1, shards)
