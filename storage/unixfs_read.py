"""Reading UnixFS out of a block store: a file's bytes in order, a directory's files by path.

Everything read is verified by the store. Names that could escape the output folder (``..``,
``/``, empty, NUL) are refused here, so no caller can write outside its target.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from cairn.chunking.cid import CID, DAG_PB, RAW
from cairn.chunking.dagpb import PBNode, decode_node
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.errors import CorruptInput, UnsafePath, UnsupportedFormat
from cairn.storage.blockstore import BlockStore

MAX_DEPTH = 64  # far deeper than any balanced tree of real files; bounds hostile DAGs
# A directory may link to one subdirectory many times (identical folders deduplicate), so a listing
# can hold more entries than its blocks hold links; but a few blocks that link to each other
# thousands of times over describe trillions of paths (a directory bomb). A listing may name at
# most this many entries per distinct link it read, beyond a first allowance.
MAX_AMPLIFICATION = 16
FREE_ENTRIES = 100_000


@dataclass(frozen=True, slots=True)
class FileRef:
    path: str  # relative, "/"-separated
    cid: CID
    size: int

    def to_json(self) -> dict[str, str | int]:
        return {"path": self.path, "cid": str(self.cid), "size": self.size}


def node_of(store: BlockStore, cid: CID) -> tuple[PBNode, UnixFSData]:
    node = decode_node(store.get(cid))
    if node.data is None:
        raise CorruptInput(f"dag-pb node {cid} has no UnixFS data")
    return node, UnixFSData.decode(node.data)


def kind_of(store: BlockStore, cid: CID) -> NodeType:
    """Whether a CID is a UnixFS file, directory or HAMT shard."""
    if cid.codec == RAW:
        return NodeType.FILE
    if cid.codec != DAG_PB:
        raise UnsupportedFormat(f"{cid} is not a UnixFS node")
    return node_of(store, cid)[1].type


def file_size(store: BlockStore, cid: CID) -> int:
    if cid.codec == RAW:
        return len(store.get(cid))
    _, data = node_of(store, cid)
    if data.filesize is not None:
        return data.filesize
    return len(data.data or b"")


def safe_name(name: str | None) -> str:
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise UnsafePath(f"refusing directory entry named {name!r}")
    return name


class EntryBudget:
    """Counts the entries a listing yields against the distinct directory links it has read."""

    def __init__(self) -> None:
        self.directories: set[bytes] = set()
        self.links = 0
        self.listed = 0

    def read(self, cid: CID, entries: int) -> None:
        if cid.raw not in self.directories:
            self.directories.add(cid.raw)
            self.links += entries

    def spend(self, root: CID) -> None:
        self.listed += 1
        if self.listed > FREE_ENTRIES + MAX_AMPLIFICATION * self.links:
            raise CorruptInput(
                f"the UnixFS directory {root} lists over {self.listed} entries from only {self.links} links:"
                " a directory bomb"
            )


def iter_directory(
    store: BlockStore, cid: CID, prefix: str = "", depth: int = 0, budget: EntryBudget | None = None
) -> Iterator[FileRef]:
    """Every file below a UnixFS directory (plain or HAMT-sharded), with its relative path."""
    if depth > MAX_DEPTH:
        raise CorruptInput("UnixFS directory nested too deeply")
    budget = EntryBudget() if budget is None else budget
    node, data = node_of(store, cid)
    if data.type == NodeType.DIRECTORY:
        entries = [(safe_name(link.name), link.cid) for link in node.links]
    elif data.type == NodeType.HAMT_SHARD:
        entries = list(_hamt_entries(store, node, data, depth))
    else:
        raise CorruptInput(f"{cid} is not a UnixFS directory")
    _check_unique(cid, entries)
    budget.read(cid, len(entries))
    for name, child in entries:
        budget.spend(cid)
        path = prefix + name
        kind = kind_of(store, child)
        if kind in (NodeType.DIRECTORY, NodeType.HAMT_SHARD):
            yield from iter_directory(store, child, path + "/", depth + 1, budget)
        elif kind in (NodeType.FILE, NodeType.RAW):
            yield FileRef(path, child, file_size(store, child))
        else:
            raise UnsupportedFormat(f"{path}: UnixFS {kind.name.lower()} entries are not supported")


def _check_unique(cid: CID, entries: list[tuple[str, CID]]) -> None:
    """One name, one entry: two entries named alike would be written over each other (or a file
    over a folder) by whoever writes the directory out, so such a directory is corrupt."""
    names = {name for name, _ in entries}
    if len(names) != len(entries):
        raise CorruptInput(f"the UnixFS directory {cid} names two entries alike")


def _hamt_entries(
    store: BlockStore, node: PBNode, data: UnixFSData, depth: int, shards: set[bytes] | None = None
) -> Iterator[tuple[str, CID]]:
    """Entries of a HAMT shard and its sub-shards; each shard is checked against its header.

    A sub-shard reached twice is refused: its names would be listed twice, and a shard whose
    256 slots all lead to the one below it, eight levels deep, would list 256^8 times over.
    """
    from cairn.chunking.hamt import shard_links

    if depth > MAX_DEPTH:
        raise CorruptInput("HAMT shard nested too deeply")
    shards = set() if shards is None else shards
    for link in shard_links(node, data):
        if link.name is None:  # a sub-shard: its entries belong to this same directory
            if link.cid.raw in shards:
                raise CorruptInput(f"the HAMT shard {link.cid} is linked twice in one directory")
            shards.add(link.cid.raw)
            sub_node, sub_data = node_of(store, link.cid)
            yield from _hamt_entries(store, sub_node, sub_data, depth + 1, shards)
        else:
            yield safe_name(link.name), link.cid


def iter_range(store: BlockStore, cid: CID, start: int, end: int, depth: int = 0) -> Iterator[bytes]:
    """The bytes ``[start, end)`` of a UnixFS file, reading only the blocks that hold them.

    Inner nodes list their children's sizes (``blocksizes``), so whole subtrees outside the
    range are skipped: a Range request or one tensor costs only its own blocks.
    """
    if depth > MAX_DEPTH:
        raise CorruptInput("UnixFS file nested too deeply")
    if start >= end:
        return
    if cid.codec == RAW:
        yield store.get(cid)[start:end]
        return
    node, data = node_of(store, cid)
    if data.type not in (NodeType.FILE, NodeType.RAW):
        raise CorruptInput(f"{cid} is a UnixFS {data.type.name.lower()}, not a file")
    inline = data.data or b""
    if len(data.blocksizes) != len(node.links):
        raise CorruptInput(f"{cid}: {len(node.links)} links but {len(data.blocksizes)} block sizes")
    if start < len(inline):
        yield inline[start:end]
    offset = len(inline)
    for link, size in zip(node.links, data.blocksizes, strict=True):
        if offset >= end:
            return
        if offset + size > start:
            yield from iter_range(store, link.cid, max(0, start - offset), min(size, end - offset), depth + 1)
        offset += size
