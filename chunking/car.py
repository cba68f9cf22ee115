"""CAR v1: a header naming the roots, then ``varint | CID | block`` sections.

Both directions stream: the writer takes blocks one at a time, the reader yields them one at a
time and checks every block against its CID before handing it out (docs/formats.md, CAR files).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID
from cairn.chunking.varint import encode_varint
from cairn.errors import CorruptInput, IntegrityError

MAX_HEADER = 64 * 1024
MAX_SECTION = 2 * 1024 * 1024  # blocks are at most 1 MiB; allow headroom, refuse bombs
CARV2_PRAGMA = bytes.fromhex("0aa16776657273696f6e02")


def encode_header(roots: list[CID]) -> bytes:
    header = dagcbor.encode({"roots": list(roots), "version": 1})
    return encode_varint(len(header)) + header


def encode_section(cid: CID, data: bytes | memoryview) -> bytes:
    return encode_varint(len(cid.raw) + len(data)) + cid.raw


class Writable(Protocol):
    def write(self, data: bytes | memoryview, /) -> int: ...


class CarWriter:
    """Write a CAR v1 stream block by block to anything with ``write`` (a file, a socket, a queue)."""

    def __init__(self, stream: Writable, roots: list[CID]) -> None:
        self.stream = stream
        self.bytes_written = 0
        self.blocks_written = 0
        self._write(encode_header(roots))

    def _write(self, data: bytes | memoryview) -> None:
        self.stream.write(data)
        self.bytes_written += len(data)

    def put(self, cid: CID, data: bytes | memoryview) -> None:
        self._write(encode_section(cid, data))
        self._write(data)
        self.blocks_written += 1


@dataclass(frozen=True)
class CarHeader:
    roots: list[CID]


def _read_varint(stream: BinaryIO) -> int | None:
    """A varint from the stream, or ``None`` at a clean end of stream.

    Non-minimal encodings are refused, as multiformats (and go-car) require: one length, one
    encoding, so an accepted CAR re-encodes to its own bytes.
    """
    value = 0
    for index in range(9):
        byte = stream.read(1)
        if not byte:
            if index == 0:
                return None
            raise CorruptInput("CAR truncated inside a length")
        value |= (byte[0] & 0x7F) << (7 * index)
        if byte[0] < 0x80:
            if byte[0] == 0 and index > 0:
                raise CorruptInput("CAR length varint is not minimal")
            return value
    raise CorruptInput("CAR length varint too long")


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise CorruptInput("CAR truncated inside a section")
    return data


def read_header(stream: BinaryIO) -> CarHeader:
    size = _read_varint(stream)
    if size is None or size == 0:
        raise CorruptInput("empty CAR")
    if size > MAX_HEADER:
        raise CorruptInput("CAR header too large")
    raw = _read_exact(stream, size)
    if encode_varint(size) + raw == CARV2_PRAGMA:
        raise CorruptInput("CAR v2 is not supported; export CAR v1 (ipfs dag export does)")
    header = dagcbor.decode(raw)
    if not isinstance(header, dict):  # any DAG-CBOR value decodes; only a map can be a header
        raise CorruptInput("not a CAR v1 header")
    roots = header.get("roots")
    if header.get("version") != 1 or not isinstance(roots, list) or not all(isinstance(r, CID) for r in roots):
        raise CorruptInput("not a CAR v1 header")
    return CarHeader(roots)


def read_blocks(stream: BinaryIO) -> Iterator[tuple[CID, bytes]]:
    """Yield the verified blocks after the header; a block that does not match its CID raises."""
    while True:
        size = _read_varint(stream)
        if size is None:
            return
        if size > MAX_SECTION or size == 0:
            raise CorruptInput(f"CAR section of {size} bytes is out of bounds")
        section = _read_exact(stream, size)
        cid, offset = CID.decode_prefix(section)
        data = section[offset:]
        if not cid.matches(data):
            raise IntegrityError(f"CAR block {cid} does not match its CID")
        yield cid, data
