"""DAG-CBOR (0x71): the strict, deterministic CBOR subset IPLD records use.

Written here rather than taken from a library because the one fast library (libipld) encodes
any byte string that happens to parse as a CID as a link, and Cairn's lineage references are
exactly such byte strings that must stay plain bytes (docs/formats.md, Records). Links are ``CID`` values.

The decoder accepts only the canonical form (minimal integers, definite lengths, map keys
sorted length-first, 64-bit floats, tag 42 only), so decode → encode returns the same bytes.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from cairn.chunking.cid import CID
from cairn.errors import CorruptInput

MAX_DEPTH = 64


def encode(value: Any) -> bytes:
    out = bytearray()
    _encode(value, out)
    return bytes(out)


def _head(major: int, arg: int, out: bytearray) -> None:
    if arg < 24:
        out.append(major << 5 | arg)
    elif arg < 0x100:
        out += bytes((major << 5 | 24, arg))
    elif arg < 0x10000:
        out.append(major << 5 | 25)
        out += arg.to_bytes(2, "big")
    elif arg < 0x100000000:
        out.append(major << 5 | 26)
        out += arg.to_bytes(4, "big")
    elif arg < 1 << 64:
        out.append(major << 5 | 27)
        out += arg.to_bytes(8, "big")
    else:
        raise ValueError("integer too large for DAG-CBOR")


def _map_key(key: str) -> bytes:
    return key.encode("utf-8")


def _encode(value: Any, out: bytearray) -> None:
    if value is None:
        out.append(0xF6)
    elif value is True:
        out.append(0xF5)
    elif value is False:
        out.append(0xF4)
    elif isinstance(value, int):
        _head(0, value, out) if value >= 0 else _head(1, -1 - value, out)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("DAG-CBOR cannot hold NaN or infinities")
        out.append(0xFB)
        out += struct.pack(">d", value)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        _head(2, len(value), out)
        out += value
    elif isinstance(value, str):
        data = value.encode("utf-8")
        _head(3, len(data), out)
        out += data
    elif isinstance(value, (list, tuple)):
        _head(4, len(value), out)
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("DAG-CBOR map keys must be strings")
        keys = sorted(value, key=lambda k: (len(_map_key(k)), _map_key(k)))
        _head(5, len(keys), out)
        for key in keys:
            _encode(key, out)
            _encode(value[key], out)
    elif isinstance(value, CID):
        out.append(0xD8)
        out.append(42)
        _head(2, len(value.raw) + 1, out)
        out += b"\0" + value.raw
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as DAG-CBOR")


def decode(data: bytes) -> Any:
    """Decode one canonical DAG-CBOR value filling ``data`` exactly."""
    reader = _Reader(bytes(data))
    value = reader.value(0)
    if reader.pos != len(reader.buf):
        raise CorruptInput("trailing bytes after DAG-CBOR value")
    return value


class _Reader:
    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.buf):
            raise CorruptInput("truncated DAG-CBOR")
        chunk = self.buf[self.pos : end]
        self.pos = end
        return chunk

    def head(self) -> tuple[int, int, int]:
        if self.pos >= len(self.buf):
            raise CorruptInput("truncated DAG-CBOR")
        first = self.buf[self.pos]  # one byte read in place: this runs for every value decoded
        self.pos += 1
        major, info = first >> 5, first & 0x1F
        if info < 24:
            return major, info, info
        if info > 27:
            raise CorruptInput("indefinite lengths and reserved values are not DAG-CBOR")
        size = 1 << (info - 24)
        arg = int.from_bytes(self.take(size), "big")
        if major != 7 and arg < (24 if size == 1 else 1 << (4 * size)):
            raise CorruptInput("non-minimal integer in DAG-CBOR")
        return major, info, arg

    def value(self, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CorruptInput("DAG-CBOR nested too deeply")
        major, info, arg = self.head()
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            return self.take(arg)
        if major == 3:
            try:
                return self.take(arg).decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CorruptInput("DAG-CBOR string is not UTF-8") from exc
        if major == 4:
            self._check_count(arg)
            return [self.value(depth + 1) for _ in range(arg)]
        if major == 5:
            return self.map(arg, depth)
        if major == 6:
            return self.link(arg)
        return self.simple(info, arg)

    def _check_count(self, count: int) -> None:
        if count > len(self.buf) - self.pos:  # every item takes at least one byte
            raise CorruptInput("DAG-CBOR length exceeds the data")

    def map(self, count: int, depth: int) -> dict[str, Any]:
        self._check_count(count)
        result: dict[str, Any] = {}
        previous: tuple[int, bytes] | None = None
        for _ in range(count):
            start = self.pos
            key = self.value(depth + 1)
            if not isinstance(key, str):
                raise CorruptInput("DAG-CBOR map key is not a string")
            raw = self.buf[start : self.pos]
            order = (len(raw), raw)
            if previous is not None and order <= previous:
                raise CorruptInput("DAG-CBOR map keys unsorted or repeated")
            previous = order
            result[key] = self.value(depth + 1)
        return result

    def link(self, tag: int) -> CID:
        if tag != 42:
            raise CorruptInput(f"DAG-CBOR tag {tag} is not allowed")
        major, _, size = self.head()
        body = self.take(size) if major == 2 else b""
        if major != 2 or not body or body[0] != 0:
            raise CorruptInput("DAG-CBOR link is not a 0-prefixed byte string")
        return CID.decode(body[1:])

    def simple(self, info: int, arg: int) -> Any:
        if info == 20:
            return False
        if info == 21:
            return True
        if info == 22:
            return None
        if info == 27:
            value: float = struct.unpack(">d", arg.to_bytes(8, "big"))[0]
            if not math.isfinite(value):
                raise CorruptInput("DAG-CBOR float is not finite")
            return value
        raise CorruptInput("DAG-CBOR allows only 64-bit floats, true, false and null")
