"""The fuzz targets: each takes the bytes an attacker controls and runs the code that reads them,
returning what it decoded so the tests can check round trips and invariants."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from cairn.chunking import dagcbor
from cairn.chunking.car import CarHeader, CarWriter, read_blocks, read_header
from cairn.chunking.cid import CID
from cairn.chunking.dagpb import PBNode, decode_node
from cairn.chunking.hamt import HamtLink, shard_links
from cairn.chunking.safetensors import SafetensorsHeader, parse_header
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.chunking.varint import decode_varint
from cairn.errors import BlockNotFound


class Buffer:
    """A write-only byte sink for ``CarWriter``."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes | memoryview, /) -> int:
        self.data += chunk
        return len(chunk)


def read_car(data: bytes) -> tuple[CarHeader, list[tuple[CID, bytes]]]:
    stream = io.BytesIO(data)
    header = read_header(stream)
    return header, list(read_blocks(stream))


def write_car(header: CarHeader, blocks: list[tuple[CID, bytes]]) -> bytes:
    out = Buffer()
    writer = CarWriter(out, header.roots)
    for cid, block in blocks:
        writer.put(cid, block)
    return bytes(out.data)


def car_header_keys(data: bytes) -> set[str]:
    """The keys of an accepted CAR's header map (a header with more than roots and version is
    valid CAR, but re-encoding from the roots alone cannot give its bytes back)."""
    size, offset = decode_varint(data)
    value = dagcbor.decode(data[offset : offset + size])
    return set(value)


@dataclass(frozen=True)
class PbRead:
    node: PBNode
    unixfs: UnixFSData | None
    shard: list[HamtLink] | None


def read_pb(data: bytes) -> PbRead:
    """A dag-pb block as a UnixFS reader sees it: the node, its UnixFS data, its HAMT links."""
    node = decode_node(data)
    unixfs = UnixFSData.decode(node.data) if node.data is not None else None
    shard = shard_links(node, unixfs) if unixfs is not None and unixfs.type == NodeType.HAMT_SHARD else None
    return PbRead(node, unixfs, shard)


def read_safetensors(data: bytes) -> SafetensorsHeader:
    return parse_header(data, len(data))


def read_cbor(data: bytes) -> object:
    return dagcbor.decode(data)


class MemoryStore:
    """Blocks by CID, handed out as stored: an attacker who crafts a DAG also crafts its CIDs, so
    a store that checked hashes would change nothing about what the readers must survive."""

    def __init__(self) -> None:
        self.blocks: dict[bytes, bytes] = {}

    def has(self, cid: CID) -> bool:
        return cid.raw in self.blocks

    def get(self, cid: CID) -> bytes:
        try:
            return self.blocks[cid.raw]
        except KeyError:
            raise BlockNotFound(f"block {cid} is not in the memory store") from None

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        new = cid.raw not in self.blocks
        self.blocks[cid.raw] = bytes(data)
        return new

    def iter_cids(self) -> Iterator[CID]:
        yield from (CID(raw) for raw in self.blocks)
