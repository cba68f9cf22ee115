"""`cairn fsck` and `cairn gc`: check that every visible artifact is whole and matches the index,
rebuild the index from the records, and drop what nothing references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, CairnError
from cairn.lineage.index.catalog import ArtifactRow
from cairn.lineage.records.model import Manifest, decode_record
from cairn.lineage.records.names import NameClaim
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import BlockStore
from cairn.storage.dagwalk import walk
from cairn.storage.gc import GcResult, collect_garbage
from cairn.storage.packstore import PackStore
from cairn.storage.staging import remove_leftovers
from cairn.storage.union import UnionStore


@dataclass
class FsckReport:
    blocks_checked: int = 0
    artifacts_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """What `fsck --json` prints."""
        return {"ok": self.ok, "blocks_checked": self.blocks_checked, "artifacts_checked": self.artifacts_checked,
                "problems": self.problems, "repaired": self.repaired, "notes": self.notes}  # fmt: skip


def fsck(repo: Repo, repair: bool = False, reindex: bool = False, remotes: Sequence[BlockStore] = ()) -> FsckReport:
    """Check every block and artifact. With ``repair``, corrupt blocks are dropped and, where
    ``remotes`` are given, every missing block of every artifact is fetched back (verified)."""
    report = FsckReport()
    if not repo.exists():
        report.notes.append(f"{repo.home} holds no store yet")
        return report
    # A write session: the blocks a repair fetches or reindexes stay until their rows are written,
    # and no gc changes the store while it is being checked.
    with repo.writing():
        _fsck(repo, report, repair, reindex, remotes)
    return report


def _fsck(repo: Repo, report: FsckReport, repair: bool, reindex: bool, remotes: Sequence[BlockStore]) -> None:
    _remove_leftovers(repo, report)
    corrupt = _check_blocks(repo, report)
    if repair and corrupt:
        repo.store.delete_many(corrupt)
        report.repaired += [f"dropped corrupt block {c}" for c in corrupt]
    if reindex:
        _reindex(repo, report)
    if repair and remotes:
        _restore(repo, remotes, report)
    for row in repo.index.artifacts():
        _check_artifact(repo, row, report)
    _check_names(repo, report)
    if not repair:
        report.problems[:0] = [f"block {c} is corrupt" for c in corrupt]


def _remove_leftovers(repo: Repo, report: FsckReport) -> None:
    """Staging folders of uploads whose server was killed (their lock is free): not problems,
    leftovers (docs/cli.md, fsck), removed so that they do not pile up in the home."""
    tmp = repo.home / "tmp"
    removed = remove_leftovers(tmp, "upload-*") if tmp.is_dir() else []
    if removed:
        report.notes.append(f"removed {len(removed)} staging folders of interrupted uploads from {tmp}")


def _check_blocks(repo: Repo, report: FsckReport) -> list[CID]:
    corrupt = []
    for cid in repo.store.iter_cids():
        report.blocks_checked += 1
        try:
            repo.store.get(cid)
        except CairnError:
            corrupt.append(cid)
    return corrupt


def _restore(repo: Repo, remotes: Sequence[BlockStore], report: FsckReport) -> None:
    """Walk every artifact through the local store backed by the remotes: what is missing here
    is fetched, verified by the remote's ``get``, and stored."""
    union = UnionStore(repo.store, list(remotes))
    for row in repo.index.artifacts():
        try:
            for _ in walk(union, row.cid):
                pass
        except CairnError as exc:
            report.notes.append(f"could not restore {row.name} ({row.cid}): {exc}")
    if union.bytes_fetched:
        report.repaired.append(f"restored {union.blocks_fetched} blocks ({union.bytes_fetched} bytes) from remotes")


def _check_artifact(repo: Repo, row: ArtifactRow, report: FsckReport) -> None:
    report.artifacts_checked += 1
    cid = row.cid
    try:
        manifest = Manifest.from_record(decode_record(cid, repo.store.get(cid)))
        for _ in walk(repo.store, cid):
            pass
    except CairnError as exc:
        report.problems.append(f"artifact {row.name} ({row.cid}): {exc}")
        return
    if (manifest.name, manifest.version, manifest.kind) != (row.name, row.version, row.kind):
        report.problems.append(f"artifact {row.cid}: the index disagrees with its manifest")


def _check_names(repo: Repo, report: FsckReport) -> None:
    """Every indexed name must be backed by its record, signed, saying what the index says."""
    for claim in repo.index.name_records():
        try:
            found = NameClaim.from_record(decode_record(claim.record, repo.store.get(claim.record)))
        except CairnError as exc:
            report.problems.append(f"name {claim.name} ({claim.record}): {exc}")
            continue
        if replace(found, seen_at=claim.seen_at) != claim:
            report.problems.append(f"name record {claim.record}: the index disagrees with it")


def _reindex(repo: Repo, report: FsckReport) -> None:
    """Re-create index rows for every record found in the store."""
    for cid in repo.store.iter_cids():
        if cid.codec != DAG_CBOR:
            continue
        try:
            record = decode_record(cid, repo.store.get(cid))
        except CairnError:
            continue  # files_meta shards and foreign DAG-CBOR are not records
        if repo.index.has_record(cid):
            continue
        repo.index.add_signed(record)
        report.repaired.append(f"indexed {record.type} record {cid}")


def gc(repo: Repo) -> GcResult:
    store = repo.store
    if not isinstance(store, PackStore):
        raise BadInput("blocks live in Kubo (CAIRN_BLOCKSTORE=ipfs): collect garbage with Kubo's gc")
    if not repo.exists():
        return GcResult(0, 0, 0, 0)
    return collect_garbage(store, repo.index.root_cids)  # the roots are read under gc's lock, not before
