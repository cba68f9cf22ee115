"""`cairn car export` / `car import`: move artifacts (or any DAG) between stores as CAR v1.

Export takes the record, everything it links to (content, files_meta) and the records it
references by value that the store holds (its run record; every ancestor with
``with_ancestors``). Import verifies every block, checks each root's DAG is complete, and only
then makes anything visible, all in one write session (gc cannot run between the blocks and the
rows that keep them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cairn.chunking.car import CarWriter, Writable, read_blocks, read_header
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, CairnError, IntegrityError
from cairn.lineage.records.model import NotARecord, decode_record, record_refs
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import BlockStore
from cairn.storage.dagwalk import walk, walk_cids


def artifact_roots(store: BlockStore, cid: CID, with_ancestors: bool) -> list[CID]:
    """The DAG roots that make up an artifact in ``store``: the record, its run record, and with
    ``with_ancestors`` every ancestor record the store holds."""
    roots = [cid]
    queue = [cid]
    while queue:
        current = queue.pop()
        if current.codec != DAG_CBOR:
            continue
        for ref in record_refs(decode_record(current, store.get(current)).body, with_ancestors):
            if ref not in roots and store.has(ref):
                roots.append(ref)
                queue.append(ref)
    return roots


def iter_artifact_blocks(store: BlockStore, cid: CID, with_ancestors: bool = False) -> Iterator[tuple[CID, bytes]]:
    seen: set[bytes] = set()
    for root in artifact_roots(store, cid, with_ancestors):
        yield from walk(store, root, seen)


def export_car(store: BlockStore, cid: CID, stream: Writable, with_ancestors: bool = False,
               names: Sequence[CID] = ()) -> CarWriter:  # fmt: skip
    """The artifact's blocks as a CAR; ``names`` (name records) travel as extra roots, which an
    import indexes as names once their signatures hold."""
    writer = CarWriter(stream, [cid, *names])
    for block_cid, data in iter_artifact_blocks(store, cid, with_ancestors):
        writer.put(block_cid, data)
    for name in names:
        writer.put(name, store.get(name))
    return writer


def name_roots(repo: Repo, cid: CID) -> list[CID]:
    """The name records this home holds that point at ``cid``, to send along with it."""
    return [claim.record for claim in repo.index.name_records(target=cid) if repo.store.has(claim.record)]


@dataclass
class ImportResult:
    roots: list[CID]
    blocks: int = 0
    blocks_new: int = 0
    artifacts: list[CID] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """What `car import --json` prints and ``POST /v1/car`` returns."""
        return {"roots": [str(r) for r in self.roots], "blocks": self.blocks, "blocks_new": self.blocks_new,
                "artifacts": [str(a) for a in self.artifacts]}  # fmt: skip


def import_car(repo: Repo, path: Path) -> ImportResult:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with below; opened first to map errors
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        return import_car_stream(repo, handle)


def import_car_stream(repo: Repo, stream: BinaryIO) -> ImportResult:
    """Import a CAR read from ``stream``; nothing becomes visible unless every root is whole.

    The header is read before the store is touched: a body that is not a CAR at all costs no
    pack writer (an upload route sees many of those).
    """
    header = read_header(stream)
    with repo.writing():  # gc waits until the roots' rows keep every block, new or found here
        with repo.store.writer() as writer:
            result = ImportResult(header.roots)
            for cid, data in read_blocks(stream):
                result.blocks += 1
                result.blocks_new += writer.put(cid, data)
            for root in header.roots:
                _check_complete(writer, root)
        for root in header.roots:
            _register(repo, root, result)
    return result


def _check_complete(store: BlockStore, root: CID) -> None:
    try:
        for _ in walk_cids(store, root):
            pass
    except CairnError as exc:
        raise IntegrityError(f"the CAR does not hold the whole DAG of {root}: {exc}") from exc


def _is_complete(store: BlockStore, root: CID) -> bool:
    try:
        _check_complete(store, root)
    except IntegrityError:
        return False
    return True


def _register(repo: Repo, root: CID, result: ImportResult) -> None:
    try:
        record = decode_record(root, repo.store.get(root)) if root.codec == DAG_CBOR else None
    except NotARecord:
        record = None
    if record is None:  # UnixFS or other IPLD data: kept as a root so gc keeps it
        repo.index.add_root(root, "car import")
        return
    for ref in artifact_roots(repo.store, root, with_ancestors=True)[1:]:
        if _is_complete(repo.store, ref):  # ancestors travel only with --with-ancestors; index whole ones
            repo.index.add_signed(decode_record(ref, repo.store.get(ref)))
    repo.index.add_signed(record)
    if record.type == "artifact":
        result.artifacts.append(root)
