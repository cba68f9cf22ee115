"""Another Cairn server as a remote: blocks by CID over REST v1, every block verified here.

Pulling fetches block by block (``/v1/blocks/{cid}``), so an interrupted pull resumes with
what is already local; pushing asks which blocks the peer lacks and streams just those as one
CAR. HTTP trouble becomes Cairn's errors in exactly one function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from cairn.chunking.cid import CID
from cairn.errors import BlockNotFound, IntegrityError, RemoteError, RemoteUnavailable
from cairn.redact import redact_url, scrub
from cairn.settings import check_http_url
from cairn.storage.compression import decompress
from cairn.storage.limits import MAX_REMOTE_BLOCK, MAX_REMOTE_PAYLOAD, read_capped

TIMEOUT = httpx.Timeout(60.0, connect=5.0)
RAW_TYPE = "application/vnd.ipld.raw"
COMPRESSED_TYPE = "application/vnd.cairn.block.compressed"  # as api/blocks.py sends it
MISSING_BATCH = 10_000  # CIDs per POST /v1/missing: about 640 KB, under the server's 1 MiB JSON limit
MAX_ANSWER = 16 << 20  # a JSON answer (name claims, missing blocks): far above any honest one


class PeerStore:
    """A ``BlockStore`` view of a Cairn server (reads; pushes go through ``push_car``)."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = check_http_url(url, "the Cairn server URL").rstrip("/")
        self.where = redact_url(self.url)  # what messages show (cairn.redact): a peer URL may hold credentials
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=self.url, timeout=TIMEOUT, headers=headers)

    def close(self) -> None:
        self.http.close()

    def _json(self, method: str, path: str, **kwargs: object) -> Any:
        """The answer's JSON, read up to ``MAX_ANSWER`` bytes; anything else is ``RemoteError``."""
        with self._stream(method, path, **kwargs) as response:
            try:
                body = read_capped(response.iter_bytes(), MAX_ANSWER, f"the server at {self.where}", "one answer")
            except IntegrityError as exc:
                raise RemoteError(str(exc)) from None
        try:
            return json.loads(body)
        except ValueError:
            raise RemoteError(f"Cairn server at {self.where} answered {path} with something that is not JSON") from None

    @contextmanager
    def _stream(self, method: str, path: str, **kwargs: object) -> Iterator[httpx.Response]:
        """A response whose body is still to be read; HTTP trouble as Cairn's errors."""
        try:
            with self.http.stream(method, path, **kwargs) as response:  # type: ignore[arg-type]
                if response.status_code == 404:
                    raise BlockNotFound(f"{path} not found at {self.where}")
                if response.is_error:
                    response.read()
                    status, detail = response.status_code, scrub(_detail(response), self.url)
                    raise RemoteError(f"Cairn server at {self.where} answered {status}: {detail}")
                yield response
        except httpx.TransportError as exc:
            raise RemoteUnavailable(f"Cairn server not reachable at {self.where} ({type(exc).__name__})") from exc

    def has(self, cid: CID) -> bool:
        try:
            with self._stream("HEAD", f"/v1/blocks/{cid}"):
                pass
        except BlockNotFound:
            return False
        return True

    def get(self, cid: CID) -> bytes:
        """A block, verified; a server that stores it compressed sends it so (less to move)."""
        accept = {"Accept": f"{COMPRESSED_TYPE}, {RAW_TYPE}"}
        with self._stream("GET", f"/v1/blocks/{cid}", headers=accept) as response:
            compressed = response.headers.get("content-type", "").startswith(COMPRESSED_TYPE)
            limit = MAX_REMOTE_PAYLOAD if compressed else MAX_REMOTE_BLOCK
            data = read_capped(response.iter_bytes(), limit, f"the server at {self.where}")
        if compressed:
            codec = response.headers.get("x-cairn-codec", "")
            try:
                data = decompress(int(codec) if codec.isdigit() else -1, data)
            except IntegrityError as exc:
                raise IntegrityError(f"the server at {self.where} sent a bad compressed block {cid}: {exc}") from None
        if not cid.matches(data):
            raise IntegrityError(f"the server at {self.where} sent bytes that do not match {cid}")
        return data

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        answer = self._json("PUT", f"/v1/blocks/{cid}", content=bytes(data))
        return isinstance(answer, dict) and bool(answer.get("new"))

    def iter_cids(self) -> Iterator[CID]:
        raise RemoteError("a Cairn server does not list its blocks")

    def name_claims(self, ref: object) -> list[CID]:
        """The records of the claims the server knows on a name (``cairn.lineage.records.names.NameRef``); the
        caller fetches and checks each one, so the server can point at claims but not forge them."""
        from urllib.parse import quote

        try:
            answer = self._json("GET", f"/v1/names/{quote(str(ref), safe='@:/')}")
        except BlockNotFound:
            return []
        claims = answer.get("claims") if isinstance(answer, dict) else None
        if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
            raise RemoteError(f"Cairn server at {self.where} sent a malformed list of name claims")
        return [CID.parse(str(claim.get("record", ""))) for claim in claims]

    def missing(self, cids: list[CID]) -> list[CID]:
        answer = self._json("POST", "/v1/missing", json={"cids": [str(c) for c in cids]})
        missing = answer.get("missing") if isinstance(answer, dict) else None
        if not isinstance(missing, list):
            raise RemoteError(f"Cairn server at {self.where} sent a malformed list of missing blocks")
        return [CID.parse(str(text)) for text in missing]

    def push_car(self, car: Iterable[bytes]) -> dict[str, object]:
        headers = {"Content-Type": "application/vnd.ipld.car"}
        answer = self._json("POST", "/v1/car", content=car, headers=headers)
        if not isinstance(answer, dict):
            raise RemoteError(f"Cairn server at {self.where} answered a CAR upload with {type(answer).__name__}")
        return answer


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail", response.text[:200]))
    except ValueError:
        return response.text[:200]
