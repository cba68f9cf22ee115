"""Content paths resolved inside a block store, and the block selections of trustless CARs.

Built on a local pack store with a small tree made here; the HTTP side is tests/api/test_gateway.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR, RAW
from cairn.chunking.dag import BalancedFileBuilder, DagEntry, emit_directory
from cairn.chunking.hamt import emit_hamt_directory
from cairn.chunking.multihash import SHA2_256
from cairn.errors import BadInput, BlockNotFound, NotFound, UnsafePath
from cairn.storage.dagscope import CarSelection, DagScope, EntityBytes, selected_blocks
from cairn.storage.packstore import PackStore
from cairn.storage.unixfs_path import directory_entries, find_entry, resolve, split_path


@pytest.fixture
def store(tmp_path: Path) -> PackStore:
    return PackStore(tmp_path / "blocks")


def leaf(store: PackStore, data: bytes) -> DagEntry:
    cid = CID.of(RAW, SHA2_256, data)
    store.put(cid, data)
    return DagEntry(cid, len(data), len(data))


@pytest.mark.parametrize("path", ["..", "a/../b", "a//b", ".", "a/./b", "a\\b", "a\0b"])
def test_unsafe_names_are_refused_before_anything_is_read(path: str) -> None:
    with pytest.raises(UnsafePath):
        split_path(path)


def test_split_path_allows_one_trailing_slash_and_bounds_depth() -> None:
    assert split_path("") == [] and split_path("a/b/") == ["a", "b"]
    with pytest.raises(BadInput):
        split_path("/".join(["x"] * 1000))


def test_resolve_through_plain_hamt_and_dag_cbor(store: PackStore) -> None:
    names = [f"n{i}" for i in range(400)]
    entries = {name: leaf(store, name.encode()) for name in names}
    hamt = emit_hamt_directory(list(entries.items()), SHA2_256, store.put)
    top = emit_directory([("big", hamt)], SHA2_256, store.put)
    doc = dagcbor.encode({"files": {"dir": top.cid}, "n": 1})
    doc_cid = CID.of(DAG_CBOR, SHA2_256, doc)
    store.put(doc_cid, doc)
    found = resolve(store, doc_cid, ["files", "dir", "big", "n123"])
    assert found.target == entries["n123"].cid
    assert found.trail[:3] == (doc_cid, top.cid, hamt.cid)  # then the sub-shards on the way, if any
    assert found.roots == (doc_cid, doc_cid, top.cid, hamt.cid, entries["n123"].cid)
    assert find_entry(store, hamt.cid, "n399") == entries["n399"].cid and find_entry(store, hamt.cid, "x") is None
    assert sorted(name for name, _ in directory_entries(store, hamt.cid)) == sorted(names)
    for missing in (["files", "nope"], ["files", "dir", "big", "n400"], ["files", "dir", "big", "n1", "deeper"]):
        with pytest.raises(NotFound):
            resolve(store, doc_cid, missing)


@pytest.mark.parametrize(
    ("text", "size", "span"),
    [("0:*", 10, (0, 10)), ("2:4", 10, (2, 5)), ("-3:*", 10, (7, 10)), ("-99:-2", 10, (0, 9)),
     ("0:0", 10, (0, 1)), ("10:*", 10, None), ("5:-6", 10, None), ("3:99", 10, (3, 10))],
)  # fmt: skip
def test_entity_bytes_spans(text: str, size: int, span: tuple[int, int] | None) -> None:
    assert EntityBytes.parse(text).span(size) == span


@pytest.mark.parametrize("text", ["", "1", "a:b", "1:", ":2", "5:3", "1.5:2", "1:*x"])
def test_bad_entity_bytes(text: str) -> None:
    with pytest.raises(BadInput):
        EntityBytes.parse(text)


def test_entity_bytes_never_reads_blocks_outside_the_range(store: PackStore) -> None:
    """The point of entity-bytes: a block missing outside the range does not matter."""
    kept: list[CID] = []
    builder = BalancedFileBuilder(SHA2_256, max_links=4, sink=store.put)
    for index in range(4):
        data = bytes([index]) * 100
        cid = CID.of(RAW, SHA2_256, data)
        if index != 3:  # the last leaf is never stored
            store.put(cid, data)
        kept.append(cid)
        builder.add_leaf(DagEntry(cid, 100, 100))
    root = builder.finish().cid
    resolved = resolve(store, root, [])
    ranged = CarSelection(resolved, DagScope.ENTITY, EntityBytes.parse("150:250"))
    assert [cid for cid, _ in selected_blocks(store, ranged)] == [root, kept[1], kept[2]]
    with pytest.raises(BlockNotFound):
        list(selected_blocks(store, CarSelection(resolved, DagScope.ALL)))
