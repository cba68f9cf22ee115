"""Resolving content paths (``/ipfs/{cid}/a/b``) inside a block store, as IPFS gateways do.

A path is followed block by block: UnixFS directories by link name, HAMT-sharded directories
by hashing the name (only the shards on the way are read, never the whole directory), and
DAG-CBOR documents by map key or list index until a link leads to the next block. Names are
checked with ``safe_name`` first, so ``..`` and friends are refused before anything is read; the
filesystem is never involved. What was read on the way is kept (``trail``) because a trustless
CAR must start with exactly those blocks, so a client can verify the path itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB
from cairn.chunking.dagpb import PBNode
from cairn.chunking.hamt import HASH_BYTES, shard_links, slot_path
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.errors import BadInput, CorruptInput, NotFound
from cairn.storage.blockstore import BlockStore
from cairn.storage.unixfs_read import MAX_DEPTH, node_of, safe_name

MAX_SEGMENTS = 256  # bounds the work one request can ask for; real paths are a handful of names


@dataclass(frozen=True)
class Resolved:
    """Where a path leads, and which blocks had to be read to get there."""

    root: CID
    target: CID
    trail: tuple[CID, ...]  # blocks read before the target, in order (root first), target excluded
    roots: tuple[CID, ...]  # one CID per logical path segment, root first: X-Ipfs-Roots


def split_path(path: str) -> list[str]:
    """The names of a URL path below the CID; ``..``, ``.``, empty names (``a//b``) are refused.

    One trailing slash is allowed (``/ipfs/{cid}/dir/`` names a directory's listing).
    """
    if not path:
        return []
    names = path.split("/")
    if names[-1] == "":
        names.pop()
    if len(names) > MAX_SEGMENTS:
        raise BadInput(f"a content path has at most {MAX_SEGMENTS} names")
    return [safe_name(name) for name in names]


def resolve(store: BlockStore, root: CID, names: list[str]) -> Resolved:
    """Follow ``names`` from ``root``; ``NotFound`` when a name is absent or a file is in the way."""
    trail: list[CID] = []
    roots = [root]
    block, inner = root, _TOP
    for name in names:
        if block.codec == DAG_CBOR:
            value = dagcbor.decode(store.get(block)) if inner is _TOP else inner
            child = _cbor_child(value, name, block)
            if isinstance(child, CID):
                trail.append(block)
                block, inner = child, _TOP
            else:
                inner = child
        elif block.codec == DAG_PB:
            shards, child = _unixfs_child(store, block, name)
            trail += [block, *shards]
            block, inner = child, _TOP
        else:
            raise NotFound(f"{block} is a raw block: it has no {name!r} inside")
        roots.append(block)
    return Resolved(root, block, tuple(trail), tuple(roots))


class _Top:
    """Marks 'at the top of the current block' (``None`` is a legal DAG-CBOR value, so not that)."""


_TOP: Any = _Top()


def _cbor_child(value: Any, name: str, block: CID) -> Any:
    """One step into a decoded DAG-CBOR value: a map key, or a list index."""
    if isinstance(value, dict) and name in value:
        return value[name]
    if isinstance(value, list) and name.isdigit() and int(name) < len(value):
        return value[int(name)]
    raise NotFound(f"no {name!r} in the DAG-CBOR block {block}")


def _unixfs_child(store: BlockStore, cid: CID, name: str) -> tuple[list[CID], CID]:
    """The entry ``name`` of a UnixFS directory, and the HAMT shards read below ``cid`` to find it."""
    node, data = node_of(store, cid)
    if data.type == NodeType.DIRECTORY:
        for link in node.links:
            if link.name == name:
                return [], link.cid
        raise NotFound(f"the directory {cid} has no entry {name!r}")
    if data.type == NodeType.HAMT_SHARD:
        return hamt_find(store, node, data, name)
    raise NotFound(f"{cid} is a UnixFS {data.type.name.lower()}, not a directory: no {name!r} inside")


def hamt_find(store: BlockStore, node: PBNode, data: UnixFSData, name: str) -> tuple[list[CID], CID]:
    """Look ``name`` up in a HAMT shard by its hash, reading one shard per level.

    Returns the sub-shards read on the way (the root shard excluded) and the entry's CID.
    """
    visited: list[CID] = []
    for slot in slot_path(name, data.fanout or 0)[:HASH_BYTES]:
        link = next((link for link in shard_links(node, data) if link.slot == slot), None)
        if link is None or (link.name is not None and link.name != name):
            break
        if link.name == name:
            return visited, link.cid
        visited.append(link.cid)
        node, data = node_of(store, link.cid)
    raise NotFound(f"the sharded directory has no entry {name!r}")


def directory_entries(store: BlockStore, cid: CID, depth: int = 0) -> Iterator[tuple[str, CID]]:
    """The entries of one UnixFS directory (plain or HAMT), not recursing into subdirectories.

    Plain directories come in their stored (sorted) order, HAMT ones in hash order: listing never
    has to hold a large directory in memory.
    """
    node, data = node_of(store, cid)
    if data.type == NodeType.DIRECTORY:
        for link in node.links:
            yield safe_name(link.name), link.cid
    elif data.type == NodeType.HAMT_SHARD:
        yield from _shard_entries(store, node, data, depth)
    else:
        raise CorruptInput(f"{cid} is not a UnixFS directory")


def _shard_entries(
    store: BlockStore, node: PBNode, data: UnixFSData, depth: int, shards: set[bytes] | None = None
) -> Iterator[tuple[str, CID]]:
    if depth > MAX_DEPTH:
        raise CorruptInput("HAMT shard nested too deeply")
    shards = set() if shards is None else shards
    for link in shard_links(node, data):
        if link.name is None:
            if link.cid.raw in shards:  # its names would be listed again: 256^8 times in a HAMT bomb
                raise CorruptInput(f"the HAMT shard {link.cid} is linked twice in one directory")
            shards.add(link.cid.raw)
            sub_node, sub_data = node_of(store, link.cid)
            yield from _shard_entries(store, sub_node, sub_data, depth + 1, shards)
        else:
            yield safe_name(link.name), link.cid


def find_entry(store: BlockStore, cid: CID, name: str) -> CID | None:
    """The entry ``name`` of a directory, or ``None`` (e.g. whether it has an ``index.html``)."""
    try:
        return _unixfs_child(store, cid, name)[1]
    except NotFound:
        return None
