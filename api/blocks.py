"""REST v1 blocks and CARs: what other Cairn nodes (and any IPFS-minded client) move around.

Every byte accepted is checked against its CID before it is stored; every byte served was
checked by the store on its way out.
"""

from __future__ import annotations

import queue
import tempfile
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse

from cairn.api.deps import CairnDep, WriterDep, require_read, server_config, with_repo
from cairn.api.errors import ERROR_RESPONSES, ApiError
from cairn.api.limits import MAX_BLOCK_BYTES, capped_stream, check_declared, json_body, json_openapi, read_body
from cairn.api.models import BlockPutResponse, CarImportResponse, MissingRequest, MissingResponse, RefusedRecord
from cairn.chunking.cid import CID
from cairn.lineage.core import Cairn
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import export_car
from cairn.settings import Settings
from cairn.storage.blockstore import StoredReads

router = APIRouter(prefix="/v1", tags=["blocks"], responses=ERROR_RESPONSES)
RAW_TYPE = "application/vnd.ipld.raw"
CAR_TYPE = "application/vnd.ipld.car"
# A block as the store keeps it compressed (storage/compression.py), its codec in X-Cairn-Codec:
# sent only to clients that ask for it (other Cairn nodes), which decompress and verify it.
COMPRESSED_TYPE = "application/vnd.cairn.block.compressed"


# Documents what a CID looks like, so schema-driven clients (and fuzzers) know "0" is not one;
# the real check is CID.parse, which answers 400 for anything malformed.
CID_PATTERN = r"^(b[a-z2-7]{20,120}|B[A-Z2-7]{20,120}|Qm[1-9A-HJ-NP-Za-km-z]{44}|z[1-9A-HJ-NP-Za-km-z]{20,120})$"
CidPath = Annotated[str, Path(pattern=CID_PATTERN, description="A CID (v1 base32, or v0)")]
BINARY = {"schema": {"type": "string", "format": "binary"}}


def parse_cid(text: str) -> CID:
    return CID.parse(text)  # BadInput -> 400 through the error table


@router.get("/blocks/{cid}", response_class=Response,
            responses={200: {"content": {RAW_TYPE: {}, COMPRESSED_TYPE: {}}}})  # fmt: skip
def get_block(cid: CidPath, cairn: CairnDep, accept: Annotated[str, Header()] = "") -> Response:
    parsed = parse_cid(cid)
    store = cairn.store  # the caller's view: a block only private artifacts hold is absent
    if COMPRESSED_TYPE in accept and isinstance(store, StoredReads):
        codec, stored = store.get_stored(parsed)
        if codec:
            headers = {"ETag": f'"{parsed}.{codec}"', "X-Cairn-Codec": str(codec), "Vary": "Accept"}
            return Response(stored, media_type=COMPRESSED_TYPE, headers=headers)
    return Response(store.get(parsed), media_type=RAW_TYPE, headers={"ETag": f'"{parsed}.raw"', "Vary": "Accept"})


@router.head("/blocks/{cid}", response_class=Response)
def head_block(cid: CidPath, cairn: CairnDep) -> Response:
    parsed = parse_cid(cid)
    if not cairn.store.has(parsed):
        return Response(status_code=404, media_type="application/json")
    return Response(media_type=RAW_TYPE, headers={"ETag": f'"{parsed}.raw"'})


@router.put(
    "/blocks/{cid}",
    response_model=BlockPutResponse,
    openapi_extra={
        "requestBody": {"required": True, "content": {RAW_TYPE: BINARY, "application/octet-stream": BINARY}}
    },
)
async def put_block(cid: CidPath, request: Request, _: WriterDep) -> BlockPutResponse:
    """Store one block; 401 before the body is read without a write token, 400 if the bytes do not match.

    No record names the block yet, so ``cairn gc`` keeps it for a grace period after its last put
    (a day, ``cairn.storage.gc.LOOSE_GRACE_SECONDS``), time to send the record that names it."""
    parsed = parse_cid(cid)
    data = await read_body(request, MAX_BLOCK_BYTES, "blocks")
    if not parsed.matches(data):
        raise ApiError(400, "cid_mismatch", f"the body does not hash to {parsed}")
    settings = server_config(request).settings
    new = await run_in_threadpool(with_repo, settings, lambda repo: repo.store.put_loose(parsed, data))
    return BlockPutResponse(cid=str(parsed), new=new)


MissingBody = Annotated[MissingRequest, Depends(json_body(MissingRequest, require_read))]


@router.post("/missing", response_model=MissingResponse, openapi_extra=json_openapi(MissingRequest))
def missing_blocks(body: MissingBody, cairn: CairnDep) -> MissingResponse:
    """Which of these blocks this node lacks (as the caller may know it): a peer sends only those."""
    store = cairn.store
    return MissingResponse(missing=[c for c in body.cids if not store.has(parse_cid(c))])


@router.get("/car/{cid}", response_class=StreamingResponse, responses={200: {"content": {CAR_TYPE: {}}}})
def export(cid: CidPath, cairn: CairnDep, with_ancestors: Annotated[bool, Query()] = False) -> StreamingResponse:
    """An artifact (record, content, run record; ancestors on request, as far as the caller may
    see them) as a CAR v1 stream."""
    parsed = parse_cid(cid)
    cairn.store.get(parsed)  # 404 now rather than a broken stream later
    return StreamingResponse(_car_stream(cairn, parsed, with_ancestors), media_type=CAR_TYPE)


class _QueueWriter:
    """A file-like that hands written bytes to a queue, so a CAR is streamed as it is built."""

    def __init__(self, out: queue.Queue[bytes | None]) -> None:
        self.out = out

    def write(self, data: bytes | memoryview) -> int:
        self.out.put(bytes(data))
        return len(data)


def _car_stream(cairn: Cairn, cid: CID, with_ancestors: bool) -> Iterator[bytes]:
    out: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
    # The producer needs its own Repo: SQLite connections stay in the thread that made them.
    worker = Cairn(repo=Repo(cairn.repo.settings), access=cairn.access)
    worker_repo = worker.repo

    def produce() -> None:
        try:
            export_car(worker.store, cid, _QueueWriter(out), with_ancestors)
        finally:
            out.put(None)
            worker_repo.close()

    threading.Thread(target=produce, daemon=True).start()
    while (chunk := out.get()) is not None:
        yield chunk


@router.post(
    "/car",
    response_model=CarImportResponse,
    status_code=201,
    openapi_extra={
        "requestBody": {"required": True, "content": {CAR_TYPE: BINARY, "application/octet-stream": BINARY}}
    },
)
async def import_car_upload(request: Request, _: WriterDep) -> CarImportResponse:
    """Import a CAR stream: spooled to disk as it arrives, every block verified, roots visible only when whole.

    Records that do not pass admission are listed in ``refused``: kept as blocks, never counted.
    A client that disconnects mid-upload leaves only the spool file, which is removed.
    """
    from cairn.lineage.workflows.carfile import import_car_stream

    config = server_config(request)
    check_declared(request, config.max_upload_bytes)  # before the spool file is made
    with tempfile.TemporaryFile(dir=_tmp_dir(config.settings)) as spool:
        async for chunk in capped_stream(request, config.max_upload_bytes):
            spool.write(chunk)
        spool.seek(0)
        result = await run_in_threadpool(with_repo, config.settings, lambda repo: import_car_stream(repo, spool))
    return CarImportResponse(
        roots=[str(r) for r in result.roots],
        blocks=result.blocks,
        blocks_new=result.blocks_new,
        artifacts=[str(a) for a in result.artifacts],
        refused=[RefusedRecord(**r.to_json()) for r in result.refused],
    )


def _tmp_dir(settings: Settings) -> str:
    path = settings.home / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)
