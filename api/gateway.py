"""The IPFS gateway at ``/ipfs/{cid}[/{path}]``: trustless responses (raw blocks, CARs) and plain files.

What answers is chosen by content negotiation, as the trustless-gateway spec says: ``?format=``
first, then ``Accept``. ``raw`` is the block itself (only for a bare CID); ``car`` is a CAR v1
stream of the path's blocks and the ``dag-scope`` of its target (``cairn.storage.dagscope``), produced
block by block; anything else (a browser) gets the UnixFS file with Range and ETag support, or a
directory's ``index.html`` or listing. Paths are resolved inside the block store
(``cairn.storage.unixfs_path``), never on a filesystem. Reads are public like REST v1; errors are the
JSON body of ``cairn.api.errors``.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from cairn import __version__
from cairn.api.artifacts import file_response
from cairn.api.blocks import CAR_TYPE, RAW_TYPE
from cairn.api.deps import Caller, ReaderDep, RepoDep, access_of
from cairn.api.errors import ERROR_RESPONSES, ApiError, ErrorBody
from cairn.api.ranges import etag_matches, parse_range
from cairn.chunking.car import encode_header, encode_section
from cairn.chunking.cid import CID, DAG_CBOR, DAG_PB, RAW
from cairn.chunking.multibase import b32_decode
from cairn.chunking.unixfs import NodeType
from cairn.chunking.varint import decode_varint
from cairn.errors import BadInput
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import BlockStore
from cairn.storage.dagscope import CarSelection, DagScope, EntityBytes, selected_blocks
from cairn.storage.unixfs_path import Resolved, directory_entries, find_entry, resolve, split_path
from cairn.storage.unixfs_read import file_size, iter_range, kind_of

router = APIRouter(tags=["gateway"], responses=ERROR_RESPONSES)

IMMUTABLE = "public, max-age=29030400, immutable"
DAG_CBOR_TYPE = "application/vnd.ipld.dag-cbor"
IDENTITY = 0x00  # the multihash whose "digest" is the data itself
MAX_IDENTITY_TEXT = 200  # identity CIDs hold tiny inline data; longer text is parsed as a normal CID
SNIFF_BYTES = 512
_CAR_DEFAULTS = {"version": "1", "order": "dfs", "dups": "n"}
_CAR_ALLOWED = {"version": {"1"}, "order": {"dfs", "unk"}, "dups": {"y", "n"}}


@dataclass(frozen=True)
class CarParams:
    """The CAR variant agreed with the client (IPIP-412); ``order=unk`` is answered with ``dfs``."""

    dups: bool = False

    @property
    def media_type(self) -> str:
        return f"{CAR_TYPE}; version=1; order=dfs; dups={'y' if self.dups else 'n'}"


@dataclass(frozen=True)
class Wanted:
    kind: Literal["raw", "car", "plain"]
    car: CarParams = CarParams()
    explicit: bool = False  # chosen by ?format=, so no Content-Location is needed


@dataclass(frozen=True)
class GatewayRequest:
    """One request, as the response builders need it."""

    request: Request
    store: BlockStore  # the caller's view: blocks only private artifacts hold are absent
    cid_text: str
    path: str
    wanted: Wanted

    @property
    def ipfs_path(self) -> str:
        return quote(f"/ipfs/{self.cid_text}" + (f"/{self.path}" if self.path else ""), safe="/")

    def query(self, name: str) -> str | None:
        return self.request.query_params.get(name)

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)


GET_AND_HEAD = ["GET", "HEAD"]
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "A raw block, a CAR stream, a file (typed by its name or bytes), a listing or a DAG-CBOR block",
        "content": {RAW_TYPE: {}, CAR_TYPE: {}, DAG_CBOR_TYPE: {}, "text/html": {}, "*/*": {}},
    },
    206: {"description": "Partial content (Range)", "content": {RAW_TYPE: {}, "*/*": {}}},
    301: {"description": "A directory asked for without its trailing slash"},
    304: {"description": "Not modified (If-None-Match)"},
    406: {"model": ErrorBody, "description": "A block of a codec this gateway only serves as raw or CAR"},
    412: {"model": ErrorBody, "description": "Cache-Control: only-if-cached and the block is not here"},
    416: {"model": ErrorBody, "description": "Range not satisfiable"},
    501: {"model": ErrorBody, "description": "A UnixFS entry kind not served (symlink)"},
}


@router.api_route("/ipfs/{cid}", methods=GET_AND_HEAD, response_class=Response, responses=_RESPONSES)
def ipfs_cid(
    cid: str,
    request: Request,
    repo: RepoDep,
    caller: ReaderDep,
    format: Annotated[str | None, Query(description="raw or car (wins over Accept)")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """A block (``format=raw``), a CAR (``format=car``, ``dag-scope``, ``entity-bytes``) or the file itself."""
    return serve(request, repo, caller, cid, "", format, accept)


@router.api_route("/ipfs/{cid}/{path:path}", methods=GET_AND_HEAD, response_class=Response, responses=_RESPONSES)
def ipfs_cid_path(
    cid: str,
    path: str,
    request: Request,
    repo: RepoDep,
    caller: ReaderDep,
    format: Annotated[str | None, Query(description="car (raw needs a bare CID)")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """What a path below a CID leads to, through UnixFS directories (HAMT too) and DAG-CBOR links."""
    return serve(request, repo, caller, cid, path, format, accept)


def serve(
    request: Request, repo: Repo, caller: Caller, cid_text: str, path: str, format: str | None, accept: str | None
) -> Response:
    """Everything that needs no block is checked first (CID, visibility, names, format), then answered."""
    inline = identity_block(cid_text)
    root = inline[0] if inline else parse_root(cid_text)
    names = split_path(path)  # UnsafePath -> 400 before any block is read
    store = access_of(caller).store(repo)  # a private artifact's blocks, manifest included, read as absent
    gw = GatewayRequest(request, store, cid_text, path, negotiate(format, accept, request))
    if gw.wanted.kind == "raw" and names:
        raise ApiError(400, "bad_request", "raw blocks are served for /ipfs/{cid} only, without a path")
    response = identity_response(gw, *inline, names) if inline else stored_response(gw, root, names)
    return head_only(response) if request.method == "HEAD" else response


def stored_response(gw: GatewayRequest, root: CID, names: list[str]) -> Response:
    if "only-if-cached" in (gw.header("cache-control") or "") and not gw.store.has(root):
        raise ApiError(412, "not_cached", f"{root} is not in this gateway's store")  # trustless spec
    resolved = resolve(gw.store, root, names)
    builders = {"raw": raw_response, "car": car_response, "plain": plain_response}
    return builders[gw.wanted.kind](gw, resolved)


def parse_root(text: str) -> CID:
    """The CID of the URL; anything Cairn cannot parse is a 400 with the JSON error body."""
    try:
        return CID.parse(text)
    except BadInput as exc:
        raise ApiError(400, "invalid_cid", f"{text[:80]!r} is not a CID this gateway reads: {exc}") from exc


def identity_block(text: str) -> tuple[CID, bytes] | None:
    """An identity CID (multihash 0x00) of a raw block carries its bytes inline: ``(cid, bytes)``.

    Nothing is read from the store for it, and CARs never carry it as a block (spec). The spec's
    probe path ``/ipfs/bafkqaaa`` is the empty one.
    """
    if not text.startswith("b") or len(text) > MAX_IDENTITY_TEXT:
        return None
    try:
        raw = b32_decode(text[1:])
        version, pos = decode_varint(raw)
        codec, pos = decode_varint(raw, pos)
        code, pos = decode_varint(raw, pos)
        size, pos = decode_varint(raw, pos)
    except BadInput:
        return None
    if (version, codec, code) != (1, RAW, IDENTITY) or len(raw) - pos != size:
        return None
    return CID(raw), raw[pos:]


# --- content negotiation ----------------------------------------------------------------------


def negotiate(format: str | None, accept: str | None, request: Request) -> Wanted:
    """``?format=`` wins over ``Accept`` (spec); CAR parameters come from Accept, then ``car-*`` queries."""
    ranges = media_ranges(accept or "")
    if format in ("raw", "car"):
        car_params = next((params for media, params in ranges if media == CAR_TYPE), {})
        chosen: Literal["raw", "car"] = "raw" if format == "raw" else "car"
        return Wanted(chosen, car_from(car_params, request), explicit=True)
    if format:
        raise ApiError(400, "bad_format", f"format={format!r} is not served here; use raw or car")
    refused: str | None = None
    for media, params in ranges:
        if media == RAW_TYPE:
            return Wanted("raw")
        if media != CAR_TYPE:
            return Wanted("plain")
        try:
            return Wanted("car", car_from(params, request))
        except ApiError as exc:
            refused = exc.detail  # perhaps a later, less preferred variant is one we serve
    if refused:
        raise ApiError(400, "bad_format", refused)
    return Wanted("plain")


def media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    """``Accept`` as (type, parameters), highest ``q`` first; ties keep the client's order."""
    ranked: list[tuple[float, int, str, dict[str, str]]] = []
    for index, item in enumerate(accept.split(",")):
        kind, *raw_params = (part.strip() for part in item.split(";"))
        params = {k.strip().lower(): v.strip().strip('"') for k, _, v in (p.partition("=") for p in raw_params)}
        try:
            q = float(params.pop("q", "1"))
        except ValueError:
            q = 0.0
        if kind and q > 0:
            ranked.append((-q, index, kind.lower(), params))
    return [(kind, params) for _, _, kind, params in sorted(ranked, key=lambda r: (r[0], r[1]))]


def car_from(params: dict[str, str], request: Request) -> CarParams:
    """The CAR variant: Accept parameters, overridden by ``car-version``/``car-order``/``car-dups`` (IPIP-523)."""
    chosen = {**_CAR_DEFAULTS, **{k: v for k, v in params.items() if k in _CAR_DEFAULTS}}
    for key in _CAR_DEFAULTS:
        given = request.query_params.get(f"car-{key}")
        if given is not None:
            chosen[key] = given
    for key, allowed in _CAR_ALLOWED.items():
        if chosen[key] not in allowed:
            raise ApiError(400, "bad_format", f"CAR {key}={chosen[key]!r} is not supported; use {sorted(allowed)}")
    return CarParams(dups=chosen["dups"] == "y")


# --- headers shared by every answer -----------------------------------------------------------


def common_headers(gw: GatewayRequest, resolved: Resolved) -> dict[str, str]:
    headers = {
        "X-Ipfs-Path": gw.ipfs_path,
        "X-Ipfs-Roots": ",".join(str(cid) for cid in resolved.roots),
        "Cache-Control": IMMUTABLE,
        "Vary": "Accept",
    }
    if not gw.wanted.explicit and gw.wanted.kind != "plain":  # negotiated by Accept: name the URL (spec)
        query = urlencode([*gw.request.query_params.multi_items(), ("format", gw.wanted.kind)])
        headers["Content-Location"] = f"{quote(gw.request.url.path, safe='/')}?{query}"
    return headers


def disposition(kind: str, filename: str) -> str:
    """``Content-Disposition`` with an ASCII fallback name and the exact UTF-8 one (RFC 6266)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def bytes_response(gw: GatewayRequest, data: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """A small in-memory body (one block) with If-None-Match and a single Range honoured."""
    if etag_matches(gw.header("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    wanted = parse_range(gw.header("range"), len(data))
    if wanted is None:
        return Response(data, media_type=media_type, headers=headers)
    headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end - 1}/{len(data)}"
    return Response(data[wanted.start : wanted.end], status_code=206, media_type=media_type, headers=headers)


def head_only(response: Response) -> Response:
    """The same status and headers without a body: Content-Length as GET would send it, or none for a stream."""
    head = Response(status_code=response.status_code, headers=dict(response.headers))
    if "content-length" not in response.headers and "content-length" in head.headers:
        del head.headers["content-length"]
    return head


# --- raw blocks -------------------------------------------------------------------------------


def raw_response(gw: GatewayRequest, resolved: Resolved) -> Response:
    return block_response(gw, resolved, gw.store.get(resolved.target))


def block_response(gw: GatewayRequest, resolved: Resolved, data: bytes) -> Response:
    """The block, byte for byte, as a download; a ``Range`` gives 206 (clients may resume)."""
    cid = resolved.target
    headers = {
        **common_headers(gw, resolved),
        "ETag": f'"{cid}.raw"',
        "Accept-Ranges": "bytes",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": disposition("attachment", gw.query("filename") or f"{cid}.bin"),
    }
    return bytes_response(gw, data, RAW_TYPE, headers)


# --- CARs -------------------------------------------------------------------------------------


def car_selection(gw: GatewayRequest, resolved: Resolved) -> CarSelection:
    """``dag-scope`` and ``entity-bytes`` from the query; ``entity-bytes`` implies ``entity`` (IPIP-402)."""
    scope_text = gw.query("dag-scope") or "all"
    try:
        scope = DagScope(scope_text)
    except ValueError as exc:
        raise ApiError(400, "bad_request", f"dag-scope must be block, entity or all, not {scope_text!r}") from exc
    range_text = gw.query("entity-bytes")
    entity_bytes = EntityBytes.parse(range_text) if range_text else None
    if entity_bytes is not None:
        scope = DagScope.ENTITY
    return CarSelection(resolved, scope, entity_bytes, gw.wanted.car.dups)


def car_response(gw: GatewayRequest, resolved: Resolved) -> Response:
    """A CAR v1 stream: the path's blocks, then the target's scope, each block read when sent."""
    selection = car_selection(gw, resolved)
    gw.store.get(resolved.target)  # a missing target is a 404 now, not a truncated stream later
    return car_reply(gw, selection, car_stream(gw.store, selection))


def car_reply(gw: GatewayRequest, selection: CarSelection, body: Iterator[bytes]) -> Response:
    headers = {
        **common_headers(gw, selection.resolved),
        "ETag": car_etag(gw, selection),
        "Accept-Ranges": "none",  # a stream: resume with entity-bytes, not Range
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": disposition("attachment", gw.query("filename") or f"{selection.resolved.root}.car"),
    }
    if etag_matches(gw.header("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return StreamingResponse(body, media_type=gw.wanted.car.media_type, headers=headers)


def car_etag(gw: GatewayRequest, selection: CarSelection) -> str:
    """``"<cid>.car.<hash>"``: the same root, path and parameters always give the same bytes."""
    key = f"{gw.path}|{selection.scope}|{selection.entity_bytes}|{gw.wanted.car.media_type}"
    return f'"{selection.resolved.root}.car.{hashlib.blake2b(key.encode(), digest_size=8).hexdigest()}"'


def car_stream(store: BlockStore, selection: CarSelection) -> Iterator[bytes]:
    yield encode_header([selection.resolved.root])
    for cid, data in selected_blocks(store, selection):
        yield b"".join((encode_section(cid, data), data))


# --- plain (deserialized) answers for browsers ------------------------------------------------


def plain_response(gw: GatewayRequest, resolved: Resolved) -> Response:
    """What a browser wants: the file, a directory's index.html or listing, or a DAG-CBOR block."""
    target = resolved.target
    if target.codec == DAG_CBOR:
        headers = {**common_headers(gw, resolved), "ETag": f'"{target}"', "X-Content-Type-Options": "nosniff"}
        headers["Content-Disposition"] = disposition("attachment", gw.query("filename") or f"{target}.cbor")
        return bytes_response(gw, gw.store.get(target), DAG_CBOR_TYPE, headers)
    if target.codec not in (RAW, DAG_PB):
        raise ApiError(406, "not_acceptable", f"{target} can only be served with format=raw or format=car")
    kind = kind_of(gw.store, target)
    if kind in (NodeType.FILE, NodeType.RAW):
        return unixfs_file(gw, resolved, target, gw.path.rstrip("/").rpartition("/")[2])
    if kind in (NodeType.DIRECTORY, NodeType.HAMT_SHARD):
        return directory_response(gw, resolved)
    raise ApiError(501, "not_implemented", f"UnixFS {kind.name.lower()} entries are not served")


def unixfs_file(gw: GatewayRequest, resolved: Resolved, cid: CID, name: str) -> Response:
    """A file via ``cairn.api.artifacts.file_response`` (Range, ETag, 304), typed by its name or first bytes."""
    size = file_size(gw.store, cid)
    response = file_response(gw.store, cid, size, gw.header("range"), gw.header("if-none-match"))
    response.headers.update(common_headers(gw, resolved))
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code != 304:
        response.headers["Content-Type"] = content_type(gw.store, cid, size, name)
    filename = gw.query("filename")
    if filename:
        kind = "attachment" if gw.query("download") == "true" else "inline"
        response.headers["Content-Disposition"] = disposition(kind, filename)
    return response


def content_type(store: BlockStore, cid: CID, size: int, name: str) -> str:
    """By extension when the name has one, else by the first bytes."""
    guessed = mimetypes.guess_type(name)[0] if name else None
    if guessed:
        return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed
    return sniff(b"".join(iter_range(store, cid, 0, min(size, SNIFF_BYTES))))


def sniff(head: bytes) -> str:
    """Text when the first bytes are UTF-8 without NULs (a character cut at the end still counts)."""
    if not head or b"\0" in head:
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return "application/octet-stream"
    return "text/plain; charset=utf-8"


def directory_response(gw: GatewayRequest, resolved: Resolved) -> Response:
    """``index.html`` when the directory has one, else a generated listing; both need a trailing slash."""
    url = gw.request.url
    if not url.path.endswith("/"):  # so that relative links inside the page resolve below it
        location = url.path + "/" + (f"?{url.query}" if url.query else "")
        return RedirectResponse(location, status_code=301, headers=common_headers(gw, resolved))
    index = find_entry(gw.store, resolved.target, "index.html")
    if index is not None and kind_of(gw.store, index) in (NodeType.FILE, NodeType.RAW):
        return unixfs_file(gw, resolved, index, "index.html")
    etag = f'"DirIndex-{__version__}_CID-{resolved.target}"'
    headers = {**common_headers(gw, resolved), "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if etag_matches(gw.header("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return StreamingResponse(listing(gw, resolved), media_type="text/html; charset=utf-8", headers=headers)


def listing(gw: GatewayRequest, resolved: Resolved) -> Iterator[str]:
    """A plain HTML index, streamed entry by entry (a HAMT directory may have millions)."""
    title = html.escape(gw.ipfs_path)
    yield f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{title}</title></head>\n'
    yield f"<body><h1>Index of {title}</h1>\n<ul>\n"
    for name, cid in directory_entries(gw.store, resolved.target):
        href = html.escape(quote(name, safe=""))
        yield f'<li><a href="{href}">{html.escape(name)}</a> <small>{cid}</small></li>\n'
    yield "</ul></body></html>\n"


def identity_response(gw: GatewayRequest, cid: CID, data: bytes, names: list[str]) -> Response:
    """An identity CID answered from its own bytes: a raw block has no paths below it."""
    if names:
        raise ApiError(404, "not_found", f"{cid} is a raw block: it has no {names[0]!r} inside")
    resolved = Resolved(cid, cid, (), (cid,))
    if gw.wanted.kind == "raw":
        return block_response(gw, resolved, data)
    if gw.wanted.kind == "car":
        return car_reply(gw, car_selection(gw, resolved), iter([encode_header([cid])]))
    headers = {**common_headers(gw, resolved), "ETag": f'"{cid}"', "X-Content-Type-Options": "nosniff"}
    return bytes_response(gw, data, sniff(data[:SNIFF_BYTES]), headers)
