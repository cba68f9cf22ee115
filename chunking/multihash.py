"""Multihashes: the two hash functions Cairn supports and their self-describing encoding."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import blake3

from cairn.chunking.varint import decode_varint, encode_varint
from cairn.errors import CorruptInput, UnsupportedFormat

SHA2_256 = 0x12
BLAKE3 = 0x1E
DIGEST_SIZE = 32

HASH_NAMES = {"sha2-256": SHA2_256, "blake3": BLAKE3}
HASH_CODES = {code: name for name, code in HASH_NAMES.items()}


def _sha256(data: bytes | memoryview) -> bytes:
    return hashlib.sha256(data).digest()


def _blake3(data: bytes | memoryview) -> bytes:
    return blake3.blake3(data).digest()


_HASHERS: dict[int, Callable[[bytes | memoryview], bytes]] = {SHA2_256: _sha256, BLAKE3: _blake3}


def hash_code(name: str) -> int:
    """The multicodec of a hash function by its name (``blake3`` or ``sha2-256``)."""
    try:
        return HASH_NAMES[name]
    except KeyError:
        raise UnsupportedFormat(f"unsupported hash {name!r} (use blake3 or sha2-256)") from None


def digest(code: int, data: bytes | memoryview) -> bytes:
    """The 32-byte digest of ``data`` with the hash function ``code``."""
    try:
        return _HASHERS[code](data)
    except KeyError:
        raise UnsupportedFormat(f"unsupported multihash 0x{code:x}") from None


def encode_multihash(code: int, raw_digest: bytes) -> bytes:
    return encode_varint(code) + encode_varint(len(raw_digest)) + raw_digest


def decode_multihash(buf: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Return ``(code, digest, offset after it)``."""
    code, offset = decode_varint(buf, offset)
    size, offset = decode_varint(buf, offset)
    end = offset + size
    if end > len(buf):
        raise CorruptInput("truncated multihash")
    return code, bytes(buf[offset:end]), end
