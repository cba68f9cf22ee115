"""dag-pb and UnixFS encoding, known CIDs, and the HAMT helpers, without any reference tool.

The known vectors come from the UnixFS spec and IPIP-499 (empty directory, empty raw leaf,
"hello world") and from Kubo v0.41.0 (`ipfs add -r --cid-version=1 --raw-leaves`, with
``Import.UnixFSHAMTDirectorySizeThreshold`` set to ``1B`` to force small HAMTs); the murmur3
vectors were printed by the Go package boxo hashes with (github.com/spaolacci/murmur3).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.chunking import hamt
from cairn.chunking.cid import CID, DAG_PB, RAW
from cairn.chunking.dag import BlockSink, DagEntry, discard, emit_directory
from cairn.chunking.dagpb import PBLink, PBNode, decode_node, encode_node
from cairn.chunking.hamt import (
    MURMUR3_X64_64,
    emit_hamt_directory,
    encode_bitfield,
    hamt_hash,
    parse_link,
    parse_link_name,
    shard_links,
    slot_label,
    slot_path,
)
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.errors import BadInput, CorruptInput, InvalidCID, UnsupportedFormat

EMPTY_DIR = bytes.fromhex("0a020801")  # PBNode{Data: UnixFS{Type: Directory}}


def leaf(content: bytes) -> DagEntry:
    return DagEntry(CID.of(RAW, SHA2_256, content), len(content), len(content))


def collect() -> tuple[dict[CID, bytes], BlockSink]:
    blocks: dict[CID, bytes] = {}

    def sink(cid: CID, data: bytes | memoryview) -> None:
        blocks[cid] = bytes(data)

    return blocks, sink


# --- known vectors --------------------------------------------------------------------------


def test_empty_directory_is_the_well_known_cid() -> None:
    node = PBNode((), UnixFSData(NodeType.DIRECTORY).encode())
    assert encode_node(node) == EMPTY_DIR
    assert str(CID.of(DAG_PB, SHA2_256, EMPTY_DIR)) == "bafybeiczsscdsbs7ffqz55asqdf3smv6klcw3gofszvwlyarci47bgf354"
    v0 = CID(bytes.fromhex("1220") + CID.of(DAG_PB, SHA2_256, EMPTY_DIR).digest)
    assert str(v0) == "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
    assert emit_directory([], SHA2_256, discard).cid == CID.of(DAG_PB, SHA2_256, EMPTY_DIR)


def test_raw_leaf_vectors() -> None:
    assert str(leaf(b"").cid) == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"
    assert str(leaf(b"hello world").cid) == "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"


def test_dag_pb_wrapped_file_vector() -> None:
    """IPIP-499's unixfs-v0-2015 "hello world": a UnixFS File node carrying its data inline."""
    data = UnixFSData(NodeType.FILE, data=b"hello world", filesize=11).encode()
    block = encode_node(PBNode((), data))
    cid = CID.of(DAG_PB, SHA2_256, block)
    assert str(CID(bytes.fromhex("1220") + cid.digest)) == "Qmf412jQZiuVUtdgnB36FXFX7xg5V6KEbSJ4dpQuhkLyfD"


def test_directory_vector_from_kubo() -> None:
    entry = emit_directory([("hello.txt", leaf(b"hello world"))], SHA2_256, discard)
    assert str(entry.cid) == "bafybeic6svhkwl3y2wvkj33weshyjjs5cbvgijh7yo3kjasyglrdwe2l74"
    assert entry.filesize == 11


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([(n, n.encode()) for n in "abc"], "bafybeicroixbxz6jzngqq3jt26j33sqkpbczszihfpsmqty2zbqnvyec5y"),
        (
            [(f"entry-{i}", str(i).encode()) for i in range(600)],
            "bafybeidkzv3yqvnzsjuvisvvuarblozf3jhz2omzghs6vl5jtn5haha37m",
        ),
    ],
    ids=["3-entries", "600-entries-with-sub-shards"],
)
def test_hamt_vectors_from_kubo(files: list[tuple[str, bytes]], expected: str) -> None:
    """Kubo with a 1-byte threshold, so even three files make a HAMT."""
    entries = [(name, leaf(content)) for name, content in files]
    assert str(emit_hamt_directory(entries, SHA2_256, discard).cid) == expected


@pytest.mark.parametrize(
    ("name", "digest"),
    [
        ("", "0000000000000000"),
        ("a", "85555565f6597889"),
        ("hello", "cbd8a7b341bd9b02"),
        ("ünïcødé 🎉", "22b8d8ecea747284"),
        ("file-00001.bin", "7c6e7bec8f89866f"),
    ],
)
def test_hamt_hash_matches_boxo(name: str, digest: str) -> None:
    assert hamt_hash(name).hex() == digest
    assert slot_path(name) == list(bytes.fromhex(digest))


@pytest.mark.parametrize(
    ("slots", "expected"),
    [
        (set(), b""),
        ({0}, b"\x01"),
        ({7, 8}, b"\x01\x80"),
        ({255}, b"\x80" + bytes(31)),
        ({0, 255}, b"\x80" + bytes(30) + b"\x01"),
    ],
)
def test_bitfield_is_big_endian_without_leading_zeros(slots: set[int], expected: bytes) -> None:
    assert encode_bitfield(sum(1 << slot for slot in slots)) == expected


# --- round trips ----------------------------------------------------------------------------

cids = st.builds(
    CID.build,
    st.sampled_from([RAW, DAG_PB]),
    st.sampled_from([SHA2_256, BLAKE3]),
    st.binary(min_size=32, max_size=32),
)
links = st.builds(PBLink, cids, st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.integers(0, 2**63)))
nodes = st.builds(PBNode, st.lists(links, max_size=8).map(tuple), st.one_of(st.none(), st.binary(max_size=64)))


@given(nodes)
def test_dag_pb_round_trip(node: PBNode) -> None:
    block = encode_node(node)
    assert decode_node(block) == node
    assert encode_node(decode_node(block)) == block


unixfs_data = st.builds(
    UnixFSData,
    st.sampled_from(list(NodeType)),
    st.one_of(st.none(), st.binary(max_size=64)),
    st.one_of(st.none(), st.integers(0, 2**64 - 1)),
    st.lists(st.integers(0, 2**40), max_size=6).map(tuple),
    st.one_of(st.none(), st.integers(0, 0xFF)),
    st.one_of(st.none(), st.sampled_from([8, 256, 1024])),
    st.one_of(st.none(), st.integers(0, 0o7777)),
)


@given(unixfs_data)
def test_unixfs_round_trip(data: UnixFSData) -> None:
    assert UnixFSData.decode(data.encode()) == data


def test_unixfs_reads_packed_blocksizes_and_skips_mtime() -> None:
    # Type=File, blocksizes packed as one length-delimited field [3, 300], mtime {Seconds: 5}
    buf = bytes.fromhex("0802") + bytes.fromhex("2203") + bytes([3, 0xAC, 0x02]) + bytes.fromhex("42020805")
    assert UnixFSData.decode(buf) == UnixFSData(NodeType.FILE, blocksizes=(3, 300))


# --- malformed input ------------------------------------------------------------------------

HASH_FIELD = b"\x0a\x24" + CID.of(DAG_PB, SHA2_256, EMPTY_DIR).raw  # PBLink.Hash, a valid CID


def links_field(link: bytes) -> bytes:
    """A PBNode.Links entry around the encoded PBLink ``link``."""
    return b"\x12" + bytes([len(link)]) + link


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(EMPTY_DIR + links_field(HASH_FIELD), id="link-after-data"),
        pytest.param(b"\x0a\x00\x0a\x00", id="two-data-fields"),
        pytest.param(b"\x12\x02\x12\x00", id="link-without-hash"),
        pytest.param(b"\x12\x04\x12\x00\x0a\x00", id="link-name-before-hash"),
        pytest.param(b"\x1a\x00", id="unknown-node-field"),
        pytest.param(b"\x08\x01", id="data-as-varint"),
        pytest.param(b"\x0a\x05\x08", id="truncated"),
        pytest.param(links_field(HASH_FIELD + b"\x12\x01\xff"), id="name-not-utf8"),
        pytest.param(links_field(HASH_FIELD + b"\x1a\x01\x00"), id="tsize-as-bytes"),
        pytest.param(links_field(HASH_FIELD + b"\x20\x01"), id="unknown-link-field"),
    ],
)
def test_dag_pb_rejects_malformed_blocks(block: bytes) -> None:
    with pytest.raises(CorruptInput):
        decode_node(block)


def test_dag_pb_rejects_a_malformed_link_cid() -> None:
    with pytest.raises(InvalidCID):
        decode_node(b"\x12\x05\x0a\x03\x01\x70\x12")


@pytest.mark.parametrize(
    "buf",
    [
        pytest.param(b"", id="no-type"),
        pytest.param(b"\x08\x09", id="unknown-type"),
        pytest.param(b"\x08\x02\x48\x01", id="unknown-field"),
        pytest.param(b"\x08\x02\x1a\x00", id="filesize-as-bytes"),
        pytest.param(b"\x08", id="truncated"),
    ],
)
def test_unixfs_rejects_malformed_data(buf: bytes) -> None:
    with pytest.raises(CorruptInput):
        UnixFSData.decode(buf)


# --- HAMT link names and shards -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slot", "entry"),
    [("1Fname", 0x1F, "name"), ("FF", 0xFF, None), ("00a", 0, "a"), ("ABCD", 0xAB, "CD"), ("0A.", 10, ".")],
)
def test_parse_link_splits_slot_and_entry(name: str, slot: int, entry: str | None) -> None:
    assert parse_link(name) == (slot, entry)
    assert parse_link_name(name) == entry


@pytest.mark.parametrize("name", ["", "A", "1f", "1fname", "G1x", " 1x", "+1x", "١٢x", "-1"])
def test_parse_link_rejects_malformed_names(name: str) -> None:
    with pytest.raises(CorruptInput):
        parse_link_name(name)


def test_parse_link_rejects_missing_name() -> None:
    with pytest.raises(CorruptInput):
        parse_link(None)


def test_link_prefix_width_follows_the_fanout() -> None:
    assert parse_link("7", 8) == (7, None)
    assert parse_link("3FFa", 1024) == (1023, "a")
    assert slot_label(5) == "05" and slot_label(5, 1024) == "005"
    with pytest.raises(CorruptInput):
        parse_link("8x", 8)  # slot 8 of a fanout of 8


def hamt_blocks(count: int) -> tuple[DagEntry, dict[CID, bytes], dict[str, DagEntry]]:
    entries = {f"name-{i}": leaf(str(i).encode()) for i in range(count)}
    blocks, sink = collect()
    root = emit_hamt_directory(list(entries.items()), SHA2_256, sink)
    return root, blocks, entries


def read_shard(cid: CID, blocks: dict[CID, bytes], depth: int = 0) -> dict[str, tuple[CID, list[int]]]:
    """Every entry below a shard, with the slots the reader walked to reach it."""
    node = decode_node(blocks[cid])
    assert node.data is not None
    found: dict[str, tuple[CID, list[int]]] = {}
    for link in shard_links(node, UnixFSData.decode(node.data)):
        if link.is_shard:
            for name, (target, path) in read_shard(link.cid, blocks, depth + 1).items():
                found[name] = (target, [link.slot, *path])
        else:
            assert link.name is not None
            found[link.name] = (link.cid, [link.slot])
    return found


def test_hamt_shape_and_sizes() -> None:
    """Every entry is reachable along its own hash bytes, once; Tsize and filesize add up."""
    root, blocks, entries = hamt_blocks(700)
    found = read_shard(root.cid, blocks)
    assert {name: target for name, (target, _) in found.items()} == {n: e.cid for n, e in entries.items()}
    for name, (_, path) in found.items():
        assert path == slot_path(name)[: len(path)]
    assert max(len(path) for _, path in found.values()) >= 2  # 700 names in 256 slots collide
    assert root.tsize == sum(len(block) for block in blocks.values()) + sum(e.tsize for e in entries.values())
    assert root.filesize == sum(e.filesize for e in entries.values())


def test_hamt_header() -> None:
    root, blocks, _ = hamt_blocks(3)
    node = decode_node(blocks[root.cid])
    assert node.data is not None
    data = UnixFSData.decode(node.data)
    assert (data.type, data.hash_type, data.fanout) == (NodeType.HAMT_SHARD, MURMUR3_X64_64, 256)
    assert data.filesize is None and data.blocksizes == ()
    assert [link.name for link in node.links] == sorted(link.name or "" for link in node.links)


def test_hamt_refuses_duplicate_names() -> None:
    with pytest.raises(BadInput):
        emit_hamt_directory([("a", leaf(b"1")), ("a", leaf(b"2"))], SHA2_256, discard)


def test_hamt_refuses_names_sharing_all_64_hash_bits(monkeypatch: pytest.MonkeyPatch) -> None:
    """boxo stops at 64 bits too ("sharded directory too deep"); recursing on would never end."""
    monkeypatch.setattr(hamt, "hamt_hash", lambda name: bytes(8))
    with pytest.raises(BadInput, match="too deep"):
        emit_hamt_directory([("a", leaf(b"1")), ("b", leaf(b"2"))], SHA2_256, discard)


def tampered(change: str) -> tuple[PBNode, UnixFSData]:
    root, blocks, _ = hamt_blocks(3)
    node = decode_node(blocks[root.cid])
    assert node.data is not None
    data = UnixFSData.decode(node.data)
    if change == "bitfield":
        return node, UnixFSData(data.type, data=b"\x01" + (data.data or b""), hash_type=0x22, fanout=256)
    if change == "order":
        return PBNode(node.links[::-1], node.data), data
    if change == "duplicate-slot":
        return PBNode((node.links[0], node.links[0]), node.data), data
    if change == "fanout":
        return node, UnixFSData(data.type, data=data.data, hash_type=0x22, fanout=100)
    if change == "type":
        return node, UnixFSData(NodeType.DIRECTORY, data=data.data, hash_type=0x22, fanout=256)
    if change == "bad-name":
        first = node.links[0]
        return PBNode((PBLink(first.cid, "zz" + (first.name or "")), *node.links[1:]), node.data), data
    raise AssertionError(change)


@pytest.mark.parametrize("change", ["bitfield", "order", "duplicate-slot", "fanout", "type", "bad-name"])
def test_shard_links_refuses_inconsistent_shards(change: str) -> None:
    with pytest.raises(CorruptInput):
        shard_links(*tampered(change))


def test_shard_links_refuses_unknown_hash_function() -> None:
    root, blocks, _ = hamt_blocks(3)
    node = decode_node(blocks[root.cid])
    data = UnixFSData.decode(node.data or b"")
    assert len(shard_links(node, data)) == 3
    with pytest.raises(UnsupportedFormat):
        shard_links(node, UnixFSData(data.type, data=data.data, hash_type=0x23, fanout=256))
