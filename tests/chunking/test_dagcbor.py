"""DAG-CBOR: canonical encoding, strict decoding, and byte strings that stay byte strings."""

from __future__ import annotations

import math

import pytest

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import SHA2_256
from cairn.errors import CorruptInput

LINK = CID.of(RAW, SHA2_256, b"")


def test_round_trip_of_every_kind() -> None:
    value = {"int": 1, "neg": -500, "big": 2**40, "f": 1.5, "s": "é", "b": b"\0\1", "l": [True, False, None],
             "link": LINK, "nested": {"z": 1, "yy": 2}}  # fmt: skip
    data = dagcbor.encode(value)
    assert dagcbor.decode(data) == value
    assert dagcbor.encode(dagcbor.decode(data)) == data


def test_map_keys_sort_length_first() -> None:
    assert dagcbor.encode({"bb": 1, "a": 2, "c": 3}) == bytes.fromhex("a3616102616303626262" + "01")


def test_binary_cid_in_a_byte_string_is_not_turned_into_a_link() -> None:
    data = dagcbor.encode({"ref": LINK.raw})
    assert b"\xd8\x2a" not in data
    assert dagcbor.decode(data) == {"ref": LINK.raw}


def test_link_is_tag_42_with_a_zero_prefix() -> None:
    assert dagcbor.encode(LINK) == b"\xd8\x2a\x58\x25\x00" + LINK.raw


@pytest.mark.parametrize(
    ("hex_data", "why"),
    [
        ("a26161016161 02", "repeated key"),
        ("a2616201616101", "unsorted keys"),
        ("1817", "non-minimal integer"),
        ("9f01ff", "indefinite length"),
        ("f97e00", "half float"),
        ("fb7ff8000000000000", "NaN"),
        ("c1 01", "tag other than 42"),
        ("0102", "trailing bytes"),
        ("5a ffffffff", "length past the end"),
        ("f7", "undefined"),
    ],
)
def test_non_canonical_input_is_refused(hex_data: str, why: str) -> None:
    with pytest.raises(CorruptInput):
        dagcbor.decode(bytes.fromhex(hex_data.replace(" ", "")))


def test_non_finite_floats_cannot_be_encoded() -> None:
    with pytest.raises(ValueError):
        dagcbor.encode(math.inf)


def test_deep_nesting_is_bounded() -> None:
    with pytest.raises(CorruptInput):
        dagcbor.decode(b"\x81" * 100 + b"\x01")
