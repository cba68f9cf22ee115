"""The sliver of protobuf wire format that dag-pb and UnixFS need: varints and byte fields."""

from __future__ import annotations

from collections.abc import Iterator

from cairn.chunking.varint import encode_varint
from cairn.errors import CorruptInput

VARINT = 0
LEN = 2


def key(field: int, wire_type: int) -> bytes:
    return encode_varint((field << 3) | wire_type)


def bytes_field(field: int, value: bytes) -> bytes:
    return key(field, LEN) + encode_varint(len(value)) + value


def varint_field(field: int, value: int) -> bytes:
    return key(field, VARINT) + encode_varint(value)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    # Protobuf varints may be up to 10 bytes and need not be minimal; read them leniently but bounded.
    value = 0
    for shift in range(0, 70, 7):
        if pos >= len(buf):
            raise CorruptInput("truncated protobuf varint")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            if value >= 1 << 64:
                raise CorruptInput("protobuf varint over 64 bits")
            return value, pos
    raise CorruptInput("protobuf varint too long")


def fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Yield ``(field number, wire type, value)``; only varint and length-delimited fields exist here."""
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        field, wire_type = tag >> 3, tag & 7
        if field == 0:
            raise CorruptInput("protobuf field number 0")
        if wire_type == VARINT:
            value, pos = read_varint(buf, pos)
            yield field, wire_type, value
        elif wire_type == LEN:
            size, pos = read_varint(buf, pos)
            end = pos + size
            if end > len(buf):
                raise CorruptInput("truncated protobuf field")
            yield field, wire_type, buf[pos:end]
            pos = end
        else:
            raise CorruptInput(f"unexpected protobuf wire type {wire_type}")
