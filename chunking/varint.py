"""Unsigned LEB128 varints, as multiformats and CAR use them."""

from __future__ import annotations

from cairn.errors import CorruptInput

MAX_VARINT_BYTES = 9  # multiformats caps varints at 63 bits


def encode_varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("varint must be unsigned")
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buf: bytes | memoryview, offset: int = 0) -> tuple[int, int]:
    """Return ``(value, offset after it)``; refuse truncated or non-minimal encodings."""
    value = 0
    shift = 0
    for i in range(MAX_VARINT_BYTES):
        pos = offset + i
        if pos >= len(buf):
            raise CorruptInput("truncated varint")
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if byte == 0 and i > 0:
                raise CorruptInput("non-minimal varint")
            return value, pos + 1
        shift += 7
    raise CorruptInput("varint longer than 9 bytes")
