"""Hand-built hostile DAGs and CARs: what the regression and hardening tests feed to Cairn."""

from __future__ import annotations

from pathlib import Path

from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, RAW
from cairn.chunking.dag import emit_pb
from cairn.chunking.dagpb import PBLink, PBNode
from cairn.chunking.hamt import FANOUT, MURMUR3_X64_64, encode_bitfield, slot_label
from cairn.chunking.multihash import SHA2_256
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.chunking.varint import encode_varint

Blocks = list[tuple[CID, bytes]]


def write_car(path: Path, roots: list[CID], blocks: Blocks) -> Path:
    with open(path, "wb") as handle:
        writer = CarWriter(handle, roots)
        for cid, data in blocks:
            writer.put(cid, data)
    return path


def car_with_header(header: bytes, sections: bytes = b"") -> bytes:
    """A CAR whose header bytes are exactly ``header`` (valid DAG-CBOR of any shape, say)."""
    return encode_varint(len(header)) + header + sections


def _node(blocks: Blocks, links: list[PBLink], data: UnixFSData) -> CID:
    cid, _ = emit_pb(PBNode(tuple(links), data.encode()), SHA2_256, lambda c, d: blocks.append((c, bytes(d))))
    return cid


def _leaf(blocks: Blocks, payload: bytes) -> CID:
    cid = CID.of(RAW, SHA2_256, payload)
    blocks.append((cid, payload))
    return cid


def directory(blocks: Blocks, entries: list[tuple[str, CID]]) -> CID:
    """A plain UnixFS directory with exactly these links, in this order (names unchecked)."""
    return _node(blocks, [PBLink(cid, name, 1) for name, cid in entries], UnixFSData(NodeType.DIRECTORY))


def one_entry_directory(name: str, payload: bytes = b"escaped") -> tuple[CID, Blocks]:
    blocks: Blocks = []
    return directory(blocks, [(name, _leaf(blocks, payload))]), blocks


def directory_bomb(links: int, levels: int) -> tuple[CID, Blocks]:
    """``levels`` directories, each linking ``links`` times (distinct names) to the one below:
    a few hundred KB of blocks that list ``links ** levels`` files."""
    blocks: Blocks = []
    below = _leaf(blocks, b"x")
    for level in range(levels):
        below = directory(blocks, [(f"{level}-{i}", below) for i in range(links)])
    return below, blocks


def hamt_bomb(levels: int) -> tuple[CID, Blocks]:
    """HAMT shards whose 256 slots all lead to the same shard one level down, ``levels`` deep."""
    blocks: Blocks = []
    leaf = _leaf(blocks, b"x")
    mask = encode_bitfield(1)
    shard = _node(blocks, [PBLink(leaf, slot_label(0) + "x", 1)],
                  UnixFSData(NodeType.HAMT_SHARD, data=mask, hash_type=MURMUR3_X64_64, fanout=FANOUT))  # fmt: skip
    full = encode_bitfield((1 << FANOUT) - 1)
    for _ in range(levels):
        links = [PBLink(shard, slot_label(slot), 1) for slot in range(FANOUT)]
        shard = _node(blocks, links, UnixFSData(NodeType.HAMT_SHARD, data=full, hash_type=MURMUR3_X64_64,
                                                fanout=FANOUT))  # fmt: skip
    return shard, blocks


def file_bomb(links: int, levels: int, leaf_size: int, claimed: int) -> tuple[CID, Blocks]:
    """A UnixFS file whose inner nodes each link ``links`` times to the node below: it holds
    ``links ** levels * leaf_size`` bytes, while its root claims ``claimed``."""
    blocks: Blocks = []
    below, size = _leaf(blocks, b"\xab" * leaf_size), leaf_size
    for level in range(levels):
        filesize = claimed if level == levels - 1 else size * links
        data = UnixFSData(NodeType.FILE, filesize=filesize, blocksizes=(size,) * links)
        below, size = _node(blocks, [PBLink(below, "", size)] * links, data), size * links
    return below, blocks


def deep_directory(depth: int) -> tuple[CID, Blocks]:
    """Directories nested ``depth`` deep, one file at the bottom."""
    blocks: Blocks = []
    below = _leaf(blocks, b"deep")
    below = directory(blocks, [("f", below)])
    for _ in range(depth):
        below = directory(blocks, [("d", below)])
    return below, blocks
