"""Arweave: a typed client for a gateway's HTTP and GraphQL API, the wallet, signed v2 uploads in
chunks, and the block-map format that tells anyone where an artifact's blocks lie.

``arweave-python-client`` is used only here, and only for what it does well: the JWK wallet
(address, RSA-PSS signing), the v2 signature (deep hash) and the Merkle tree of a file with its
chunk proofs. Its own HTTP calls are not used: they carry no timeout (a paused gateway would
hang an upload forever), its uploader crashes on a gateway error instead of reporting it, and
importing that uploader resets the process's SIGPIPE handling. Cairn therefore posts the signed
header and the chunks itself, through the one client below.

How failures surface (all made in ``ArweaveClient._translate``)::

    httpx.TransportError (refused, timeout, reset)   -> RemoteUnavailable "Arweave gateway is not reachable at URL ..."
    HTTP 429, 5xx (a gateway that is busy or down)   -> RemoteUnavailable (retried, see below)
    any other HTTP error ("not enough tokens", ...)  -> RemoteError "Arweave gateway <what>: <its message>"
    200, but not the JSON or number it should be     -> RemoteError
    a wallet file that is not an RSA JWK             -> BadInput (never quoting the file)

Idempotent calls (reads, GraphQL, chunk posts, a header post guarded by "is it there yet?") are
retried while the gateway is unavailable, for up to ``retry_seconds``, once it has answered at
least once: an upload survives a gateway that pauses or restarts, while a gateway that never
answered (a wrong URL, nothing running) is reported at once. Past that the error reaches the
caller, and a later run resumes from what the index recorded.

Secrets: the wallet's private JWK stays inside ``ArweaveWallet`` and the file it came from; it is
never logged, printed, put in an error message or in a transaction header.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import httpx

from cairn.chunking.cid import CID
from cairn.errors import BadInput, IntegrityError, RemoteError, RemoteUnavailable
from cairn.extras import require
from cairn.files import atomic_write
from cairn.redact import redact_url, scrub
from cairn.settings import DEFAULT_ARWEAVE_RETRY_SECONDS, DEFAULT_ARWEAVE_TIMEOUT
from cairn.storage.limits import read_capped, read_head

JSON = dict[str, Any]
T = TypeVar("T")

DEFAULT_TIMEOUT = DEFAULT_ARWEAVE_TIMEOUT
DEFAULT_RETRY_SECONDS = DEFAULT_ARWEAVE_RETRY_SECONDS
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_CHUNK = 256 * 1024  # Arweave's chunk size; proofs are per chunk
MIN_CHUNK = 32 * 1024  # no chunk but the last may be smaller (arweave-js's split rule)
MAX_TAG_BYTES = 2048  # the protocol's limit on the names and values of one transaction's tags
MAX_JSON_ANSWER = 64 << 20
ERROR_BODY = 64 << 10  # of a failed call's body, only this much is read, for its message
READ_SIZE = 1 << 20

APP_NAME = "Cairn"
FEATURE = "writing to Arweave (a wallet, an upload, an anchor)"  # what needs the 'arweave' extra
CAR_TYPE = "application/vnd.ipld.car"
MAP_TYPE = "application/json"
MAP_KIND = "arweave-block-map"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- the wallet ----------------------------------------------------------------------------------

_JWK_PRIVATE = ("n", "e", "d", "p", "q", "dp", "dq", "qi")


class ArweaveWallet:
    """An RSA JWK wallet. Only the address and public modulus ever leave this object."""

    def __init__(self, jwk: JSON) -> None:
        self._lib = _library_wallet(jwk)

    @property
    def address(self) -> str:
        return str(self._lib.address)

    @property
    def owner(self) -> str:
        """The public modulus, base64url: what a transaction header names as its owner."""
        return str(self._lib.owner)

    def __repr__(self) -> str:
        return f"ArweaveWallet({self.address})"

    @classmethod
    def from_file(cls, path: Path) -> ArweaveWallet:
        return cls(read_jwk(path))


def _library_wallet(jwk: JSON) -> Any:
    """The library's wallet for a checked JWK; its errors may quote the key, so none is chained."""
    require("arweave", FEATURE)
    from arweave.arweave_lib import Wallet

    if jwk.get("kty") != "RSA" or not all(isinstance(jwk.get(k), str) and jwk[k] for k in _JWK_PRIVATE):
        raise BadInput("not an Arweave wallet: expected an RSA private key in JWK form (kty, n, e, d, p, q, ...)")
    try:
        return Wallet.from_data(dict(jwk))
    except Exception:
        raise BadInput("not an Arweave wallet: the RSA key in the JWK file does not load") from None


def read_jwk(path: Path) -> JSON:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise BadInput(f"cannot read the Arweave wallet {path}: {exc.strerror}") from None
    except ValueError:
        raise BadInput(f"the Arweave wallet {path} is not a JSON file") from None
    if not isinstance(data, dict):
        raise BadInput(f"the Arweave wallet {path} is not a JWK object")
    return data


def new_jwk() -> JSON:
    """A fresh RSA-4096 key (e = 65537), the kind Arweave wallets hold, in JWK form."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    numbers = rsa.generate_private_key(public_exponent=65537, key_size=4096).private_numbers()
    public = numbers.public_numbers
    values = (public.n, public.e, numbers.d, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1, numbers.iqmp)
    jwk: JSON = {"kty": "RSA"}
    jwk.update({name: b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))
                for name, value in zip(_JWK_PRIVATE, values, strict=True)})  # fmt: skip
    return jwk


def write_jwk(path: Path, jwk: JSON, overwrite: bool = False) -> ArweaveWallet:
    """Write a checked JWK with mode 0600 (folder 0700), atomically; refuse to replace a wallet
    unless ``overwrite``, since a lost wallet is lost money."""
    wallet = ArweaveWallet(jwk)
    if path.exists() and not overwrite:
        raise BadInput(
            f"an Arweave wallet already exists at {path} (its address: {ArweaveWallet.from_file(path).address})"
        )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with atomic_write(path, mode=0o600) as handle:
        handle.write(json.dumps({k: v for k, v in jwk.items() if k != "p2s"}).encode())
    return wallet


# -- the gateway ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxStatus:
    state: str  # "pending", "confirmed" or "not found"
    confirmations: int = 0
    block_height: int | None = None


@dataclass(frozen=True)
class FoundTx:
    """A transaction as GraphQL lists it."""

    id: str
    size: int
    block_height: int | None
    tags: dict[str, list[str]] = field(default_factory=dict)


_FIND_QUERY = """
query($tags: [TagFilter!], $after: String) {
  transactions(tags: $tags, first: 100, after: $after, sort: HEIGHT_DESC) {
    pageInfo { hasNextPage }
    edges { cursor node { id data { size } block { height } tags { name value } } }
  }
}
"""


def _gateway_message(response: httpx.Response, head: bytes) -> str:
    """The gateway's own words for a failed call, in one short line, from the body's ``head``."""
    try:
        body = json.loads(head)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "msg", "message"):
            if isinstance(body.get(key), str):
                return f"HTTP {response.status_code} {body[key]}"
    lines = head.decode("utf-8", errors="replace").strip().splitlines()
    return f"HTTP {response.status_code} {lines[0][:200] if lines else response.reason_phrase}"


class ArweaveClient:
    """The gateway calls Cairn uses, typed, with Cairn's errors and a bounded retry."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT, retry_seconds: float = DEFAULT_RETRY_SECONDS,
                 on_retry: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.url = url.rstrip("/")
        self.where = redact_url(self.url)  # what messages show (cairn.redact)
        self.retry_seconds = retry_seconds
        self.on_retry = on_retry
        self.answered = False  # retries start only once the gateway has shown it is there
        limits = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._http = httpx.Client(base_url=self.url, timeout=limits)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArweaveClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- the one place where HTTP trouble becomes Cairn's errors --------------------------------

    def _translate(self, what: str, problem: httpx.HTTPError | httpx.Response, body: bytes = b"") -> RemoteError:
        """The error for a failed call, as one line; "cannot reach" (retried) stays distinct from
        "the gateway said no" (final)."""
        if isinstance(problem, httpx.Response):
            message = f"Arweave gateway {what}: {_gateway_message(problem, body)}"
            return RemoteUnavailable(message) if problem.status_code in TRANSIENT_STATUSES else RemoteError(message)
        if isinstance(problem, httpx.TransportError):
            reason = scrub(str(problem).splitlines()[0], self.url) if str(problem) else type(problem).__name__
            return RemoteUnavailable(f"Arweave gateway is not reachable at {self.where} ({what}: {reason})")
        return RemoteError(f"Arweave gateway {what}: {scrub(str(problem), self.url)}")

    @contextlib.contextmanager
    def _call(self, method: str, path: str, what: str, ok: tuple[int, ...] = (200,), **kwargs: Any
              ) -> Iterator[httpx.Response]:  # fmt: skip
        """One streamed request whose status is in ``ok``; any failure inside is translated."""
        try:
            with self._http.stream(method, path, **kwargs) as response:
                if response.status_code not in ok:
                    raise self._translate(what, response, read_head(response.iter_bytes(), ERROR_BODY))
                yield response
        except httpx.HTTPError as exc:
            raise self._translate(what, exc) from exc

    def _retry(self, what: str, attempt: Callable[[], T]) -> T:
        """Run ``attempt`` until it succeeds or the gateway stayed unavailable ``retry_seconds``."""
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.25
        told = False
        while True:
            try:
                result = attempt()
                self.answered = True
                return result
            except RemoteUnavailable as exc:
                if not self.answered or time.monotonic() + delay > deadline:
                    raise
                if not told and self.on_retry is not None:
                    self.on_retry(f"{exc}; retrying for up to {self.retry_seconds:.0f}s")
                    told = True
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    def _text(self, path: str, what: str, ok: tuple[int, ...] = (200,)) -> tuple[int, str]:
        def attempt() -> tuple[int, str]:
            with self._call("GET", path, what, ok) as response:
                return response.status_code, self._read(response, what).decode("utf-8", errors="replace")

        return self._retry(what, attempt)

    def _number(self, path: str, what: str) -> int:
        _, text = self._text(path, what)
        try:
            return int(text.strip())
        except ValueError:
            raise RemoteError(f"Arweave gateway {what} answered {text[:80]!r}, not a number") from None

    def _read(self, response: httpx.Response, what: str) -> bytes:
        """A whole answer, read only up to ``MAX_JSON_ANSWER`` bytes (a gateway is a stranger)."""
        try:
            return read_capped(response.iter_bytes(), MAX_JSON_ANSWER, f"Arweave gateway {what}", "one answer")
        except IntegrityError as exc:
            raise RemoteError(str(exc)) from None

    def _json(self, response: httpx.Response, what: str) -> Any:
        body = self._read(response, what)
        try:
            return json.loads(body)
        except ValueError:
            raise RemoteError(f"Arweave gateway {what} answered something that is not JSON: {body[:80]!r}") from None

    # -- network and wallet ---------------------------------------------------------------------

    def info(self) -> JSON:
        def attempt() -> JSON:
            with self._call("GET", "/info", "info") as response:
                body = self._json(response, "info")
            if not isinstance(body, dict):
                raise RemoteError("Arweave gateway info: not a JSON object")
            return body

        return self._retry("info", attempt)

    def price(self, size: int) -> int:
        """Winston to store ``size`` bytes in one transaction (what the gateway asks right now)."""
        return self._number(f"/price/{size}", f"price of {size} bytes")

    def balance(self, address: str) -> int:
        return self._number(f"/wallet/{address}/balance", "wallet balance")

    def anchor(self) -> str:
        _, text = self._text("/tx_anchor", "tx_anchor")
        anchor = text.strip()
        if not anchor or len(anchor) > 64 or any(c not in _B64URL for c in anchor):
            raise RemoteError(f"Arweave gateway tx_anchor answered {anchor[:80]!r}")
        return anchor

    # -- transactions ---------------------------------------------------------------------------

    def has_tx(self, tx_id: str) -> bool:
        """Whether the gateway knows the transaction (pending or mined)."""
        status, _ = self._text(f"/tx/{tx_id}", f"transaction {tx_id}", ok=(200, 202, 404))
        return status != 404

    def ensure_posted(self, header: JSON) -> None:
        """Post a signed header unless the gateway already has it, so that a retry after a lost
        answer never posts (or pays for) a transaction twice."""
        tx_id = str(header["id"])

        def attempt() -> None:
            if self.has_tx(tx_id):
                return
            try:
                with self._call("POST", "/tx", f"post of transaction {tx_id}", ok=(200, 202, 208), json=header):
                    return
            except RemoteUnavailable:
                raise
            except RemoteError:
                if self.has_tx(tx_id):  # some gateways refuse a header they already hold
                    return
                raise

        self._retry(f"post of transaction {tx_id}", attempt)

    def post_chunk(self, chunk: JSON) -> None:
        what = f"chunk at offset {chunk['offset']}"

        def attempt() -> None:
            with self._call("POST", "/chunk", what, ok=(200, 208), json=chunk):
                return

        self._retry(what, attempt)

    def status(self, tx_id: str) -> TxStatus:
        """Pending or confirmed (with the confirmations the gateway counts), or not found."""
        what = f"status of {tx_id}"

        def attempt() -> TxStatus:
            with self._call("GET", f"/tx/{tx_id}/status", what, ok=(200, 202, 404)) as response:
                if response.status_code == 404:
                    return TxStatus("not found")
                body = self._read(response, what)
            return _parse_status(body)

        return self._retry(what, attempt)

    # -- reading --------------------------------------------------------------------------------

    def read_range(self, tx_id: str, start: int, end: int, sink: BinaryIO, limit: int) -> int | None:
        """Write the data bytes ``start..end`` (inclusive) of a transaction into ``sink``.

        Returns ``start`` when the gateway honoured the range, or ``None`` when it sent the whole
        data instead (arlocal does), which then fills ``sink`` from offset 0. At most ``limit``
        bytes are accepted either way.
        """
        what = f"data of {tx_id}"

        def attempt() -> int | None:
            sink.seek(0)
            sink.truncate()
            headers = {"Range": f"bytes={start}-{end}"}
            with self._call("GET", f"/{tx_id}", what, ok=(200, 206), headers=headers) as response:
                _copy_limited(response, sink, limit, what)
                if response.status_code == 200:
                    return None
                return _range_start(response, what)

        return self._retry(what, attempt)

    def read_all(self, tx_id: str, sink: BinaryIO, limit: int) -> None:
        """Write all the data of a transaction into ``sink`` (at most ``limit`` bytes)."""
        what = f"data of {tx_id}"

        def attempt() -> None:
            sink.seek(0)
            sink.truncate()
            with self._call("GET", f"/{tx_id}", what) as response:
                _copy_limited(response, sink, limit, what)

        self._retry(what, attempt)

    def graphql(self, query: str, variables: JSON) -> JSON:
        def attempt() -> JSON:
            with self._call("POST", "/graphql", "graphql", json={"query": query, "variables": variables}) as response:
                body = self._json(response, "graphql")
            if not isinstance(body, dict) or body.get("errors") or not isinstance(body.get("data"), dict):
                raise RemoteError(
                    f"Arweave gateway graphql: {str(body.get('errors') if isinstance(body, dict) else body)[:200]}"
                )
            return dict(body["data"])

        return self._retry("graphql", attempt)

    def find(self, tags: dict[str, list[str]], limit: int = 100) -> list[FoundTx]:
        """Transactions carrying all ``tags`` (each with any of its values), newest first."""
        variables: JSON = {"tags": [{"name": k, "values": v} for k, v in tags.items()], "after": None}
        found: list[FoundTx] = []
        while len(found) < limit:
            page = self.graphql(_FIND_QUERY, variables).get("transactions") or {}
            edges = page.get("edges") or []
            found += [_found(edge.get("node") or {}) for edge in edges]
            if not edges or not (page.get("pageInfo") or {}).get("hasNextPage"):
                break
            variables["after"] = edges[-1].get("cursor")
        return found[:limit]


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _parse_status(body: bytes) -> TxStatus:
    """``{"block_height", "number_of_confirmations", ...}`` once mined; "Pending" (202 on real
    gateways, 200 on arlocal) before."""
    try:
        value = json.loads(body)
    except ValueError:
        return TxStatus("pending")
    if isinstance(value, dict) and value.get("block_indep_hash"):
        return TxStatus(
            "confirmed", int(value.get("number_of_confirmations") or 0), _int_or_none(value.get("block_height"))
        )
    return TxStatus("pending")


def _int_or_none(value: object) -> int | None:
    try:
        return None if value is None else int(str(value))
    except ValueError:
        return None


def _found(node: JSON) -> FoundTx:
    tags: dict[str, list[str]] = {}
    for tag in node.get("tags") or []:
        tags.setdefault(str(tag.get("name")), []).append(str(tag.get("value")))
    block = node.get("block") or {}
    size = _int_or_none((node.get("data") or {}).get("size")) or 0
    return FoundTx(str(node.get("id")), size, _int_or_none(block.get("height")), tags)


def _copy_limited(response: httpx.Response, sink: BinaryIO, limit: int, what: str) -> None:
    written = 0
    for piece in response.iter_bytes(READ_SIZE):
        written += len(piece)
        if written > limit:
            raise RemoteError(f"Arweave gateway sent more than {limit} bytes for {what}")
        sink.write(piece)


def _range_start(response: httpx.Response, what: str) -> int:
    """The first byte of a 206 answer, from ``Content-Range: bytes a-b/n``."""
    value = response.headers.get("content-range", "")
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        raise RemoteError(
            f"Arweave gateway {what}: a partial answer without a usable Content-Range ({value!r})"
        ) from None


# -- uploads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tag:
    name: str
    value: str


def fit_tags(tags: list[Tag]) -> list[Tag]:
    """``tags`` in order, leaving out the ones past the protocol's 2048-byte budget (the first
    tags, which say what the data is, always fit)."""
    kept: list[Tag] = []
    used = 0
    for tag in tags:
        size = len(tag.name.encode()) + len(tag.value.encode())
        if tag.value and used + size <= MAX_TAG_BYTES:
            kept.append(tag)
            used += size
    return kept


@dataclass(frozen=True)
class ChunkPlan:
    """How a file's bytes split into Arweave chunks, with each chunk's Merkle proof."""

    data_root: str
    data_size: int
    ranges: list[tuple[int, int]]  # (start, end) of each chunk
    proofs: list[tuple[int, bytes]]  # (offset, data_path) of each chunk


def plan_chunks(path: Path) -> ChunkPlan:
    """Split as arweave-js does (256 KiB chunks; the last two evened out when the last would be
    under 32 KiB), and let the library build the Merkle tree and proofs over those chunks."""
    require("arweave", FEATURE)
    from arweave.merkle import Chunk, build_layers, generate_leaves, generate_proofs

    size = path.stat().st_size
    chunks = []
    with open(path, "rb") as handle:
        for start, end in _chunk_ranges(size):
            handle.seek(start)
            chunks.append(Chunk(hashlib.sha256(handle.read(end - start)).digest(), end - start, start, end))
    root = build_layers(generate_leaves(chunks))
    proofs = generate_proofs(root)
    return ChunkPlan(b64url(root.id), size, [(c.min_byte_range, c.max_byte_range) for c in chunks],
                     [(int(p.offset), bytes(p.proof)) for p in proofs])  # fmt: skip


def _chunk_ranges(size: int) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    start = 0
    while size - start >= MAX_CHUNK:
        step = MAX_CHUNK
        rest = size - start - MAX_CHUNK
        if 0 < rest < MIN_CHUNK:
            step = (size - start + 1) // 2
        ranges.append((start, start + step))
        start += step
    if start < size:
        ranges.append((start, size))
    return ranges


@dataclass(frozen=True)
class SignedUpload:
    """A signed v2 transaction for a file's data: what to post, and how its chunks go."""

    tx_id: str
    header: JSON  # the JSON the gateway's POST /tx takes; public (owner key, tags, signature)
    reward: int
    chunks: ChunkPlan


def sign_upload(wallet: ArweaveWallet, path: Path, tags: list[Tag], reward: int, anchor: str) -> SignedUpload:
    """Sign a v2 data transaction for the file at ``path`` with the library's deep hash and
    RSA-PSS; the reward and anchor come from the gateway through ``ArweaveClient``."""
    require("arweave", FEATURE)
    from arweave.arweave_lib import Transaction

    plan = plan_chunks(path)
    with open(path, "rb") as handle:
        tx = _offline(Transaction, wallet, anchor, reward)(wallet._lib, file_handler=handle, file_path=str(path))
        tx.chunks = {"data_root": b64url_decode(plan.data_root)}  # our split, not the library's own
        tx.data_root = plan.data_root.encode()
        for tag in tags:
            tx.add_tag(tag.name, tag.value)
        tx.sign()
    header: JSON = {
        "format": 2, "id": str(tx.id), "last_tx": anchor, "owner": wallet.owner,
        "tags": [{"name": b64url(t.name.encode()), "value": b64url(t.value.encode())} for t in tags],
        "target": "", "quantity": "0", "data": "", "data_size": str(plan.data_size),
        "data_root": plan.data_root, "data_tree": [], "reward": str(reward),
        "signature": tx.signature.decode() if isinstance(tx.signature, bytes) else str(tx.signature),
    }  # fmt: skip
    return SignedUpload(header["id"], header, reward, plan)


def _offline(transaction_class: Any, wallet: ArweaveWallet, anchor: str, reward: int) -> Any:
    """The library's ``Transaction`` with its two network reads (anchor, reward) answered from
    values Cairn fetched itself, so signing makes no unguarded HTTP call."""
    wallet._lib.get_last_transaction_id = lambda: anchor

    class OfflineTransaction(transaction_class):  # type: ignore[misc]
        def get_reward(self, data_size: int, target_address: str | None = None) -> str:
            return str(reward)

    return OfflineTransaction


def chunk_body(header: JSON, plan: ChunkPlan, index: int, handle: BinaryIO) -> JSON:
    """The JSON of POST /chunk for chunk ``index`` of the file open as ``handle``."""
    start, end = plan.ranges[index]
    handle.seek(start)
    offset, proof = plan.proofs[index]
    return {"data_root": header["data_root"], "data_size": header["data_size"], "data_path": b64url(proof),
            "offset": str(offset), "chunk": b64url(handle.read(end - start))}  # fmt: skip


def upload_chunks(client: ArweaveClient, header: JSON, path: Path, start: int,
                  on_chunk: Callable[[int, int], None]) -> None:  # fmt: skip
    """Post the chunks of ``path`` from ``start`` on; ``on_chunk(done, size)`` after each one the
    gateway accepted, so the caller can record progress for a later resume."""
    plan = plan_chunks(path)
    if plan.data_root != header["data_root"] or plan.data_size != int(header["data_size"]):
        raise RemoteError(f"the saved data of transaction {header['id']} no longer matches its signed data root")
    with open(path, "rb") as handle:
        for index in range(start, len(plan.ranges)):
            client.post_chunk(chunk_body(header, plan, index, handle))
            low, high = plan.ranges[index]
            on_chunk(index + 1, high - low)


# -- the block map ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BlockLocation:
    tx_id: str
    offset: int  # of the block's bytes within the transaction's data
    length: int


@dataclass(frozen=True)
class BlockMap:
    """Where every block of some roots lies on Arweave: written with each upload so that anyone
    holding only a root CID finds the blocks (through GraphQL, then byte ranges)."""

    roots: list[CID]
    transactions: list[tuple[str, int]]  # (id, data size)
    blocks: list[tuple[CID, int, int, int]]  # (cid, index into transactions, offset, length)

    def locations(self) -> Iterator[tuple[CID, BlockLocation]]:
        for cid, tx, offset, length in self.blocks:
            yield cid, BlockLocation(self.transactions[tx][0], offset, length)


def encode_block_map(block_map: BlockMap) -> bytes:
    """JSON, since any language reads it: ``{"cairn": 1, "type": "arweave-block-map", "roots":
    [CID...], "transactions": [{"id", "size"}...], "blocks": [[CID, tx index, offset, length]...]}``."""
    value = {
        "cairn": 1,
        "type": MAP_KIND,
        "roots": [str(r) for r in block_map.roots],
        "transactions": [{"id": tx, "size": size} for tx, size in block_map.transactions],
        "blocks": [[str(cid), tx, offset, length] for cid, tx, offset, length in block_map.blocks],
    }
    return json.dumps(value, separators=(",", ":")).encode()


def decode_block_map(data: bytes) -> BlockMap:
    """Read a block map; anything malformed is a ``RemoteError`` (maps are not trusted anyway:
    every block found through one is checked against its CID)."""
    try:
        value = json.loads(data)
        if value.get("type") != MAP_KIND or value.get("cairn") != 1:
            raise ValueError("not a Cairn block map")
        txs = [(str(t["id"]), int(t.get("size") or 0)) for t in value["transactions"]]
        blocks = [(CID.parse(c), int(t), int(o), int(n)) for c, t, o, n in value["blocks"]]
        if any(not 0 <= t < len(txs) or o < 0 or not 0 < n <= 2 << 20 for _, t, o, n in blocks):
            raise ValueError("a block entry is out of range")
        return BlockMap([CID.parse(r) for r in value["roots"]], txs, blocks)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RemoteError(f"not a usable Cairn block map ({str(exc)[:120]})") from None
