"""CAR v1: streams round-trip, and a block that does not match its CID never gets through."""

from __future__ import annotations

import io

import pytest

from cairn.chunking.car import CARV2_PRAGMA, CarWriter, encode_section, read_blocks, read_header
from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import BLAKE3
from cairn.errors import CorruptInput, IntegrityError

BLOCKS = [(CID.of(RAW, BLAKE3, bytes([i]) * (i + 1)), bytes([i]) * (i + 1)) for i in range(5)]


def _car(blocks: list[tuple[CID, bytes]], roots: list[CID]) -> bytes:
    out = io.BytesIO()
    writer = CarWriter(out, roots)
    for cid, data in blocks:
        writer.put(cid, data)
    assert writer.bytes_written == len(out.getvalue())
    return out.getvalue()


def test_round_trip() -> None:
    stream = io.BytesIO(_car(BLOCKS, [BLOCKS[0][0]]))
    assert read_header(stream).roots == [BLOCKS[0][0]]
    assert list(read_blocks(stream)) == BLOCKS


def test_a_block_that_does_not_match_its_cid_is_refused() -> None:
    cid, data = BLOCKS[2]
    bad = bytearray(_car([(cid, data)], [cid]))
    bad[-1] ^= 0xFF
    stream = io.BytesIO(bytes(bad))
    read_header(stream)
    with pytest.raises(IntegrityError, match=str(cid)):
        list(read_blocks(stream))


def test_truncated_section_is_corrupt() -> None:
    data = _car(BLOCKS, [BLOCKS[0][0]])[:-2]
    stream = io.BytesIO(data)
    read_header(stream)
    with pytest.raises(CorruptInput):
        list(read_blocks(stream))


def test_oversized_section_is_refused_before_reading_it() -> None:
    cid = BLOCKS[0][0]
    huge = encode_section(cid, b"\0" * (3 << 20))
    stream = io.BytesIO(_car([], [cid]) + huge)
    read_header(stream)
    with pytest.raises(CorruptInput, match="out of bounds"):
        list(read_blocks(stream))


@pytest.mark.parametrize("head", [b"", b"\x00", b"\x05abc", CARV2_PRAGMA, b"\x01\xa0"])
def test_bad_headers_are_corrupt(head: bytes) -> None:
    with pytest.raises(CorruptInput):
        read_header(io.BytesIO(head))
