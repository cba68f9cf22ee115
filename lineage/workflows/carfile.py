"""`cairn car export` / `car import`: move artifacts (or any DAG) between stores as CAR v1.

Export takes the record, everything it links to (content, files_meta) and the records it
references by value that the store holds (its run record; every ancestor with
``with_ancestors``). Import verifies every block, checks each root's DAG is complete, and only
then makes anything visible, all in one write session (gc cannot run between the blocks and the
rows that keep them): the records that pass admission (``Index.add_signed``), while the others
stay blocks that count for nothing and are listed in ``ImportResult.refused``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cairn.chunking.car import CarWriter, Writable, read_blocks, read_header
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, CairnError, CorruptInput, IntegrityError
from cairn.lineage.records.admission import Equivocation, Refused
from cairn.lineage.records.model import NotARecord, SignedRecord, decode_record, record_refs
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
    refused: list[Refused] = field(default_factory=list)  # records kept as blocks that count for nothing

    def to_json(self) -> dict[str, Any]:
        """What `car import --json` prints and ``POST /v1/car`` returns."""
        return {"roots": [str(r) for r in self.roots], "blocks": self.blocks, "blocks_new": self.blocks_new,
                "artifacts": [str(a) for a in self.artifacts],
                "refused": [r.to_json() for r in self.refused]}  # fmt: skip


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
        _register(repo, header.roots, result)
    return result


def _check_complete(store: BlockStore, root: CID) -> None:
    try:
        for _ in walk_cids(store, root):
            pass
    except CorruptInput as exc:  # say so: "not whole" would send the user looking for a missing block
        raise IntegrityError(f"the CAR holds a block under {root} that does not decode: {exc}") from exc
    except CairnError as exc:
        raise IntegrityError(f"the CAR does not hold the whole DAG of {root}: {exc}") from exc


def _is_complete(store: BlockStore, root: CID) -> bool:
    try:
        _check_complete(store, root)
    except IntegrityError:
        return False
    return True


def _register(repo: Repo, roots: list[CID], result: ImportResult) -> None:
    """Index what the roots hold, each record through admission: a root record and the records
    it references that arrived whole (its run record, ancestors sent with ``--with-ancestors``).
    Name records go last, so that admission sees the artifacts they name. Other roots (UnixFS,
    plain IPLD) are kept as roots so that gc keeps them."""
    records: dict[CID, SignedRecord] = {}
    for root in roots:
        try:
            record = _record_or_none(repo, root)
        except IntegrityError as exc:  # DAG-CBOR that is not canonical: a block that counts for nothing
            result.refused.append(Refused(root, str(exc)))
            continue
        if record is None:
            repo.index.add_root(root, "car import")
            continue
        for referenced in [*_referenced(repo, record), record]:
            records.setdefault(referenced.cid, referenced)
    roots_set = set(roots)
    for record in sorted(records.values(), key=lambda r: r.type == "name"):  # stable: ancestors first
        verdict = repo.index.add_signed(record)
        if isinstance(verdict, Equivocation):
            continue  # a rival record for a seq already held: signed, but the first one stays
        if isinstance(verdict, Refused):
            result.refused.append(verdict)
        elif verdict.type == "artifact" and record.cid in roots_set:
            result.artifacts.append(record.cid)


def _record_or_none(repo: Repo, cid: CID) -> SignedRecord | None:
    if cid.codec != DAG_CBOR:
        return None
    try:
        return decode_record(cid, repo.store.get(cid))
    except NotARecord:
        return None


def _referenced(repo: Repo, record: SignedRecord) -> list[SignedRecord]:
    """The records ``record`` references (with their ancestors) that the store holds whole,
    ancestors first; references that are malformed are left to admission to refuse."""
    found: list[SignedRecord] = []
    seen, queue = {record.cid}, [record]
    while queue:
        current = queue.pop()
        try:
            refs = record_refs(current.body, with_ancestors=True)
        except (CairnError, TypeError):
            continue
        for ref in refs:
            if ref in seen or ref.codec != DAG_CBOR or not repo.store.has(ref) or not _is_complete(repo.store, ref):
                continue
            seen.add(ref)
            try:
                referenced = decode_record(ref, repo.store.get(ref))
            except CairnError:
                continue  # not a record this Cairn reads: nothing to index
            found.append(referenced)
            queue.append(referenced)
    return found[::-1]
