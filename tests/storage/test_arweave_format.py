"""The pure parts of the Arweave module: how data splits into chunks, the block map, the tag budget."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import BLAKE3
from cairn.errors import BadInput, RemoteError
from cairn.storage.arweave import (
    MAX_CHUNK,
    MIN_CHUNK,
    BlockLocation,
    BlockMap,
    Tag,
    _chunk_ranges,
    b64url_decode,
    decode_block_map,
    encode_block_map,
    fit_tags,
    plan_chunks,
    read_jwk,
)


@pytest.mark.parametrize(
    "size", [1, MIN_CHUNK - 1, MAX_CHUNK, MAX_CHUNK + 1, 2 * MAX_CHUNK + MIN_CHUNK - 1, 5 * MAX_CHUNK + 7]
)
def test_chunks_cover_the_data_and_none_but_the_last_is_small(size: int) -> None:
    ranges = _chunk_ranges(size)
    assert ranges[0][0] == 0 and ranges[-1][1] == size
    assert all(a[1] == b[0] for a, b in pairwise(ranges))
    assert all(MIN_CHUNK <= end - start <= MAX_CHUNK for start, end in ranges[:-1])
    if size > MAX_CHUNK:  # arweave-js evens out the last two rather than leave a runt
        assert ranges[-1][1] - ranges[-1][0] >= MIN_CHUNK


@pytest.mark.parametrize("size", [1_024_000, 2 * MAX_CHUNK + 1000])  # the second evens out its last two chunks
def test_a_chunk_plan_has_one_valid_proof_per_chunk(tmp_path: Path, size: int) -> None:
    from arweave.merkle import validate_path

    path = tmp_path / "data"
    path.write_bytes((bytes(range(256)) * (size // 256 + 1))[:size])
    plan = plan_chunks(path)
    assert plan.data_size == size and len(plan.ranges) == len(plan.proofs) == len(_chunk_ranges(size))
    assert [offset for offset, _ in plan.proofs] == [end - 1 for _, end in plan.ranges]
    assert plan_chunks(path).data_root == plan.data_root and len(plan.data_root) == 43
    root = b64url_decode(plan.data_root)
    for (start, end), (offset, proof) in zip(plan.ranges, plan.proofs, strict=True):  # as a node checks them
        checked = validate_path(root, offset, 0, plan.data_size, proof)
        assert checked and (checked.left_bound, checked.right_bound) == (start, end)


def test_block_maps_round_trip_and_bogus_ones_are_refused() -> None:
    a, b = (CID.of(RAW, BLAKE3, data) for data in (b"a", b"b"))
    block_map = BlockMap([a], [("t" * 43, 100), ("u" * 43, 50)], [(a, 0, 10, 1), (b, 1, 3, 1)])
    decoded = decode_block_map(encode_block_map(block_map))
    assert decoded == block_map
    assert dict((c.raw, loc) for c, loc in decoded.locations()) == {
        a.raw: BlockLocation("t" * 43, 10, 1), b.raw: BlockLocation("u" * 43, 3, 1)}  # fmt: skip
    for bogus in (b"not json", b"{}", encode_block_map(block_map).replace(b",1,3,1]", b",7,3,1]")):
        with pytest.raises(RemoteError):
            decode_block_map(bogus)


def test_tags_past_the_budget_are_left_out_in_order() -> None:
    tags = [Tag("Content-Type", "application/vnd.ipld.car"), Tag("Empty", "")] + [Tag("Cairn-Root", "b" * 59)] * 50
    kept = fit_tags(tags)
    assert kept[0].name == "Content-Type" and Tag("Empty", "") not in kept
    assert sum(len(t.name) + len(t.value) for t in kept) <= 2048 < sum(len(t.name) + len(t.value) for t in tags)


def test_a_wallet_file_that_is_not_json_is_bad_input_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text("secret-material-not-json")
    with pytest.raises(BadInput) as caught:
        read_jwk(path)
    assert "secret-material" not in str(caught.value)
