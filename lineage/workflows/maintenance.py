"""`cairn fsck` and `cairn gc`: check that every visible artifact is whole and matches the index,
rebuild the index from the records, and drop what nothing references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, CairnError
from cairn.lineage.index.catalog import ArtifactRow
from cairn.lineage.records.admission import Admitted, Equivocation, Refused, Verdict
from cairn.lineage.records.model import NotARecord, decode_record
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
    _check_records(repo, report, drop=reindex)
    if reindex:
        _reindex(repo, report)
    if repair and remotes:
        _restore(repo, remotes, report)
    for row in repo.index.artifacts():
        _check_artifact(repo, row, report)
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
    """An indexed artifact must be whole (its manifest is checked by ``_check_records``)."""
    report.artifacts_checked += 1
    try:
        for _ in walk(repo.store, row.cid):
            pass
    except CairnError as exc:
        report.problems.append(f"artifact {row.name} ({row.cid}): {exc}")


def _check_records(repo: Repo, report: FsckReport, drop: bool) -> None:
    """Every record the index counts (an artifact, name, run or edge row) must pass admission
    today and say what the index says of it. With ``drop`` (``--reindex``) the rows of one that
    does not are dropped, to be rebuilt from what its record does say; else each is a problem.
    A missing block is a problem, never a forgery (an artifact's is found by its walk)."""
    index = repo.index
    artifacts = {row.cid: row for row in index.artifacts()}
    names = {claim.record: claim for claim in index.name_records(every=True)}
    types = dict(index.record_rows())
    edges: dict[CID, set[tuple[CID, str]]] = {}
    for child, parent, relation in index.edge_rows():
        edges.setdefault(child, set()).add((parent, relation))
    for cid in sorted(artifacts.keys() | names.keys() | types.keys() | edges.keys()):
        what = f"{types.get(cid) or ('artifact' if cid in artifacts else 'name')} record {cid}"
        try:
            data = repo.store.get(cid)
        except CairnError as exc:  # corrupt blocks are reported as such, artifacts by their walk
            if cid not in artifacts and not repo.store.has(cid) and (cid in names or cid in types):
                report.problems.append(f"{what}: {exc}")
            continue
        wrong: str | None
        verdict: Verdict | None
        try:
            verdict = index.admit(decode_record(cid, data))
        except NotARecord:
            verdict = None
        except CairnError as exc:
            verdict = Refused(cid, str(exc))
        if verdict is None:
            wrong = "it is not a Cairn record"
        elif isinstance(verdict, Refused):
            wrong = f"it does not pass admission: {verdict.reason}"
        else:
            wrong = _disagreement(verdict, artifacts.get(cid), names.get(cid), types.get(cid), edges.get(cid, set()))
        if wrong is None:
            continue
        if drop:
            index.forget(cid)
            report.repaired.append(f"unindexed {what}: {wrong}")
        else:
            report.problems.append(f"{what}: {wrong}")


def _disagreement(verdict: Admitted, row: ArtifactRow | None, name: NameClaim | None, kind: str | None,
                  edges: set[tuple[CID, str]]) -> str | None:  # fmt: skip
    """What the index says of an admitted record that the record does not, if anything."""
    if kind is not None and kind != verdict.type:
        return f"the index calls it a {kind} record, it is a {verdict.type} record"
    m = verdict.manifest
    if row is not None:
        if m is None:
            return f"the index lists it as an artifact, it is a {verdict.type} record"
        said = (m.name, m.version, m.kind, m.profile, m.bytes, m.file_count, m.publisher, m.access)
        if said != (row.name, row.version, row.kind, row.profile, row.bytes, row.file_count, row.publisher,
                    row.access):  # fmt: skip
            return "the index disagrees with its manifest"
    elif m is not None:
        return "its artifact row is missing"
    if name is not None and (verdict.type != "name" or replace(name, seen_at=0.0) != verdict.claim):
        return "the index disagrees with it"
    if not edges <= set(verdict.edges):
        return "the index holds lineage edges it does not state"
    return None


def _reindex(repo: Repo, report: FsckReport) -> None:
    """Re-create index rows for every record found in the store that passes admission: the
    artifacts and other records first, then names (so admission sees what they name)."""
    found = []
    for cid in repo.store.iter_cids():
        if cid.codec != DAG_CBOR or repo.index.has_record(cid):
            continue
        try:
            record = decode_record(cid, repo.store.get(cid))
        except CairnError:
            continue  # files_meta shards and foreign DAG-CBOR are not records
        found.append(record)
    for record in sorted(found, key=lambda r: r.type == "name"):
        verdict = repo.index.add_signed(record)
        if isinstance(verdict, Equivocation):
            report.notes.append(f"not indexed: name record {record.cid}: {verdict.reason}")
        elif isinstance(verdict, Refused):
            report.notes.append(f"not indexed: {record.type} record {record.cid}: it does not pass admission: "
                                f"{verdict.reason}")  # fmt: skip
        else:
            report.repaired.append(f"indexed {record.type} record {record.cid}")


def gc(repo: Repo) -> GcResult:
    store = repo.store
    if not isinstance(store, PackStore):
        raise BadInput("blocks live in Kubo (CAIRN_BLOCKSTORE=ipfs): collect garbage with Kubo's gc")
    if not repo.exists():
        return GcResult(0, 0, 0, 0)
    return collect_garbage(store, repo.index.root_cids)  # the roots are read under gc's lock, not before
