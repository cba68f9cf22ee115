"""Moving DAGs between block stores: fetch what the local store lacks from a remote, verified.

Returns a named result and takes a progress callback instead of printing (dvc-data's habit);
the CLI supplies a Rich bar, the API a job status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cairn.chunking.cid import CID, RAW
from cairn.storage.blockstore import BlockStore, HomeStore
from cairn.storage.dagwalk import links_of


@dataclass
class TransferResult:
    moved: int = 0  # blocks copied
    skipped: int = 0  # blocks the destination already had
    bytes_moved: int = 0


def fetch_dag(remote: BlockStore, local: HomeStore, roots: list[CID],
              progress: Callable[[int], None] | None = None) -> TransferResult:  # fmt: skip
    """Copy every block under ``roots`` that ``local`` lacks from ``remote``.

    Blocks are committed as they arrive (the pack writer checkpoints), so an interrupted fetch
    resumes where it stopped: blocks already local are read locally for their links, not fetched.
    The remote's ``get`` verifies every block against its CID before it is stored.
    """
    result = TransferResult()
    seen: set[bytes] = set()
    with local.writer() as writer:
        stack = list(reversed(roots))
        while stack:
            cid = stack.pop()
            if cid.raw in seen:
                continue
            seen.add(cid.raw)
            if writer.has(cid):
                result.skipped += 1
                data = writer.get(cid) if cid.codec != RAW else b""
            else:
                data = remote.get(cid)
                writer.put(cid, data)
                result.moved += 1
                result.bytes_moved += len(data)
                if progress:
                    progress(len(data))
            if cid.codec != RAW:
                stack.extend(reversed(links_of(cid, data)))
    return result
