"""One tensor of a published safetensors model, without fetching the rest.

The manifest's ``files_meta`` lists every tensor's dtype, shape and byte range, and the UnixFS
file tree lists its blocks' sizes, so exactly the blocks holding that range are read (from the
local store, or fetched from a remote and verified first).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cairn.chunking.cid import CID
from cairn.errors import BadInput, NotFound, UnsupportedFormat
from cairn.lineage.records.files_meta import read_files_meta
from cairn.lineage.records.shards import shards_of
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.resolve import open_target
from cairn.storage.blockstore import BlockStore
from cairn.storage.unixfs_read import iter_range

# safetensors dtypes numpy can hold as they are; BF16 and F8 come back as raw unsigned ints.
_NUMPY_DTYPES = {
    "BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16, "U16": np.uint16, "F16": np.float16,
    "I32": np.int32, "U32": np.uint32, "F32": np.float32, "I64": np.int64, "U64": np.uint64, "F64": np.float64,
    "BF16": np.uint16, "F8_E5M2": np.uint8, "F8_E4M3": np.uint8, "F8_E8M0": np.uint8,
}  # fmt: skip


@dataclass(frozen=True)
class TensorRef:
    file: str
    name: str
    dtype: str
    shape: tuple[int, ...]
    start: int
    end: int
    file_cid: CID


def find_tensor(store: BlockStore, artifact: CID, file: str, name: str) -> TensorRef:
    target = open_target(store, artifact)
    if target.manifest is None or target.manifest.files_meta is None:
        raise BadInput(f"{artifact} is not an artifact with a tensor index")
    rows = list(read_files_meta(store, target.manifest.files_meta))
    asked = next((row for row in rows if row.get("path") == file and "tensor" not in row), None)
    if asked is None:
        raise NotFound(f"{artifact} has no file {file!r}")
    files = {file, *shards_of(asked)}  # a shard index: the tensor is in one of its shards
    found = next((r for r in rows if r.get("path") in files and r.get("tensor") == name), None)
    if found is None:
        raise NotFound(f"{file} has no tensor {name!r}")
    file_cid = next(r["cid"] for r in rows if r.get("path") == found["path"] and "tensor" not in r)
    return TensorRef(found["path"], name, found["dtype"], tuple(found["shape"]), found["start"], found["end"], file_cid)


def read_tensor_bytes(store: BlockStore, ref: TensorRef) -> bytes:
    return b"".join(iter_range(store, ref.file_cid, ref.start, ref.end))


def load_tensor(store: BlockStore, artifact: CID, file: str, name: str) -> np.ndarray:
    """The tensor as a numpy array (BF16 and F8 as their raw unsigned integers)."""
    return _as_array(store, find_tensor(store, artifact, file, name))


@dataclass(frozen=True)
class TensorRead:
    """One tensor read: the array, where it lies, and what had to come from remotes."""

    array: np.ndarray
    ref: TensorRef
    bytes_fetched: int
    output: Path | None = None

    def to_json(self) -> dict[str, Any]:
        """What `tensor --json` prints."""
        ref = self.ref
        return {"tensor": ref.name, "dtype": ref.dtype, "shape": list(ref.shape), "bytes": ref.end - ref.start,
                "bytes_fetched": self.bytes_fetched, "output": str(self.output)}  # fmt: skip


def read_tensor(repo: Repo, artifact: CID, file: str, name: str, remotes: Sequence[str] = ()) -> TensorRead:
    """The tensor, its blocks read locally or fetched (verified, kept) from ``remotes``."""
    from cairn.storage.remotes import open_remote
    from cairn.storage.union import UnionStore

    store = UnionStore(repo.store, [open_remote(r, repo.settings) for r in remotes])
    with repo.writing() if remotes else contextlib.nullcontext():  # what is fetched is kept: a write
        ref = find_tensor(store, artifact, file, name)
        return TensorRead(_as_array(store, ref), ref, store.bytes_fetched)


def _as_array(store: BlockStore, ref: TensorRef) -> np.ndarray:
    dtype = _NUMPY_DTYPES.get(ref.dtype)
    if dtype is None:
        raise UnsupportedFormat(f"tensor dtype {ref.dtype} has no numpy equivalent")
    data = read_tensor_bytes(store, ref)
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(ref.shape)
