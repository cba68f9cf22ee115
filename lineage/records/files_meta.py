"""What UnixFS does not record about an artifact's files: media types and the safetensors
tensor index (name, dtype, shape, byte range), so one tensor can be fetched without the rest.

Stored as DAG-CBOR: a top block ``{"shards": [link...]}`` and shards ``{"rows": [...]}``, each
shard kept under 512 KiB so no block ever passes 1 MiB however many tensors a model has.
Rows are ``{"path", "size", "cid", "media_type"}`` for files and ``{"path", "tensor", "dtype",
"shape", "start", "end"}`` for tensors (offsets within the file).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.chunking.dag import BlockSink
from cairn.chunking.safetensors import MAX_HEADER_BYTES, parse_header
from cairn.storage.blockstore import BlockStore

SHARD_BYTES = 512 * 1024

_MEDIA_TYPES = {
    ".safetensors": "application/vnd.safetensors",
    ".gguf": "application/vnd.gguf",
    ".parquet": "application/vnd.apache.parquet",
    ".jsonl": "application/jsonl",
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".json": "application/json",
    ".txt": "text/plain",
    ".model": "application/octet-stream",
}


def media_type(path: str) -> str:
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _MEDIA_TYPES:
        return _MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


def file_rows(rel_path: str, source: Path, cid: CID, size: int) -> Iterator[dict[str, Any]]:
    yield {"path": rel_path, "size": size, "cid": cid, "media_type": media_type(rel_path)}
    if rel_path.endswith(".safetensors") and size >= 8:
        with open(source, "rb") as handle:
            head = handle.read(8)
            length = int.from_bytes(head, "little")
            if length <= MAX_HEADER_BYTES:  # a longer one is refused by parse_header from 8 bytes,
                head += handle.read(min(length, size - 8))  # not first honoured by reading the file
        for tensor in parse_header(head, size).tensors:
            yield {
                "path": rel_path, "tensor": tensor.name, "dtype": tensor.dtype,
                "shape": list(tensor.shape), "start": tensor.start, "end": tensor.end,
            }  # fmt: skip


def emit_files_meta(rows: list[dict[str, Any]], hash_code: int, sink: BlockSink) -> CID:
    """Write the rows as shards plus a top block; return the top block's CID."""
    shards: list[CID] = []
    batch: list[dict[str, Any]] = []
    batch_bytes = 0
    for row in rows:
        size = len(dagcbor.encode(row))
        if batch and batch_bytes + size > SHARD_BYTES:
            shards.append(_emit({"rows": batch}, hash_code, sink))
            batch, batch_bytes = [], 0
        batch.append(row)
        batch_bytes += size
    shards.append(_emit({"rows": batch}, hash_code, sink))
    return _emit({"shards": shards}, hash_code, sink)


def _emit(value: dict[str, Any], hash_code: int, sink: BlockSink) -> CID:
    data = dagcbor.encode(value)
    cid = CID.of(DAG_CBOR, hash_code, data)
    sink(cid, data)
    return cid


def read_files_meta(store: BlockStore, top: CID) -> Iterator[dict[str, Any]]:
    """Every row, in order, from a files_meta top block."""
    head = dagcbor.decode(store.get(top))
    for shard in head.get("shards", []):
        if isinstance(shard, CID):
            yield from dagcbor.decode(store.get(shard)).get("rows", [])
