"""Hypothesis strategies for well-formed inputs of every format Cairn reads, so that mutations
start from something the decoders accept and reach their deep corners."""

from __future__ import annotations

import json
import struct
from typing import Any

from hypothesis import strategies as st

from cairn.chunking import dagcbor
from cairn.chunking.car import CarWriter, encode_header
from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.dagpb import PBLink, PBNode, encode_node
from cairn.chunking.hamt import FANOUT, MURMUR3_X64_64, encode_bitfield, slot_label
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.chunking.safetensors import DTYPE_SIZES
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.chunking.varint import encode_varint

# Names a hostile DAG or upload would use, next to ordinary ones.
HOSTILE_NAMES = ("..", ".", "", "/", "../x", "a/../../b", "/etc/passwd", "a\\..\\b", "a\0b", "C:\\x", "~", "-rf")
names = st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(max_size=12))

codecs = st.sampled_from((RAW, DAG_PB, DAG_CBOR))
hashes = st.sampled_from((SHA2_256, BLAKE3))


@st.composite
def cids(draw: st.DrawFn) -> CID:
    """A CIDv1 (or, sometimes, v0) of some drawn bytes."""
    payload = draw(st.binary(max_size=8))
    if draw(st.integers(0, 9)) == 0:
        return CID(b"\x12\x20" + CID.of(DAG_PB, SHA2_256, payload).digest)  # v0: dag-pb, sha2-256
    return CID.of(draw(codecs), draw(hashes), payload)


def _dagcbor_leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(1 << 64), max_value=(1 << 64) - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.binary(max_size=40),
        st.text(max_size=20),
        cids(),
    )


dagcbor_values = st.recursive(
    _dagcbor_leaves(),
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=8), inner, max_size=6)),
    max_leaves=24,
)


@st.composite
def unixfs_data(draw: st.DrawFn) -> UnixFSData:
    node_type = draw(st.sampled_from(list(NodeType)))
    blocksizes = tuple(draw(st.lists(st.integers(0, 1 << 20), max_size=4)))
    return UnixFSData(
        type=node_type,
        data=draw(st.none() | st.binary(max_size=24)),
        filesize=draw(st.none() | st.integers(0, 1 << 40)),
        blocksizes=blocksizes,
        hash_type=draw(st.none() | st.sampled_from((MURMUR3_X64_64, 0x11))),
        fanout=draw(st.none() | st.sampled_from((FANOUT, 8, 1024, 3, 0))),
        mode=draw(st.none() | st.integers(0, 0o7777)),
    )


@st.composite
def hamt_nodes(draw: st.DrawFn) -> PBNode:
    """A HAMT shard node whose bitfield matches its links (entries and sub-shards)."""
    slots = sorted(draw(st.sets(st.integers(0, FANOUT - 1), max_size=5)))
    links = []
    for slot in slots:
        entry = draw(st.none() | names)
        links.append(PBLink(draw(cids()), slot_label(slot) + (entry or ""), draw(st.integers(0, 1 << 20))))
    mask = sum(1 << s for s in slots)
    data = UnixFSData(NodeType.HAMT_SHARD, data=encode_bitfield(mask) or None, hash_type=MURMUR3_X64_64, fanout=FANOUT)
    return PBNode(tuple(links), data.encode())


@st.composite
def pb_nodes(draw: st.DrawFn) -> PBNode:
    """A dag-pb node: UnixFS inside (usually), hostile link names, optional sizes."""
    if draw(st.integers(0, 3)) == 0:
        return draw(hamt_nodes())
    links = draw(
        st.lists(
            st.builds(PBLink, cids(), st.none() | names, st.none() | st.integers(0, (1 << 64) - 1)),
            max_size=5,
        )
    )
    data = draw(st.one_of(st.none(), st.binary(max_size=16), unixfs_data().map(lambda u: u.encode())))
    return PBNode(tuple(links), data)


@st.composite
def cars(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A CAR v1 whose blocks match their CIDs (raw, dag-pb and dag-cbor blocks), and whether its
    header is well-formed (one in eight has a header of the wrong shape)."""
    blocks: list[tuple[CID, bytes]] = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(("raw", "pb", "cbor")))
        if kind == "raw":
            data, codec = draw(st.binary(max_size=64)), RAW
        elif kind == "pb":
            data, codec = encode_node(draw(pb_nodes())), DAG_PB
        else:
            data, codec = dagcbor.encode(draw(dagcbor_values)), DAG_CBOR
        blocks.append((CID.of(codec, draw(hashes), data), data))
    roots = draw(st.lists(st.sampled_from([c for c, _ in blocks]) if blocks else cids(), max_size=2))
    out = _Buffer()
    writer = CarWriter(out, roots)
    for cid, data in blocks:
        writer.put(cid, data)
    if draw(st.integers(0, 7)) == 0:  # a header of the wrong shape: any value, or roots/version of any type
        header = dagcbor.encode(
            draw(dagcbor_values | st.fixed_dictionaries({"roots": dagcbor_values, "version": dagcbor_values}))
        )
        return encode_varint(len(header)) + header + bytes(out.data)[len(encode_header(roots)) :], False
    return bytes(out.data), True


class _Buffer:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes | memoryview, /) -> int:
        self.data += chunk
        return len(chunk)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)

# JSON that parsers choke on in ways other than a syntax error: deep nesting (3,000 levels is past
# Python's recursion limit; the regression tests use 100,000), huge numbers, odd types.
NASTY_HEADERS = (
    b"[" * 3_000,
    b'{"a":' * 3_000,
    b'{"t": {"dtype": "F32", "shape": [' + b"9" * 5000 + b'], "data_offsets": [0, 4]}}',
    b'{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 1e400]}}',
    b'{"t": {"dtype": "U8", "shape": [true], "data_offsets": [false, true]}}',
    b'{"t": {"dtype": "F32", "shape": [NaN], "data_offsets": [0, 4]}}',
    b'{"__metadata__": {"k": ' + b"[" * 3_000 + b"}}",
    b'{"t": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]}, "t": {"dtype": "U8", "shape": [2]}}',
    b"\xef\xbb\xbf{}",
    rb'{"\ud800": {}}',
)


@st.composite
def hostile_safetensors_headers(draw: st.DrawFn) -> bytes:
    """A file whose header is valid UTF-8 and (mostly) valid JSON of the wrong shape or size."""
    text = draw(st.one_of(st.sampled_from(NASTY_HEADERS),
                          json_values.map(lambda v: json.dumps(v).encode()),
                          st.dictionaries(st.text(max_size=4), json_values, max_size=3).map(
                              lambda v: json.dumps(v).encode())))  # fmt: skip
    return struct.pack("<Q", len(text)) + text + draw(st.binary(max_size=16))


@st.composite
def safetensors_files(draw: st.DrawFn) -> bytes:
    """A safetensors file: consistent header (dtype, shape, offsets), tensor bytes, optional padding."""
    if draw(st.integers(0, 7)) == 0:
        return draw(hostile_safetensors_headers())
    header: dict[str, Any] = {}
    offset = 0
    for name in draw(st.lists(st.text(max_size=10), max_size=4, unique=True)):
        dtype = draw(st.sampled_from(sorted(DTYPE_SIZES)))
        shape = draw(st.lists(st.integers(0, 4), max_size=3))
        size = DTYPE_SIZES[dtype]
        for dim in shape:
            size *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    if draw(st.booleans()):
        header["__metadata__"] = draw(st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=3))
    text = json.dumps(header, separators=(",", ":") if draw(st.booleans()) else None).encode()
    text += b" " * draw(st.integers(0, 7))  # writers pad the header to 8 bytes with spaces
    return struct.pack("<Q", len(text)) + text + draw(st.binary(min_size=offset, max_size=offset + 8))
