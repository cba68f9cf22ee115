"""CIDs: text and binary forms round-trip, equality ignores the base, bad input is refused."""

from __future__ import annotations

import pytest

from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.errors import BadInput, InvalidCID, UnsupportedFormat

EMPTY_RAW = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


def test_raw_sha256_of_empty_bytes_is_the_well_known_cid() -> None:
    assert str(CID.of(RAW, SHA2_256, b"")) == EMPTY_RAW


def test_blake3_cid_uses_multihash_0x1e() -> None:
    cid = CID.of(RAW, BLAKE3, b"hello")
    assert str(cid).startswith("bafkr4i")
    assert (cid.codec, cid.hash_code) == (RAW, BLAKE3)
    assert cid.matches(b"hello") and not cid.matches(b"hellO")


@pytest.mark.parametrize("codec", [RAW, DAG_PB, DAG_CBOR])
def test_text_round_trip(codec: int) -> None:
    cid = CID.of(codec, SHA2_256, b"x")
    assert CID.parse(str(cid)) == cid
    assert CID.decode(cid.raw) == cid


def test_v0_parses_and_converts_to_v1_with_the_same_digest() -> None:
    v0 = CID.parse("QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n")
    assert v0.version == 0 and v0.codec == DAG_PB
    assert str(v0) == "QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n"
    assert v0.to_v1().digest == v0.digest and v0.to_v1().version == 1


def test_equality_ignores_text_base() -> None:
    cid = CID.parse(EMPTY_RAW)
    upper = CID.parse("B" + EMPTY_RAW[1:].upper())
    assert upper == cid and hash(upper) == hash(cid)


@pytest.mark.parametrize(
    "text", ["", "hello", "bafy", "b!!!!", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk"]
)
def test_malformed_text_is_invalid(text: str) -> None:
    with pytest.raises(BadInput):
        CID.parse(text)


def test_unsupported_codec_and_hash_are_refused() -> None:
    dag_json = b"\x01\xa9\x02\x12\x20" + bytes(32)  # codec 0x0129
    with pytest.raises(UnsupportedFormat):
        CID.decode(dag_json)
    md5ish = b"\x01\x55\xd5\x01\x10" + bytes(16)  # an md5 multihash
    with pytest.raises(UnsupportedFormat):
        CID.decode(md5ish)


def test_trailing_bytes_are_refused() -> None:
    with pytest.raises(InvalidCID):
        CID.decode(CID.of(RAW, SHA2_256, b"").raw + b"\0")
