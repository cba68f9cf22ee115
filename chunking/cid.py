"""Content identifiers (CIDs): an immutable value, done once and reused everywhere.

A ``CID`` keeps its binary form; text is base32 lower case for v1 and base58btc for v0, and
equality ignores the text base. Building one per block must be cheap (thousands per second of
ingest), so the constructor does no validation; ``CID.decode`` and ``CID.parse`` validate input
from outside.
"""

from __future__ import annotations

from functools import cached_property

from cairn.chunking.multibase import b32_decode, b32_encode, b58_decode, b58_encode
from cairn.chunking.multihash import (
    BLAKE3,
    DIGEST_SIZE,
    SHA2_256,
    decode_multihash,
    digest,
    encode_multihash,
)
from cairn.chunking.varint import decode_varint, encode_varint
from cairn.errors import InvalidCID, UnsupportedFormat

RAW = 0x55
DAG_PB = 0x70
DAG_CBOR = 0x71

CODEC_NAMES = {RAW: "raw", DAG_PB: "dag-pb", DAG_CBOR: "dag-cbor"}
SUPPORTED_HASHES = (SHA2_256, BLAKE3)


class CID:
    """A CID as its binary bytes; compare, hash and sort by those bytes."""

    __slots__ = ("__dict__", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @classmethod
    def build(cls, codec: int, hash_code: int, raw_digest: bytes) -> CID:
        """A CIDv1 from its parts (the fast path used while hashing blocks)."""
        return cls(b"\x01" + encode_varint(codec) + encode_multihash(hash_code, raw_digest))

    @classmethod
    def of(cls, codec: int, hash_code: int, data: bytes | memoryview) -> CID:
        """The CIDv1 of ``data`` stored as a block of ``codec``."""
        return cls.build(codec, hash_code, digest(hash_code, data))

    @classmethod
    def decode(cls, raw: bytes) -> CID:
        """Validate binary CID bytes (v0 or v1) from outside."""
        cid, end = cls.decode_prefix(raw)
        if end != len(raw):
            raise InvalidCID("trailing bytes after CID")
        return cid

    @classmethod
    def decode_prefix(cls, buf: bytes | memoryview, offset: int = 0) -> tuple[CID, int]:
        """Read one binary CID at ``offset`` of ``buf``; return it and the offset after it."""
        data = bytes(buf[offset : offset + 80])
        try:
            if data[:2] == b"\x12\x20":
                code, _, end = decode_multihash(data)
                cid = cls(data[:end])
            else:
                version, pos = decode_varint(data)
                if version != 1:
                    raise InvalidCID(f"unsupported CID version {version}")
                codec, pos = decode_varint(data, pos)
                code, _, end = decode_multihash(data, pos)
                cid = cls(data[:end])
                if codec not in CODEC_NAMES:
                    raise UnsupportedFormat(f"unsupported codec 0x{codec:x} in {cid}")
        except IndexError as exc:
            raise InvalidCID("truncated CID") from exc
        except InvalidCID:
            raise
        except UnsupportedFormat:
            raise
        except ValueError as exc:
            raise InvalidCID(f"malformed CID: {exc}") from exc
        if code not in SUPPORTED_HASHES or len(cid.digest) != DIGEST_SIZE:
            raise UnsupportedFormat(f"unsupported multihash 0x{code:x} in {cid}")
        return cid, offset + end

    @classmethod
    def parse(cls, text: str) -> CID:
        """Parse CID text: ``b...`` (base32 v1) or ``Qm...`` (base58 v0)."""
        text = text.strip()
        if not text:
            raise InvalidCID("empty CID")
        if text.startswith("Qm") and len(text) == 46:
            return cls.decode(b58_decode(text))
        if text[0] == "b":
            return cls.decode(b32_decode(text[1:]))
        if text[0] == "z":
            return cls.decode(b58_decode(text[1:]))
        if text[0] == "B":
            return cls.decode(b32_decode(text[1:].lower()))
        raise InvalidCID(f"not a CID: {text[:60]!r}")

    @cached_property
    def _parts(self) -> tuple[int, int, int, bytes]:
        raw = self.raw
        if raw[:2] == b"\x12\x20":
            return 0, DAG_PB, SHA2_256, raw[2:]
        _, pos = decode_varint(raw)
        codec, pos = decode_varint(raw, pos)
        code, dig, _ = decode_multihash(raw, pos)
        return 1, codec, code, dig

    @property
    def version(self) -> int:
        return self._parts[0]

    @property
    def codec(self) -> int:
        return self._parts[1]

    @property
    def hash_code(self) -> int:
        return self._parts[2]

    @property
    def digest(self) -> bytes:
        return self._parts[3]

    def matches(self, data: bytes | memoryview) -> bool:
        """Whether ``data`` hashes to this CID's digest."""
        return digest(self.hash_code, data) == self.digest

    def to_v1(self) -> CID:
        return self if self.version == 1 else CID.build(self.codec, self.hash_code, self.digest)

    def __str__(self) -> str:
        text: str | None = self.__dict__.get("_text")
        if text is None:
            text = b58_encode(self.raw) if self.raw[:2] == b"\x12\x20" else "b" + b32_encode(self.raw)
            self.__dict__["_text"] = text
        return text

    def __repr__(self) -> str:
        return f"CID({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CID) and self.raw == other.raw

    def __lt__(self, other: CID) -> bool:
        return self.raw < other.raw

    def __hash__(self) -> int:
        return hash(self.raw)
