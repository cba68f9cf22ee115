"""The dag-pb codec (0x70): a node is some named, sized links plus opaque data.

Encoding is canonical (links first, then data, fields in order), so re-encoding a decoded
node gives the same bytes and the same CID. Decoding is strict: anything the dag-pb spec
does not allow is ``CorruptInput``.
"""

from __future__ import annotations

from dataclasses import dataclass

from cairn.chunking import protobuf as pb
from cairn.chunking.cid import CID
from cairn.errors import CorruptInput


@dataclass(frozen=True, slots=True)
class PBLink:
    cid: CID
    name: str | None = ""
    tsize: int | None = None


@dataclass(frozen=True, slots=True)
class PBNode:
    links: tuple[PBLink, ...]
    data: bytes | None = None


def encode_link(link: PBLink) -> bytes:
    out = pb.bytes_field(1, link.cid.raw)
    if link.name is not None:
        out += pb.bytes_field(2, link.name.encode("utf-8"))
    if link.tsize is not None:
        out += pb.varint_field(3, link.tsize)
    return out


def encode_node(node: PBNode) -> bytes:
    parts = [pb.bytes_field(2, encode_link(link)) for link in node.links]
    if node.data is not None:
        parts.append(pb.bytes_field(1, node.data))
    return b"".join(parts)


def _decode_link(buf: bytes) -> PBLink:
    cid: CID | None = None
    name: str | None = None
    tsize: int | None = None
    last = 0
    for field, wire, value in pb.fields(buf):
        if field <= last or field > 3:
            raise CorruptInput("dag-pb link fields out of order or unknown")
        last = field
        if field == 1 and isinstance(value, bytes):
            cid = CID.decode(value)
        elif field == 2 and isinstance(value, bytes):
            try:
                name = value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CorruptInput("dag-pb link name is not UTF-8") from exc
        elif field == 3 and isinstance(value, int):
            tsize = value
        else:
            raise CorruptInput(f"dag-pb link field {field} has the wrong wire type {wire}")
    if cid is None:
        raise CorruptInput("dag-pb link without a hash")
    return PBLink(cid, name, tsize)


def decode_node(buf: bytes) -> PBNode:
    links: list[PBLink] = []
    data: bytes | None = None
    for field, _wire, value in pb.fields(buf):
        if not isinstance(value, bytes):
            raise CorruptInput("dag-pb node field is not length-delimited")
        if field == 2 and data is None:
            links.append(_decode_link(value))
        elif field == 1 and data is None:
            data = value
        else:
            raise CorruptInput("dag-pb node has fields out of order or unknown")
    return PBNode(tuple(links), data)
