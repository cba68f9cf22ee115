"""`cairn publish`: store files, write their signed manifest, make the artifact visible.

Order matters for crash safety: blocks first (durable), manifest last, index row after that.
Any failure before the index row leaves nothing visible, and the pack writer truncates what it
had appended. All of it runs in one write session (``Repo.writing()``), so a ``cairn gc`` started
meanwhile waits for the index rows, which keep every block the publish stored or deduplicated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from cairn.chunking.cid import CID
from cairn.chunking.importer import ImportResult, import_paths
from cairn.chunking.profiles import DEFAULT_PROFILE, Profile, get_profile
from cairn.errors import BadInput, Conflict
from cairn.lineage.records.admission import Admitted, Equivocation, Refused, Verdict
from cairn.lineage.records.files_meta import emit_files_meta, file_rows
from cairn.lineage.records.keys import SigningKey, load_or_create_key
from cairn.lineage.records.model import KINDS, ManifestDraft, decode_record, make_manifest_record
from cairn.lineage.records.names import NameClaim, NameRef, check_name, choose, name_record
from cairn.lineage.records.runs import check_run, make_run_record, run_body
from cairn.lineage.records.shards import add_shard_indexes
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import StoreWriter

_MODEL_SUFFIXES = {".safetensors", ".gguf", ".pt", ".pth", ".bin", ".onnx", ".ckpt", ".h5", ".msgpack"}
_DATA_SUFFIXES = {".csv", ".parquet", ".jsonl", ".arrow", ".tsv", ".json", ".txt", ".npy", ".npz"}
_NAME_ATTEMPTS = 8  # concurrent publishes of one name each retry at the next seq


@dataclass(frozen=True)
class PublishOptions:
    name: str | None = None
    version: str | None = None
    kind: str | None = None
    license: str | None = None
    private: bool = False
    profile: str = DEFAULT_PROFILE
    derived_from: tuple[CID, ...] = ()
    run: dict[str, Any] | None = None  # the fields of a run record, as read from run.json
    meta: dict[str, Any] = field(default_factory=dict)
    force: bool = False


@dataclass(frozen=True)
class PublishedFile:
    path: str
    cid: CID
    size: int

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "cid": str(self.cid), "size": self.size}


@dataclass(frozen=True)
class PublishResult:
    cid: CID
    name: str
    version: str | None
    kind: str
    files: list[PublishedFile]
    bytes_total: int
    bytes_new: int
    created_key: str | None  # the did:key of a key made by this publish
    run: CID | None = None
    name_record: CID | None = None  # None when republishing changed no name

    def to_json(self) -> dict[str, Any]:
        """The one JSON form: what `publish --json` prints and ``POST /v1/artifacts`` returns."""
        return {
            "cid": str(self.cid),
            "name": self.name,
            "version": self.version,
            "kind": self.kind,
            "files": [f.to_json() for f in self.files],
            "bytes_total": self.bytes_total,
            "bytes_new": self.bytes_new,
            "run": str(self.run) if self.run else None,
            "name_record": str(self.name_record) if self.name_record else None,
        }


class _CountingSink:
    """Hands blocks to the pack writer and counts unique bytes in total and new."""

    def __init__(self, writer: StoreWriter) -> None:
        self.writer = writer
        self.seen: set[bytes] = set()
        self.bytes_total = 0
        self.bytes_new = 0

    def flush(self) -> None:
        self.writer.flush()

    def layout(self, dtype: str | None) -> None:
        self.writer.layout(dtype)

    def __call__(self, cid: CID, data: bytes | memoryview) -> None:
        if cid.raw in self.seen:
            return
        self.seen.add(cid.raw)
        self.bytes_total += len(data)
        if self.writer.put(cid, data):
            self.bytes_new += len(data)


def guess_kind(paths: list[str]) -> str:
    suffixes = {PurePosixPath(p).suffix.lower() for p in paths}
    if suffixes & _MODEL_SUFFIXES:
        return "model"
    if suffixes & _DATA_SUFFIXES:
        return "dataset"
    return "other"


def publish(
    repo: Repo, paths: list[Path], options: PublishOptions, progress: Callable[[int], None] | None = None
) -> PublishResult:
    profile = get_profile(options.profile)
    name = options.name or _default_name(paths)
    _check_options(repo, name, options)
    with repo.writing():  # gc waits from the first block to the last index row
        return _store(repo, paths, options, profile, name, progress)


def _store(repo: Repo, paths: list[Path], options: PublishOptions, profile: Profile, name: str,
           progress: Callable[[int], None] | None) -> PublishResult:  # fmt: skip
    """The blocks, then the rows that make them an artifact (inside the caller's write session)."""
    with repo.store.writer() as writer:
        sink = _CountingSink(writer)
        imported = import_paths(paths, profile, sink, progress or (lambda _: None), repo.settings.threads)
        files = [PublishedFile(f.path, f.entry.cid, f.entry.filesize) for f in imported.files]
        kind = options.kind or guess_kind([f.path for f in files])
        key, created = load_or_create_key(repo.home)
        meta_cid = emit_files_meta(_rows(paths, imported), profile.hash_code, sink)
        run_cid, run_data = None, b""
        if options.run is not None:
            run_cid, run_data = make_run_record(options.run, list(options.derived_from), key, profile.hash_code)
            sink(run_cid, run_data)
        record, data = make_manifest_record(_draft(options, name, kind, imported, meta_cid, run_cid), key,
                                            profile.hash_code)  # fmt: skip
        cid = record.cid
        current = _current_claim(repo, NameRef(name, options.version, key.did))
        if current is not None and current.target != cid and options.version is not None and not options.force:
            raise Conflict(f"{name}@{options.version} already names {current.target}; use --force to publish anyway")
        sink(cid, data)
    # The writer committed (fsync, then locations): the artifact may now become visible, through
    # the same admission as a record from anywhere else.
    if run_cid is not None:
        admitted(repo.index.add_signed(decode_record(run_cid, run_data)))
    admitted(repo.index.add_signed(record))
    named = None
    if current is None or current.target != cid:  # republishing the same bytes changes no name
        named = point_name(repo, key, NameRef(name, options.version), cid).record
    return PublishResult(cid, name, options.version, kind, files, sink.bytes_total, sink.bytes_new,
                         key.did if created else None, run_cid, named)  # fmt: skip


def point_name(repo: Repo, key: SigningKey, ref: NameRef, target: CID) -> NameClaim:
    """Sign a name record for ``ref`` at the publisher's next seq and index it. A publish racing
    for the same seq loses nothing: the loser signs again at the seq after."""
    for _ in range(_NAME_ATTEMPTS):
        seq = repo.index.next_name_seq(key.did, ref.name)
        cid, data = name_record(key, ref.name, ref.version, target, seq)
        with repo.writing():  # the record's block, then the row that keeps it
            repo.store.put(cid, data)
            verdict = repo.index.add_signed(decode_record(cid, data))
        if isinstance(verdict, Equivocation):
            continue  # another publish of this key took that seq first
        claim = admitted(verdict).claim
        assert claim is not None  # a name record's admission always carries its claim
        return claim
    raise Conflict(f"{ref} is being re-pointed by others at the same time; try again")


def admitted(verdict: Verdict) -> Admitted:
    """A record this home just signed must pass admission like any other; if not, a bug here
    would otherwise publish what every other home refuses."""
    if isinstance(verdict, Refused):
        raise verdict.error()
    return verdict


def _current_claim(repo: Repo, ref: NameRef) -> NameClaim | None:
    """The claim ``ref`` resolves to within its publisher, if any."""
    try:
        return choose(repo.index.name_claims(ref.name), ref, frozenset)
    except LookupError:
        return None


def run_inputs(options: PublishOptions) -> list[CID]:
    """The run's inputs as its record will list them: the parents plus the run file's own inputs."""
    if options.run is None:
        return []
    body = run_body(options.run, list(options.derived_from))
    return [CID.decode(raw) for raw in body["inputs"]]


def _check_options(repo: Repo, name: str, options: PublishOptions) -> None:
    check_name(name, options.version)
    if options.run is not None:
        check_run(options.run)
    if options.kind is not None and options.kind not in KINDS:
        raise BadInput(f"unknown kind {options.kind!r} (use {', '.join(KINDS)})")
    for parent in options.derived_from:
        if repo.index.artifact(parent) is None:
            raise BadInput(f"--derived-from {parent} is not an artifact manifest known to this store")
    for run_input in run_inputs(options):
        if repo.index.artifact(run_input) is None:
            raise BadInput(f"run input {run_input} is not an artifact manifest known to this store")


def _default_name(paths: list[Path]) -> str:
    first = paths[0].resolve()
    return first.name if len(paths) == 1 else first.parent.name or "artifact"


def _rows(paths: list[Path], imported: ImportResult) -> list[dict[str, Any]]:
    sources = _source_paths(paths)
    rows: list[dict[str, Any]] = []
    for f in imported.files:
        rows.extend(file_rows(f.path, sources(f.path), f.entry.cid, f.entry.filesize))
    add_shard_indexes(rows, sources)
    return rows


def _source_paths(paths: list[Path]) -> Callable[[str], Path]:
    """Map a path inside the artifact back to the file it was read from."""
    if len(paths) == 1 and paths[0].is_dir():
        return lambda rel: paths[0] / rel
    by_name = {p.name if p.name not in ("", ".", "..") else p.resolve().name: p for p in paths}

    def source(rel: str) -> Path:
        head, _, rest = rel.partition("/")
        return by_name[head] / rest if rest else by_name[head]

    return source


def _draft(options: PublishOptions, name: str, kind: str, imported: ImportResult, meta_cid: CID,
           run: CID | None) -> ManifestDraft:  # fmt: skip
    return ManifestDraft(
        kind=kind, name=name, version=options.version, license=options.license,
        access="private" if options.private else "public", profile=options.profile, content=imported.root.cid,
        bytes=sum(f.entry.filesize for f in imported.files), file_count=len(imported.files), files_meta=meta_cid,
        derived_from=options.derived_from, run=run, meta=options.meta,
    )  # fmt: skip
