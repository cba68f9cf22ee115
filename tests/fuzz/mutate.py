"""Byte-level mutations of a well-formed input, deterministic for a given seed (so hypothesis can
replay and shrink a failure: the seed is drawn, the mutants follow from it).

The mutations are the ones that break parsers: flipped bits, truncations, inserted and deleted
ranges, bytes set to boundary values, and huge length prefixes (a varint, a CBOR head or a
little-endian u64 of 2^60 or 2^64-1) written over or into the input.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Iterator

from cairn.chunking.varint import encode_varint

BOUNDARY_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1F, 0x9F, 0xBF, 0xD8, 0x2A, 0x0A, 0x12)
HUGE = (1 << 60, (1 << 63) - 1, (1 << 64) - 1, 1 << 32, (1 << 31) - 1)


def huge_prefixes() -> list[bytes]:
    """Length prefixes that claim far more than any input holds, in every encoding Cairn reads."""
    out = []
    for value in HUGE:
        out.append(encode_varint(min(value, (1 << 63) - 1)))  # multiformats varint (9 bytes max)
        out.append(struct.pack("<Q", value))  # safetensors header length
        out.append(b"\x5b" + value.to_bytes(8, "big"))  # CBOR byte string of that length
        out.append(b"\x9b" + value.to_bytes(8, "big"))  # CBOR list of that many items
        out.append(b"\xbb" + value.to_bytes(8, "big"))  # CBOR map of that many entries
        out.append(b"\x0a" + encode_varint(value))  # protobuf field 1, length-delimited, that long
        out.append(b"\x12" + encode_varint(value))  # protobuf field 2, length-delimited, that long
    return out


_HUGE_PREFIXES = huge_prefixes()


def _flip_bit(data: bytearray, rng: random.Random) -> None:
    if data:
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)


def _set_byte(data: bytearray, rng: random.Random) -> None:
    if data:
        data[rng.randrange(len(data))] = rng.choice(BOUNDARY_BYTES)


def _truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randrange(len(data) + 1) :]


def _delete_range(data: bytearray, rng: random.Random) -> None:
    if data:
        start = rng.randrange(len(data))
        del data[start : start + rng.randint(1, 16)]


def _insert_random(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = rng.randbytes(rng.randint(1, 8))


def _duplicate_range(data: bytearray, rng: random.Random) -> None:
    if data:
        start = rng.randrange(len(data))
        piece = data[start : start + rng.randint(1, 64)]
        at = rng.randrange(len(data) + 1)
        data[at:at] = piece


def _huge_prefix(data: bytearray, rng: random.Random) -> None:
    prefix = rng.choice(_HUGE_PREFIXES)
    at = rng.randrange(len(data) + 1)
    if rng.random() < 0.5:
        data[at : at + len(prefix)] = prefix  # overwrite what was there
    else:
        data[at:at] = prefix


def _randomize_tail(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:] = rng.randbytes(rng.randint(0, 48))


_MUTATIONS: tuple[Callable[[bytearray, random.Random], None], ...] = (
    _flip_bit,
    _flip_bit,
    _set_byte,
    _set_byte,
    _truncate,
    _delete_range,
    _insert_random,
    _duplicate_range,
    _huge_prefix,
    _randomize_tail,
)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to three mutations of ``data``."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        rng.choice(_MUTATIONS)(out, rng)
    return bytes(out)


def mutants(data: bytes, seed: int, count: int) -> Iterator[bytes]:
    """``count`` mutants of ``data``, the same ones for the same seed."""
    rng = random.Random(seed)
    for _ in range(count):
        yield mutate(data, rng)
