"""Walking DAGs of raw, dag-pb and dag-cbor blocks held in any block store.

Links are what the codecs say they are: dag-pb links, and tag-42 links in dag-cbor. CIDs kept
as plain bytes inside records (lineage references) are not links and are not followed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.dagpb import decode_node
from cairn.errors import BlockNotFound, CairnError, UnsupportedFormat
from cairn.storage.blockstore import BlockStore


def links_of(cid: CID, data: bytes) -> list[CID]:
    """The CIDs a block links to, in order."""
    if cid.codec == RAW:
        return []
    if cid.codec == DAG_PB:
        return [link.cid for link in decode_node(data).links]
    if cid.codec == DAG_CBOR:
        found: list[CID] = []
        _cbor_links(dagcbor.decode(data), found)
        return found
    raise UnsupportedFormat(f"cannot follow links of codec 0x{cid.codec:x}")


def _cbor_links(value: Any, found: list[CID]) -> None:
    if isinstance(value, CID):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _cbor_links(item, found)
    elif isinstance(value, list):
        for item in value:
            _cbor_links(item, found)


def walk(store: BlockStore, root: CID, seen: set[bytes] | None = None) -> Iterator[tuple[CID, bytes]]:
    """Every block reachable from ``root``, each once, depth-first in link order (as CARs list them).

    Raw leaves are fetched too: the caller gets verified bytes for every block.
    """
    for cid, data in _walk(store, root, seen, read_leaves=True):
        yield cid, data or b""


def walk_cids(store: BlockStore, root: CID, seen: set[bytes] | None = None) -> Iterator[CID]:
    """Like ``walk`` but raw leaves are only checked for presence, not read and hashed."""
    for cid, _ in _walk(store, root, seen, read_leaves=False):
        yield cid


def _walk(
    store: BlockStore, root: CID, seen: set[bytes] | None, read_leaves: bool
) -> Iterator[tuple[CID, bytes | None]]:
    seen = set() if seen is None else seen
    stack = [root]
    while stack:
        cid = stack.pop()
        if cid.raw in seen:
            continue
        seen.add(cid.raw)
        if cid.codec == RAW and not read_leaves:
            if not store.has(cid):
                raise BlockNotFound(f"block {cid} is missing")
            yield cid, None
            continue
        data = store.get(cid)
        yield cid, data
        stack.extend(reversed(links_of(cid, data)))


def reachable(store: BlockStore, roots: list[CID]) -> set[bytes]:
    """Every CID reachable from ``roots`` as far as the store allows, skipping missing or bad
    blocks instead of stopping: what gc must keep even when a DAG is incomplete."""
    seen: set[bytes] = set()
    stack = list(roots)
    while stack:
        cid = stack.pop()
        if cid.raw in seen:
            continue
        seen.add(cid.raw)
        if cid.codec == RAW:
            continue
        try:
            stack.extend(links_of(cid, store.get(cid)))
        except CairnError:
            continue
    return seen
