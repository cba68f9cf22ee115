"""A small typed client for the Kubo RPC API (``/api/v0/...``, every call a POST), and a block
store on top of it.

``ipfshttpclient`` refuses every Kubo since 0.8 (docs/services.md), so Cairn speaks the RPC API
itself, and only the handful of calls it needs. Two rules hold throughout:

* Nothing Kubo sends back is trusted: a block from ``block/get`` is hashed against its CID, and
  ``block/put`` must answer with exactly the CID we computed.
* Large payloads stream: ``add`` and ``dag/import`` send their bodies from generators, and
  ``dag/export`` and ``cat`` hand the response out chunk by chunk, so a 100 GB DAG never sits
  in memory.

How failures surface (all made in ``KuboClient._translate``)::

    httpx.TransportError (refused, timeout, reset)  -> RemoteUnavailable "Kubo is not reachable at URL ..."
    HTTP 4xx/5xx, body {"Message": ..., "Code": ...} -> RemoteError "Kubo <endpoint>: <Message>"
    200, but the answer is missing or malformed      -> RemoteError (a stream cut short by an error)
    a block that does not hash to its CID            -> IntegrityError

Kubo reports an error that happens after it started answering only in an HTTP trailer, which
httpx cannot read. Calls whose answer must end with a known line (``add``, ``dag/import`` with
stats) check for that line instead; a ``dag/export`` stream cut short ends early, which the CAR
reader or the DAG walk that consumes it notices.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx

from cairn.chunking.cid import CID, CODEC_NAMES
from cairn.chunking.multihash import HASH_CODES
from cairn.errors import BlockNotFound, IntegrityError, RemoteError, RemoteUnavailable
from cairn.redact import redact_url, scrub
from cairn.storage.limits import MAX_REMOTE_BLOCK, iter_capped_lines, read_capped, read_head

JSON = dict[str, Any]
Params = list[tuple[str, str]]

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=300.0, write=300.0, pool=10.0)
READ_SIZE = 1 << 20
MAX_LINE = 64 << 20  # one JSON line of an answer (an event is under 1 KiB; `pin ls` of 500k pins, ~50 MiB)
ERROR_BODY = 64 << 10  # of a failed call's body, only this much is read, for its message
QUERY_ERROR = 3  # routing.QueryError: a failed step reported inside a routing event stream


@dataclass(frozen=True)
class KuboVersion:
    version: str
    commit: str
    repo: str
    system: str
    golang: str


@dataclass(frozen=True)
class PeerInfo:
    peer_id: str
    public_key: str
    addresses: list[str]
    agent_version: str
    protocols: list[str]


@dataclass(frozen=True)
class AddedEntry:
    """One line of ``add``: a path relative to what was added, its CID and cumulative size."""

    name: str
    cid: CID
    size: int


@dataclass(frozen=True)
class AddResult:
    entries: list[AddedEntry]
    root: AddedEntry


@dataclass(frozen=True)
class BlockStat:
    cid: CID
    size: int


@dataclass(frozen=True)
class DagStat:
    cid: CID
    size: int
    num_blocks: int


@dataclass(frozen=True)
class ImportedRoot:
    cid: CID
    pin_error: str  # empty when the root was pinned (or pinning was not asked for)


@dataclass(frozen=True)
class DagImportResult:
    roots: list[ImportedRoot]
    block_count: int
    block_bytes: int


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _cid(text: object) -> CID:
    """A CID from Kubo's JSON: plain text or the dag-json form ``{"/": text}``."""
    if isinstance(text, dict):
        text = text.get("/")
    if not isinstance(text, str):
        raise RemoteError(f"Kubo answered {text!r} where a CID belongs")
    return CID.parse(text)


def _kubo_message(response: httpx.Response, head: bytes) -> str:
    """Kubo's own words for a failed call: the JSON ``Message``, else the start of the body."""
    try:
        body = json.loads(head)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("Message"), str):
        return str(body["Message"])
    text = head.decode("utf-8", errors="replace").strip().splitlines()
    return f"HTTP {response.status_code} {text[0][:200] if text else response.reason_phrase}"


# -- add: the multipart body `ipfs add -r` sends -------------------------------------------------


@dataclass(frozen=True)
class _Part:
    name: str  # "/"-separated, starting with the added file's or folder's own name
    path: Path
    is_dir: bool


def _walk_parts(path: Path, hidden: bool) -> Iterator[_Part]:
    """The added tree in pre-order, each folder before its entries, as Kubo's reader needs."""
    yield from _walk_under(path, path.name, hidden)


def _walk_under(path: Path, name: str, hidden: bool) -> Iterator[_Part]:
    if not path.is_dir():
        yield _Part(name, path, False)
        return
    yield _Part(name, path, True)
    for child in sorted(path.iterdir(), key=lambda p: p.name):
        if hidden or not child.name.startswith("."):
            yield from _walk_under(child, f"{name}/{child.name}", hidden)


def _part_header(boundary: str, part: _Part) -> bytes:
    """Headers as go-ipfs-cmds writes them: the path query-escaped in ``filename``."""
    kind = "application/x-directory" if part.is_dir else "application/octet-stream"
    return (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{quote_plus(part.name, safe="")}"\r\n'
        f"Content-Type: {kind}\r\n\r\n"
    ).encode()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_SIZE):
            yield chunk


def _multipart(boundary: str, parts: Iterable[tuple[_Part, Iterable[bytes]]]) -> Iterator[bytes]:
    """A multipart/form-data body, produced part by part so nothing is held whole."""
    for part, body in parts:
        yield _part_header(boundary, part)
        yield from body
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


def _tree_body(boundary: str, path: Path, hidden: bool) -> Iterator[bytes]:
    parts = ((part, () if part.is_dir else _file_chunks(part.path)) for part in _walk_parts(path, hidden))
    return _multipart(boundary, parts)


def _stream_body(boundary: str, name: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    return _multipart(boundary, [(_Part(name, Path(name), False), chunks)])


# -- the client ----------------------------------------------------------------------------------


class KuboClient:
    """The Kubo RPC calls Cairn uses, typed, with Cairn's errors and checks."""

    def __init__(self, api_url: str, *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> None:
        self.api_url = api_url.rstrip("/")
        self.where = redact_url(self.api_url)  # what messages show (cairn.redact)
        self._http = httpx.Client(base_url=f"{self.api_url}/api/v0/", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> KuboClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the one place where HTTP trouble becomes Cairn's errors --------------------------------

    def _translate(self, endpoint: str, problem: httpx.HTTPError | httpx.Response, body: bytes = b"") -> RemoteError:
        """The error to raise for a failed call, as one line: callers and the CLI's error table
        see only Cairn's classes, and "cannot reach" stays distinct from "Kubo said no"."""
        if isinstance(problem, httpx.Response):
            return RemoteError(f"Kubo {endpoint}: {_kubo_message(problem, body)}")
        if isinstance(problem, httpx.TransportError):
            reason = scrub(str(problem).splitlines()[0], self.api_url) if str(problem) else type(problem).__name__
            return RemoteUnavailable(f"Kubo is not reachable at {self.where} ({endpoint}: {reason})")
        return RemoteError(f"Kubo {endpoint}: {scrub(str(problem), self.api_url)}")

    @contextlib.contextmanager
    def _call(
        self, endpoint: str, params: Params, body: Iterable[bytes] | None, boundary: str
    ) -> Iterator[httpx.Response]:
        """One streamed POST with a checked status; any httpx failure inside is translated."""
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"} if body is not None else {}
        query = tuple(params)  # a tuple, since httpx's type for a list of pairs is invariant
        try:
            with self._http.stream("POST", endpoint, params=query, content=body, headers=headers) as response:
                if response.is_error:
                    raise self._translate(endpoint, response, read_head(response.iter_bytes(), ERROR_BODY))
                yield response
        except httpx.HTTPError as exc:
            raise self._translate(endpoint, exc) from exc

    def _chunks(self, endpoint: str, params: Params, chunk_size: int = READ_SIZE) -> Iterator[bytes]:
        with self._call(endpoint, params, None, "") as response:
            yield from response.iter_bytes(chunk_size)

    def _iter_lines(
        self, endpoint: str, params: Params, body: Iterable[bytes] | None = None, boundary: str = ""
    ) -> Iterator[JSON]:
        """A call that answers with JSON objects, one a line (or one object in all)."""
        with self._call(endpoint, params, body, boundary) as response:
            for line in iter_capped_lines(response.iter_bytes(READ_SIZE), MAX_LINE, f"Kubo at {self.where}"):
                if line.strip():
                    yield self._decode(endpoint, line)

    def _lines(
        self, endpoint: str, params: Params, body: Iterable[bytes] | None = None, boundary: str = ""
    ) -> list[JSON]:
        return list(self._iter_lines(endpoint, params, body, boundary))

    def _decode(self, endpoint: str, line: str) -> JSON:
        try:
            value = json.loads(line)
        except ValueError as exc:
            raise RemoteError(f"Kubo {endpoint} answered something that is not JSON: {line[:120]!r}") from exc
        if not isinstance(value, dict):
            raise RemoteError(f"Kubo {endpoint} answered {line[:120]!r}")
        return value

    def _one(self, endpoint: str, params: Params) -> JSON:
        """The last JSON object of the answer (progress updates, if any, come before it)."""
        lines = self._lines(endpoint, params)
        if not lines:
            raise RemoteError(f"Kubo {endpoint} answered nothing")
        return lines[-1]

    # -- node ---------------------------------------------------------------------------------

    def version(self) -> KuboVersion:
        body = self._one("version", [])
        return KuboVersion(
            body["Version"],
            body.get("Commit", ""),
            body.get("Repo", ""),
            body.get("System", ""),
            body.get("Golang", ""),
        )

    def id(self) -> PeerInfo:
        body = self._one("id", [])
        return PeerInfo(
            body["ID"],
            body.get("PublicKey", ""),
            list(body.get("Addresses") or []),
            body.get("AgentVersion", ""),
            list(body.get("Protocols") or []),
        )

    # -- UnixFS -------------------------------------------------------------------------------

    def add(
        self,
        path: Path,
        *,
        only_hash: bool = False,
        cid_version: int = 1,
        raw_leaves: bool = True,
        chunker: str = "size-262144",
        hash: str = "sha2-256",
        pin: bool = True,
        hidden: bool = False,
    ) -> AddResult:
        """``ipfs add [-r]`` of a file or folder; hidden names are left out unless ``hidden``.

        The defaults are Cairn's ``kubo`` profile. Symbolic links are followed.
        """
        params: Params = [
            ("only-hash", _flag(only_hash)),
            ("cid-version", str(cid_version)),
            ("raw-leaves", _flag(raw_leaves)),
            ("chunker", chunker),
            ("hash", hash),
            ("pin", _flag(pin)),
            ("progress", "false"),
        ]
        boundary = secrets.token_hex(16)
        lines = self._lines("add", params, _tree_body(boundary, path, hidden), boundary)
        entries = [AddedEntry(line["Name"], _cid(line["Hash"]), int(line.get("Size") or 0)) for line in lines]
        root = next((entry for entry in reversed(entries) if entry.name == path.name), None)
        if root is None:
            raise RemoteError(f"Kubo add of {path.name!r} ended without a root (the import failed on the way)")
        return AddResult(entries, root)

    def cat(
        self, cid: CID | str, *, offset: int = 0, length: int | None = None, offline: bool = False
    ) -> Iterator[bytes]:
        """The bytes of a UnixFS file, streamed.

        Kubo checks every block it reads, but these bytes are not checked here (a file's bytes
        cannot be hashed to its root CID without re-chunking); Cairn's own reads use
        ``block_get`` or ``dag_export``, whose blocks are checked.
        """
        params: Params = [
            ("arg", str(cid)),
            ("offset", str(offset)),
            ("progress", "false"),
            ("offline", _flag(offline)),
        ]
        if length is not None:
            params.append(("length", str(length)))
        return self._chunks("cat", params)

    # -- blocks -------------------------------------------------------------------------------

    def block_put(self, data: bytes | memoryview, cid: CID, *, pin: bool = False) -> CID:
        """Store one block under the codec and hash of ``cid``; Kubo must name the same CID."""
        params: Params = [
            ("cid-codec", CODEC_NAMES[cid.codec]),
            ("mhtype", HASH_CODES[cid.hash_code]),
            ("mhlen", str(len(cid.digest))),
            ("pin", _flag(pin)),
        ]
        boundary = secrets.token_hex(16)
        lines = self._lines("block/put", params, _stream_body(boundary, "block", [bytes(data)]), boundary)
        if not lines:
            raise RemoteError(f"Kubo block/put of {cid} answered nothing")
        stored = _cid(lines[-1].get("Key"))
        if stored.to_v1() != cid.to_v1():
            raise IntegrityError(f"Kubo stored the block meant for {cid} as {stored}")
        return cid

    def block_get(self, cid: CID, *, offline: bool = False) -> bytes:
        """One block, checked against ``cid`` before it is returned."""
        with self._call("block/get", [("arg", str(cid)), ("offline", _flag(offline))], None, "") as response:
            data = read_capped(response.iter_bytes(READ_SIZE), MAX_REMOTE_BLOCK, f"Kubo at {self.where}")
        if not cid.matches(data):
            raise IntegrityError(f"Kubo at {self.where} returned a block that does not match {cid}")
        return data

    def block_stat(self, cid: CID, *, offline: bool = False) -> BlockStat:
        body = self._one("block/stat", [("arg", str(cid)), ("offline", _flag(offline))])
        return BlockStat(_cid(body["Key"]), int(body["Size"]))

    def refs_local(self) -> Iterator[CID]:
        """Every block in the node's repo. Kubo keys blocks by multihash, so each comes back
        as a ``raw`` CID whatever its real codec: compare by digest."""
        for line in self._iter_lines("refs/local", []):
            if line.get("Err"):
                raise RemoteError(f"Kubo refs/local: {line['Err']}")
            yield _cid(line["Ref"])

    # -- DAGs ---------------------------------------------------------------------------------

    def dag_import(self, car: Iterable[bytes], *, pin_roots: bool = True) -> DagImportResult:
        """Import a CAR streamed from ``car`` (any iterable of bytes, read once, never joined)."""
        params: Params = [("pin-roots", _flag(pin_roots)), ("stats", "true"), ("silent", "false")]
        boundary = secrets.token_hex(16)
        lines = self._lines("dag/import", params, _stream_body(boundary, "import.car", car), boundary)
        stats = next((line["Stats"] for line in lines if "Stats" in line), None)
        if stats is None:
            raise RemoteError("Kubo dag/import ended without its summary (the CAR was not imported whole)")
        roots = [
            ImportedRoot(_cid(line["Root"]["Cid"]), line["Root"].get("PinErrorMsg") or "")
            for line in lines
            if "Root" in line
        ]
        return DagImportResult(roots, int(stats["BlockCount"]), int(stats["BlockBytesCount"]))

    def dag_export(self, cid: CID, *, offline: bool = False) -> Iterator[bytes]:
        """The CAR v1 of the DAG under ``cid``, streamed; read it through ``cairn.chunking.car``,
        which checks every block (close the iterator early to drop the connection)."""
        return self._chunks("dag/export", [("arg", str(cid)), ("progress", "false"), ("offline", _flag(offline))])

    def dag_stat(self, cid: CID, *, offline: bool = False) -> DagStat:
        body = self._one("dag/stat", [("arg", str(cid)), ("progress", "false"), ("offline", _flag(offline))])
        stat = body["DagStats"][0]
        return DagStat(_cid(stat["Cid"]), int(stat["Size"]), int(stat["NumBlocks"]))

    # -- pins and routing ---------------------------------------------------------------------

    def pin_add(self, cid: CID, *, recursive: bool = True, name: str | None = None) -> list[CID]:
        params: Params = [("arg", str(cid)), ("recursive", _flag(recursive)), ("progress", "false")]
        if name is not None:
            params.append(("name", name))
        return [_cid(pinned) for pinned in self._one("pin/add", params).get("Pins") or []]

    def pin_rm(self, cid: CID, *, recursive: bool = True) -> list[CID]:
        params: Params = [("arg", str(cid)), ("recursive", _flag(recursive))]
        return [_cid(pinned) for pinned in self._one("pin/rm", params).get("Pins") or []]

    def pin_ls(self, cid: CID | None = None, *, type: str = "all") -> dict[CID, str]:
        """Pinned CIDs and how (``recursive``, ``direct``, ``indirect``); with ``cid``, only it,
        and a ``RemoteError`` when it is not pinned."""
        params: Params = [("type", type)] + ([("arg", str(cid))] if cid is not None else [])
        keys = self._one("pin/ls", params).get("Keys") or {}
        return {_cid(text): str(info.get("Type", "")) for text, info in keys.items()}

    def routing_provide(self, cid: CID, *, recursive: bool = False) -> None:
        """Announce ``cid`` to the routing system; a step that fails inside the answer raises."""
        lines = self._lines("routing/provide", [("arg", str(cid)), ("recursive", _flag(recursive))])
        failed = [str(line.get("Extra") or "") for line in lines if line.get("Type") == QUERY_ERROR]
        if failed:
            raise RemoteError(f"Kubo routing/provide: {failed[0]}")


# -- a block store on Kubo -----------------------------------------------------------------------


def _is_missing(error: RemoteError) -> bool:
    """Kubo says a block is absent only in words (``block was not found locally (offline):
    ipld: could not find <cid>``), with the same status and code as any other failure."""
    text = str(error)
    return "ipld: could not find" in text or "block not found" in text


class KuboBlockStore:
    """``BlockStore`` over a Kubo node (``CAIRN_BLOCKSTORE=ipfs``): blocks live only there.

    Reads ask the node ``offline`` by default, so a missing block is reported at once instead
    of being searched for on the network.
    """

    def __init__(self, client: KuboClient, *, offline: bool = True) -> None:
        self.client = client
        self.offline = offline

    @classmethod
    def from_url(cls, api_url: str) -> KuboBlockStore:
        return cls(KuboClient(api_url))

    def has(self, cid: CID) -> bool:
        try:
            self.client.block_stat(cid, offline=self.offline)
        except RemoteUnavailable:
            raise
        except RemoteError as exc:
            if _is_missing(exc):
                return False
            raise
        return True

    def get(self, cid: CID) -> bytes:
        try:
            return self.client.block_get(cid, offline=self.offline)
        except RemoteUnavailable:
            raise
        except RemoteError as exc:
            if _is_missing(exc):
                raise BlockNotFound(f"block {cid} is not in Kubo at {self.client.where}") from exc
            raise

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        if not cid.matches(data):
            raise IntegrityError(f"refusing to store a block that does not match {cid}")
        if self.has(cid):
            return False
        self.client.block_put(data, cid)
        return True

    def iter_cids(self) -> Iterator[CID]:
        """Every block of the node, as ``raw`` CIDs (see ``KuboClient.refs_local``)."""
        return self.client.refs_local()
