"""Hugging Face sharded checkpoints: ``model-00001-of-00002.safetensors`` files plus the
``model.safetensors.index.json`` that maps every tensor to its shard.

Pulled back, such a folder is byte for byte what was published, so ``safetensors`` and
``transformers`` load it as they would a Hub download. At publish the index is checked against
the shards' own headers (a broken index would fail only at load time, on someone else's
machine), and its summary goes into the index file's ``files_meta`` row as ``shard_index``:
``{"shards": [paths], "tensors": count, "total_size": bytes | null}``. The tensor-to-shard map
itself is already there: every tensor row names the shard that holds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from cairn.errors import BadInput

INDEX_SUFFIX = ".safetensors.index.json"
MAX_INDEX_BYTES = 64 << 20  # real indexes are kilobytes; this only bounds a hostile one


def add_shard_indexes(rows: list[dict[str, Any]], source: Callable[[str], Path]) -> None:
    """Check every ``*.safetensors.index.json`` among ``rows`` and add its ``shard_index``."""
    where = {(row["path"], row["tensor"]) for row in rows if "tensor" in row}
    for row in rows:
        if "tensor" not in row and str(row["path"]).endswith(INDEX_SUFFIX):
            row["shard_index"] = _summary(row["path"], _weight_map(row["path"], source(row["path"])), where)


def shards_of(row: dict[str, Any]) -> list[str]:
    """The shard paths a files_meta row of an index lists (none for any other row)."""
    index = row.get("shard_index")
    return [str(s) for s in index.get("shards", [])] if isinstance(index, dict) else []


def _weight_map(rel: str, path: Path) -> tuple[dict[str, str], int | None]:
    if path.stat().st_size > MAX_INDEX_BYTES:
        raise BadInput(f"{rel}: a shard index over {MAX_INDEX_BYTES >> 20} MiB is not a real one")
    try:
        index = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"{rel}: not valid JSON ({exc})") from None
    weight_map = index.get("weight_map") if isinstance(index, dict) else None
    if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
        raise BadInput(f"{rel}: a shard index needs a weight_map of tensor name -> shard file")
    metadata = index.get("metadata")
    total = metadata.get("total_size") if isinstance(metadata, dict) else None
    return weight_map, total if isinstance(total, int) and not isinstance(total, bool) else None


def _summary(rel: str, parsed: tuple[dict[str, str], int | None], where: set[tuple[str, str]]) -> dict[str, Any]:
    weight_map, total = parsed
    folder = PurePosixPath(rel).parent
    shards: set[str] = set()
    for tensor, shard in weight_map.items():
        shard_path = str(folder / shard)
        if (shard_path, tensor) not in where:
            raise BadInput(f"{rel}: {tensor!r} is mapped to {shard!r}, which does not hold it in this artifact")
        shards.add(shard_path)
    return {"shards": sorted(shards), "tensors": len(weight_map), "total_size": total}
