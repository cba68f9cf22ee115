"""HAMT-sharded UnixFS directories (placeholder until implemented)."""

from __future__ import annotations

from chunking.dag import BlockSink, DagEntry


def emit_hamt_directory(entries: list[tuple[str, DagEntry]], hash_code: int, sink: BlockSink) -> DagEntry:
    raise NotImplementedError("HAMT directories are not implemented yet")
