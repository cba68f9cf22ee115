"""HAMT-sharded UnixFS directories, built exactly as Kubo (boxo) and the JS importer build them.

A directory too big for one block is spread over a hash array mapped trie: each entry name is
hashed with murmur3-x64-64 (the first 64 bits of murmur3 x64 128, seed 0, big-endian, which is
what boxo's ``murmur3.New64().Sum`` yields), and at depth ``d`` the ``d``-th byte of that hash
picks one of 256 slots. A slot holds the entry itself when it is the only name with that hash
prefix, otherwise a sub-shard one level down. Because this shape depends only on the set of
names, building it from the finished list of entries gives the same blocks as boxo's and the JS
importer's one-by-one insertion.

Link names carry the slot as upper-case hex digits (two for fanout 256): ``"1F" + name`` for an
entry, ``"1F"`` alone for a sub-shard. The node's UnixFS ``Data`` holds the occupied slots as a
big-endian bitfield with leading zero bytes left out (boxo's ``go-bitfield.Bytes()``), plus
``hashType`` 0x22 and ``fanout``. ``Tsize`` is, as everywhere in UnixFS, the encoded node plus the
``Tsize`` of every link below it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import mmh3

from cairn.chunking.cid import CID
from cairn.chunking.dag import BlockSink, DagEntry, emit_pb
from cairn.chunking.dagpb import PBLink, PBNode
from cairn.chunking.unixfs import NodeType, UnixFSData
from cairn.errors import BadInput, CorruptInput, UnsupportedFormat

FANOUT = 256
MURMUR3_X64_64 = 0x22  # multicodec of the only HAMT hash UnixFS uses
HASH_BYTES = 8  # boxo refuses to go deeper than the 64 bits of one hash ("sharded directory too deep")
MIN_FANOUT, MAX_FANOUT = 8, 1024  # the UnixFS spec's bounds: byte-aligned bitfields, bounded nodes
_HEX_DIGITS = frozenset("0123456789ABCDEF")

_Item = tuple[bytes, str, DagEntry]  # (hash, name, entry)


def hamt_hash(name: str) -> bytes:
    """The 8 hash bytes whose successive bytes pick a slot at each depth (fanout 256)."""
    high, _low = mmh3.hash64(name.encode("utf-8"), 0, signed=False)
    return high.to_bytes(HASH_BYTES, "big")


def label_width(fanout: int) -> int:
    """Hex digits in a link-name prefix: enough for ``fanout - 1`` (2 for 256, as boxo pads)."""
    return len(f"{fanout - 1:X}")


def slot_label(slot: int, fanout: int = FANOUT) -> str:
    """The upper-case, zero-padded hex prefix that names ``slot``."""
    return f"{slot:0{label_width(fanout)}X}"


def encode_bitfield(slots: int) -> bytes:
    """The occupied-slot mask as boxo stores it: big-endian, without leading zero bytes."""
    return slots.to_bytes((slots.bit_length() + 7) // 8, "big")


def emit_hamt_directory(entries: list[tuple[str, DagEntry]], hash_code: int, sink: BlockSink) -> DagEntry:
    """Emit ``entries`` as a HAMT-sharded directory (fanout 256) and return its root.

    Every shard node goes to ``sink``, sub-shards before the shards that link to them.
    """
    names = [name for name, _ in entries]
    if len(set(names)) != len(names):
        raise BadInput("a directory cannot hold two entries with the same name")
    items = [(hamt_hash(name), name, entry) for name, entry in entries]
    return _emit_shard(items, 0, hash_code, sink)


def _emit_shard(items: list[_Item], depth: int, hash_code: int, sink: BlockSink) -> DagEntry:
    if depth == HASH_BYTES:
        raise BadInput(f"HAMT directory too deep: names {[name for _, name, _ in items]!r} share a 64-bit hash")
    by_slot: defaultdict[int, list[_Item]] = defaultdict(list)
    for item in items:
        by_slot[item[0][depth]].append(item)
    links: list[PBLink] = []
    occupied = 0
    for slot in sorted(by_slot):
        occupied |= 1 << slot
        links.append(_slot_link(slot, by_slot[slot], depth, hash_code, sink))
    data = UnixFSData(
        NodeType.HAMT_SHARD, data=encode_bitfield(occupied) or None, hash_type=MURMUR3_X64_64, fanout=FANOUT
    )
    cid, size = emit_pb(PBNode(tuple(links), data.encode()), hash_code, sink)
    tsize = size + sum(link.tsize or 0 for link in links)
    return DagEntry(cid, tsize, sum(entry.filesize for _, _, entry in items))


def _slot_link(slot: int, group: list[_Item], depth: int, hash_code: int, sink: BlockSink) -> PBLink:
    """The entry itself when it is alone in its slot, else a sub-shard holding the whole group."""
    label = slot_label(slot)
    if len(group) == 1:
        _, name, entry = group[0]
        return PBLink(entry.cid, label + name, entry.tsize)
    child = _emit_shard(group, depth + 1, hash_code, sink)
    return PBLink(child.cid, label, child.tsize)


# --- reading ---------------------------------------------------------------------------------


def parse_link_name(name: str, fanout: int = FANOUT) -> str | None:
    """The entry name a HAMT link carries, or ``None`` when the link leads to a sub-shard.

    Readers need this to list a sharded directory: a link named by its slot prefix alone is a
    sub-shard whose entries belong to the same directory; anything longer is an entry.
    """
    return parse_link(name, fanout)[1]


def parse_link(name: str | None, fanout: int = FANOUT) -> tuple[int, str | None]:
    """``(slot, entry name or None for a sub-shard)`` of one HAMT link name.

    Raises ``CorruptInput`` for a missing name, a prefix that is not upper-case hex of the
    right width, or a slot beyond the fanout: such a link cannot have come from a HAMT writer.
    """
    width = label_width(fanout)
    if not name or len(name) < width:
        raise CorruptInput(f"HAMT link name {name!r} is shorter than its {width}-digit slot prefix")
    prefix = name[:width]
    if not set(prefix) <= _HEX_DIGITS:
        raise CorruptInput(f"HAMT link name {name!r} does not start with an upper-case hex slot")
    slot = int(prefix, 16)
    if slot >= fanout:
        raise CorruptInput(f"HAMT link name {name!r} names slot {slot}, past the fanout {fanout}")
    return slot, (name[width:] or None)


@dataclass(frozen=True, slots=True)
class HamtLink:
    """One link of a decoded shard: its slot, its entry name (``None``: a sub-shard) and target."""

    slot: int
    name: str | None
    cid: CID

    @property
    def is_shard(self) -> bool:
        return self.name is None


def shard_links(node: PBNode, data: UnixFSData) -> list[HamtLink]:
    """Check a decoded HAMT shard node against its own header and return its links.

    The header must say murmur3-x64-64 and a power-of-two fanout the spec allows, and the links
    must name exactly the slots set in the bitfield, in slot order. A shard that breaks this
    would send lookups to the wrong place, so it is refused (``CorruptInput``) rather than
    half-read; an unknown hash function is ``UnsupportedFormat``.
    """
    fanout = _checked_fanout(data)
    links = [_hamt_link(link, fanout) for link in node.links]
    slots = [link.slot for link in links]
    if slots != sorted(set(slots)):
        raise CorruptInput("HAMT links are not in strictly increasing slot order")
    mask = int.from_bytes(data.data or b"", "big")
    if mask != sum(1 << slot for slot in slots):
        raise CorruptInput("HAMT bitfield does not match the slots of its links")
    return links


def _checked_fanout(data: UnixFSData) -> int:
    if data.type != NodeType.HAMT_SHARD:
        raise CorruptInput(f"expected a HAMT shard, found a UnixFS {data.type.name.lower()}")
    if data.hash_type != MURMUR3_X64_64:
        raise UnsupportedFormat(f"HAMT hash function {data.hash_type!r} is not murmur3-x64-64 (0x22)")
    fanout = data.fanout
    if fanout is None or not MIN_FANOUT <= fanout <= MAX_FANOUT or fanout & (fanout - 1):
        raise CorruptInput(f"HAMT fanout {fanout!r} is not a power of two from 8 to 1024")
    return fanout


def _hamt_link(link: PBLink, fanout: int) -> HamtLink:
    slot, name = parse_link(link.name, fanout)
    return HamtLink(slot, name, link.cid)


def slot_path(name: str, fanout: int = FANOUT) -> list[int]:
    """The slot to follow at each depth when looking ``name`` up (fanout 256 uses whole bytes)."""
    if fanout != FANOUT:
        raise UnsupportedFormat(f"HAMT lookups are implemented for fanout {FANOUT}, not {fanout}")
    return list(hamt_hash(name))
