"""The local pack store: visible only when committed, verified on every read, compacted by gc,
and never collected under a write session."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cairn.chunking.cid import CID, RAW
from cairn.chunking.dag import DagEntry, emit_directory
from cairn.chunking.multihash import BLAKE3
from cairn.errors import BlockNotFound, Conflict, IntegrityError
from cairn.storage.gc import GcResult, collect_garbage
from cairn.storage.packstore import PackStore, scan_pack
from tests.data import random_bytes


def _block(i: int, size: int = 1000) -> tuple[CID, bytes]:
    data = random_bytes(size, seed=i)
    return CID.of(RAW, BLAKE3, data), data


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PackStore]:
    s = PackStore(tmp_path / "blocks")
    yield s
    s.close()


def test_put_get_round_trip_and_dedup(store: PackStore) -> None:
    cid, data = _block(1)
    assert store.put(cid, data) is True
    assert store.put(cid, data) is False
    assert store.get(cid) == data and store.has(cid) and store.count() == 1


def test_blocks_are_invisible_until_commit_and_gone_after_abort(store: PackStore) -> None:
    cid, data = _block(2)
    with pytest.raises(RuntimeError), store.writer() as writer:
        writer.put(cid, data)
        assert writer.has(cid) and not store.has(cid)
        assert writer.get(cid) == data
        raise RuntimeError("interrupted")
    assert not store.has(cid)
    assert all(p.stat().st_size == 0 for p in store.packs.glob("*.pack"))


def test_a_flipped_byte_on_disk_is_caught_on_read(store: PackStore) -> None:
    cid, data = _block(3)
    store.put(cid, data)
    store.close()
    pack = next(store.packs.glob("*.pack"))
    raw = bytearray(pack.read_bytes())
    raw[-10] ^= 1
    pack.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=str(cid)):
        store.get(cid)


def test_missing_block(store: PackStore) -> None:
    with pytest.raises(BlockNotFound):
        store.get(_block(4)[0])


def test_packs_describe_themselves(store: PackStore) -> None:
    blocks = [_block(i) for i in range(5)]
    with store.writer() as writer:
        for cid, data in blocks:
            writer.put(cid, data)
    found = [entry[0] for pack in store.packs.glob("*.pack") for entry in scan_pack(pack)]
    assert found == [cid for cid, _ in blocks]


def test_a_second_writer_uses_another_pack_while_the_first_holds_its_own(store: PackStore) -> None:
    with store.writer() as first, store.writer() as second:
        assert first.pack != second.pack
        first.put(*_block(5))
        second.put(*_block(6))
    assert store.count() == 2


def test_gc_keeps_what_roots_reach_and_reclaims_the_rest(store: PackStore) -> None:
    kept_leaf, kept_data = _block(7, 50_000)
    dropped, dropped_data = _block(8, 50_000)
    blocks: list[tuple[CID, bytes]] = []
    root = emit_directory([("f", DagEntry(kept_leaf, len(kept_data), len(kept_data)))], BLAKE3,
                          lambda c, d: blocks.append((c, bytes(d))))  # fmt: skip
    with store.writer() as writer:
        for cid, data in [(kept_leaf, kept_data), (dropped, dropped_data), *blocks]:
            writer.put(cid, data)
    result = collect_garbage(store, lambda: [root.cid])
    assert result.blocks_removed == 1 and result.blocks_kept == 2
    assert result.bytes_reclaimed >= 50_000
    assert store.get(kept_leaf) == kept_data and not store.has(dropped)
    assert sum(p.stat().st_size for p in store.packs.glob("*.pack")) < 60_000


def test_gc_waits_for_a_write_session_and_reads_its_roots_only_then(store: PackStore) -> None:
    """A block stored in a session, its root recorded just before the session ends: a gc started
    meanwhile (another store on the same folder, as another process would be) keeps it."""
    cid, data = _block(20)
    index: list[CID] = []  # stands for the index: empty until the "row" is written
    results: list[GcResult] = []
    other = PackStore(store.root)
    gc = threading.Thread(target=lambda: results.append(collect_garbage(other, lambda: list(index))))
    with store.writing():
        store.put(cid, data)
        gc.start()
        time.sleep(0.3)
        assert gc.is_alive() and not results  # waiting for the session
        index.append(cid)
    gc.join(10)
    other.close()
    assert results[0].blocks_removed == 0 and store.get(cid) == data


def test_a_loose_block_is_kept_for_the_grace_period_then_collected(store: PackStore) -> None:
    loose, loose_data = _block(21)
    plain, plain_data = _block(22)
    assert store.put_loose(loose, loose_data) is True
    store.put(plain, plain_data)
    assert collect_garbage(store, lambda: []).blocks_removed == 1  # the unnamed block not put loose
    assert store.has(loose) and not store.has(plain)
    assert store.put_loose(loose, loose_data) is False  # a put again restarts its grace
    assert collect_garbage(store, lambda: [], loose_grace=0).blocks_removed == 1
    assert not store.has(loose)


def test_a_home_store_refuses_writes_outside_a_session_and_gc_inside_one(tmp_path: Path) -> None:
    store = PackStore(tmp_path / "blocks", writes_need_session=True)
    cid, data = _block(23)
    with pytest.raises(RuntimeError, match="outside a write session"):
        store.put(cid, data)
    with store.writing(), store.writing():  # sessions nest
        assert store.put(cid, data) is True
        with pytest.raises(Conflict, match="wait for itself"):
            collect_garbage(store, lambda: [cid])
    assert not store.in_session
    assert collect_garbage(store, lambda: [cid]).blocks_removed == 0
    store.close()
