"""The ``Cairn`` façade: every workflow over one home, for the SDK, the CLI and the server alike.

    from cairn import Cairn

    cairn = Cairn()                                   # $CAIRN_HOME or ~/.cairn, or Cairn(home=...)
    data = cairn.publish("data/", name="reviews", version="2", kind="dataset")
    model = cairn.publish("out/", name="clf", version="1", derived_from=[data.cid],
                          run={"kind": "train", "parameters": {"lr": 3e-4}, "metrics": {"f1": 0.91}})
    cairn.verify("clf@1").ok                          # blocks, signatures, trust, ancestors, anchors
    cairn.pull("clf@1", "/tmp/clf")                   # files back, byte for byte
    with cairn.open("reviews@2", "train.csv") as f:   # reads only the blocks it touches
        header = f.readline()
    w = cairn.tensor("clf@1", "model.safetensors", "head.weight")   # one tensor as numpy

The CLI commands and the REST routes are adapters over this class: they parse their input, call
one method, and print or return the result's ``to_json()``. Policy that must hold on every front
end lives here or below, once: who sees a private artifact (``access``, see
``cairn.lineage.workflows.access``), which records count (every record that enters the home,
from wherever, passes ``Index.add_signed``, the one door of ``cairn.lineage.records.admission``),
and the store's locks: every workflow that stores blocks holds a write session
(``Repo.writing()``) from its first block to its last index row, so ``gc`` never takes them.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cairn.chunking.cid import CID
from cairn.chunking.profiles import DEFAULT_PROFILE
from cairn.errors import NotFound
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.access import Access
from cairn.lineage.workflows.graph import Direction, LineageGraph
from cairn.lineage.workflows.listing import ArtifactInfo
from cairn.lineage.workflows.names import ClaimView
from cairn.lineage.workflows.publish import PublishResult
from cairn.lineage.workflows.pull import PullResult
from cairn.lineage.workflows.verify import VerifyReport

if TYPE_CHECKING:
    import numpy as np

    from cairn.lineage.anchoring.anchor import AnchorResult
    from cairn.lineage.index.catalog import ArtifactRow, PinRow
    from cairn.lineage.index.tokens import TokenInfo
    from cairn.lineage.records.model import Manifest
    from cairn.lineage.workflows.carfile import ImportResult
    from cairn.lineage.workflows.maintenance import FsckReport
    from cairn.lineage.workflows.pin import PinResult
    from cairn.lineage.workflows.tensors import TensorRead
    from cairn.storage.blockstore import BlockStore
    from cairn.storage.gc import GcResult

PathLike = str | os.PathLike[str]
Ref = str | CID  # a CID, or a name: N, N@V, did:key:…/N@V
Progress = Callable[[int], None]

# The façade and the results it returns (re-exported by ``cairn``).
__all__ = [
    "Access",
    "ArtifactInfo",
    "Cairn",
    "ClaimView",
    "LineageGraph",
    "PublishResult",
    "PullResult",
    "VerifyReport",
]


class Cairn:
    """One home, seen by one caller. ``Cairn()`` opens ``$CAIRN_HOME`` (else ``~/.cairn``) as its
    owner; a server opens one per request with the caller's ``access``."""

    def __init__(self, home: PathLike | None = None, *, repo: Repo | None = None,
                 access: Access = Access.OWNER) -> None:  # fmt: skip
        self.repo = repo if repo is not None else Repo.open(home)
        self.access = access

    def close(self) -> None:
        self.repo.close()

    @property
    def store(self) -> BlockStore:
        """The blocks this caller may read: for a caller who may not see private artifacts,
        those only private artifacts hold read as absent."""
        return self.access.store(self.repo)

    def __enter__(self) -> Cairn:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- names and CIDs -------------------------------------------------------------------------

    def resolve(self, ref: Ref) -> CID:
        """A CID as given, or what a name resolves to here among the claims the caller may see
        (a name of a private artifact is as unknown to others as a name never published)."""
        from cairn.lineage.workflows.resolve import parse_ref, resolve_name

        parsed = ref if isinstance(ref, CID) else parse_ref(ref)
        if isinstance(parsed, CID):
            return parsed
        index = self.repo.index
        claims = [c for c in index.name_claims(parsed.name) if self.access.sees_target(index, c.target)]
        return resolve_name(self.repo, parsed, claims).target

    def names(self, ref: str) -> list[ClaimView]:
        """Every claim on ``N`` (or ``N@V``, ``did:key:…/N@V``) this home knows, newest first."""
        from cairn.lineage.workflows.names import list_claims

        return list_claims(self.repo, ref, self.access)

    def set_name(self, ref: str, target: Ref) -> ClaimView:
        """Point ``N`` or ``N@V`` of this home's key at an artifact, with a signed name record."""
        from cairn.lineage.workflows.names import set_name, settable_name

        name = settable_name(ref)
        return set_name(self.repo, name, self.resolve(target))

    # -- content in and out ---------------------------------------------------------------------

    def publish(self, *paths: PathLike, name: str | None = None, version: str | None = None,
                kind: str | None = None, license: str | None = None, private: bool = False,
                profile: str = DEFAULT_PROFILE, derived_from: Sequence[Ref] = (),
                run: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
                force: bool = False, progress: Progress | None = None) -> PublishResult:  # fmt: skip
        """Store files with a signed manifest. ``run`` takes the fields of a run.json and is
        checked as strictly as ``--run``; ``derived_from`` takes CIDs or names."""
        from cairn.lineage.workflows.publish import PublishOptions, publish

        options = PublishOptions(
            name=name, version=version, kind=kind, license=license, private=private, profile=profile,
            derived_from=tuple(self._parent(p) for p in derived_from), run=run, meta=meta or {}, force=force,
        )  # fmt: skip
        return publish(self.repo, [Path(p) for p in paths], options, progress)

    def _parent(self, ref: Ref) -> CID:
        from cairn.errors import BadInput

        try:
            return self.resolve(ref)
        except (BadInput, NotFound) as exc:
            raise BadInput(f"--derived-from {ref}: {exc}") from exc

    def pull(self, ref: Ref, output: PathLike | None = None, *, include: Sequence[str] = (),
             remotes: Sequence[str] = (), with_ancestors: bool = False, force: bool = False,
             progress: Progress | None = None) -> PullResult:  # fmt: skip
        """Write an artifact's files, every block verified; ``remotes`` (ipfs, arweave, a peer URL)
        are asked, in turn, for what this home lacks, and peers for the claims on a name."""
        from cairn.lineage.workflows.fetch import fetch_first
        from cairn.lineage.workflows.pull import pull

        with self._caching(remotes):  # what is fetched is read back before a gc may take it
            cid = self._resolve_anywhere(ref, remotes)
            fetch_first(self.repo, cid, remotes, with_ancestors, progress)
            self.access.check_indexed(self.repo.index, cid)
            return pull(self.repo, cid, Path(output) if output else None, list(include), force, progress)

    def _caching(self, remotes: Sequence[object]) -> AbstractContextManager[None]:
        """A write session when ``remotes`` are asked: blocks fetched from them are kept here."""
        return self.repo.writing() if remotes else nullcontext()

    def _resolve_anywhere(self, ref: Ref, remotes: Sequence[str]) -> CID:
        if isinstance(ref, CID) or not remotes:
            return self.resolve(ref)
        from cairn.lineage.workflows.resolve import resolve_anywhere
        from cairn.storage.remotes import open_remote
        from cairn.storage.union import UnionStore

        opened = [open_remote(r, self.repo.settings) for r in remotes]
        cid = resolve_anywhere(self.repo, UnionStore(self.repo.store, opened), ref, opened)
        self.access.check_indexed(self.repo.index, cid)
        return cid

    def verify(self, ref: Ref, *, require_trusted: bool = False, require_anchor: bool = False) -> VerifyReport:
        """Re-hash every block, check every record, signature (and whether this home trusts its
        signer), every ancestor and every anchor; the report lists what failed, never raises."""
        from cairn.lineage.anchoring.anchor import AnchorChecker
        from cairn.lineage.records.trust import trusted_dids
        from cairn.lineage.workflows.verify import TrustPolicy, verify

        cid = self.resolve(ref)
        policy = TrustPolicy(trusted_dids(self.repo.home), require_trusted)
        anchors = AnchorChecker(self.repo, require_anchor)
        return verify(self.store, cid, policy, anchors, self.access.hides(self.repo))

    def show(self, ref: Ref, *, remotes: Sequence[str] = ()) -> ArtifactInfo:
        """An artifact's manifest and files (or a plain UnixFS root's files)."""
        from cairn.lineage.workflows.listing import describe
        from cairn.lineage.workflows.resolve import resolve_anywhere
        from cairn.storage.remotes import open_remote
        from cairn.storage.union import UnionStore

        opened = [open_remote(r, self.repo.settings) for r in remotes]
        store = UnionStore(self.repo.store, opened) if opened else self.store  # fetched blocks are kept
        with self._caching(opened):
            cid = (
                resolve_anywhere(self.repo, store, ref, opened)
                if opened and isinstance(ref, str)
                else self.resolve(ref)
            )
            info = describe(store, cid)
        self.access.check_manifest(info.target.manifest)
        return dataclasses.replace(info, private_refs=self._private_refs(info.target.manifest))

    def _private_refs(self, manifest: Manifest | None) -> frozenset[CID]:
        """The references of a visible manifest that the caller may not follow (private parents)."""
        if manifest is None or self.access.sees_private:
            return frozenset()
        hides = self.access.hides(self.repo)
        return frozenset(c for c in [*manifest.derived_from, *([manifest.run] if manifest.run else [])] if hides(c))

    def manifest_json(self, ref: Ref) -> dict[str, Any]:
        """The signed manifest as DAG-JSON-style JSON (links as ``{"/": cid}``, bytes base64); a
        reference the caller may not see is ``"private"``, so this view is no longer the record
        byte for byte (the record itself is ``GET /v1/blocks/{cid}``)."""
        from cairn.lineage.records.model import decode_record

        m = self.manifest(ref)
        body = dict(decode_record(m.cid, self.store.get(m.cid)).body)
        hidden = {c.raw for c in self._private_refs(m)}
        if hidden:
            body["derived_from"] = ["private" if raw in hidden else raw for raw in body.get("derived_from") or []]
            if body.get("run") in hidden:
                body["run"] = "private"
        result: dict[str, Any] = _dag_json(body)
        return result

    def manifest(self, ref: Ref) -> Manifest:
        """The manifest of the artifact ``ref`` names (``NotFound`` for anything else)."""
        from cairn.lineage.workflows.resolve import open_target

        target = open_target(self.store, self.resolve(ref))
        if target.manifest is None:
            raise NotFound(f"{ref} is not an artifact manifest")
        self.access.check_manifest(target.manifest)
        return target.manifest

    def ls(self) -> list[ArtifactRow]:
        """The artifacts of this home the caller may see, oldest first."""
        rows = self.repo.index.artifacts() if self.repo.exists() else []
        return [row for row in rows if self.access.allows(row.access)]

    def files(self, ref: Ref) -> list[str]:
        return [f.path for f in self.show(ref).files]

    def open(self, ref: Ref, path: str) -> io.BufferedReader:
        """A read-only, seekable file object over one file of an artifact."""
        from cairn.storage.unixfs_file import open_file

        for entry in self.show(ref).files:
            if entry.path == path:
                return open_file(self.repo.store, entry.cid, entry.size)
        raise NotFound(f"{ref} has no file {path!r}")

    def tensor(self, ref: Ref, file: str, name: str, *, remotes: Sequence[str] = ()) -> np.ndarray:
        """One tensor of a safetensors file as numpy, reading only its blocks (from ``remotes``
        where this home lacks them)."""
        return self.tensor_read(ref, file, name, remotes=remotes).array

    def tensor_read(self, ref: Ref, file: str, name: str, *, remotes: Sequence[str] = ()) -> TensorRead:
        """``tensor`` with what it read: dtype, shape, size and the bytes fetched from remotes."""
        from cairn.lineage.workflows.tensors import read_tensor

        return read_tensor(self.repo, self.resolve(ref), file, name, remotes)

    def lineage(self, ref: Ref, direction: Direction = "up", depth: int | None = None) -> LineageGraph:
        """Ancestors (``up``) or descendants (``down``); ``to_json()`` or any export format
        (``render``)."""
        from cairn.lineage.workflows.graph import lineage

        return lineage(self.repo, self.resolve(ref), direction, depth, self.access.hides(self.repo))

    def render(self, graph: LineageGraph, format: str = "json") -> str:
        """A lineage graph as tree, json, dot, prov-json, openlineage or in-toto text."""
        from cairn.lineage.interop import renderer

        return renderer(format)(graph, self.repo)

    # -- remotes, anchors, CAR files --------------------------------------------------------------

    def pin(self, ref: Ref, to: str, *, with_ancestors: bool = False, progress: Progress | None = None) -> PinResult:
        """Send what ``to`` (ipfs, or a Cairn server's URL) lacks and pin it there (for Arweave,
        which is paid and permanent, see ``cairn.lineage.workflows.arweave_pin``)."""
        from cairn.lineage.workflows.pin import pin

        return pin(self.repo, self.resolve(ref), to, with_ancestors, progress)

    def unpin(self, ref: Ref, *, remote: str = "ipfs") -> list[CID]:
        """Remove the remote pins of an artifact; returns the roots unpinned."""
        from cairn.errors import BadInput
        from cairn.lineage.workflows.pin import unpin_from_ipfs
        from cairn.redact import redact_url

        if remote == "arweave":
            raise BadInput("Arweave is permanent: what was uploaded there can never be unpinned or deleted")
        if remote != "ipfs":
            raise BadInput(f"unknown remote {redact_url(remote)!r} (use ipfs)")
        return unpin_from_ipfs(self.repo, self.resolve(ref))

    def pins(self) -> list[PinRow]:
        """The recorded pins of the artifacts the caller may see."""
        rows = self.repo.index.pins() if self.repo.exists() else []
        return [row for row in rows if self.access.sees_target(self.repo.index, row.cid)]

    def anchor(self, *, to: str | None = None) -> AnchorResult:
        """Anchor every record not yet anchored, in one batch (``to``: evm or arweave)."""
        from cairn.lineage.anchoring.anchor import anchor, configured_ledger

        return anchor(self.repo, configured_ledger(self.repo.settings, to))

    def export_car(self, ref: Ref, output: PathLike, *, with_ancestors: bool = False) -> tuple[int, int]:
        """Write an artifact (records, files, the name records pointing at it) as a CAR v1 file,
        atomically; returns (blocks, bytes) written."""
        from cairn.files import atomic_write
        from cairn.lineage.workflows.carfile import export_car, name_roots

        cid = self.resolve(ref)
        with atomic_write(Path(output)) as handle:
            writer = export_car(self.repo.store, cid, handle, with_ancestors, name_roots(self.repo, cid))
        return writer.blocks_written, writer.bytes_written

    def import_car(self, path: PathLike) -> ImportResult:
        """Import every block of a CAR file, each verified; its records count only if admitted
        (``ImportResult.refused`` lists the others, kept as blocks that count for nothing)."""
        from cairn.lineage.workflows.carfile import import_car

        return import_car(self.repo, Path(path))

    # -- upkeep and access ------------------------------------------------------------------------

    def gc(self) -> GcResult:
        from cairn.lineage.workflows.maintenance import gc

        return gc(self.repo)

    def fsck(self, *, repair: bool = False, reindex: bool = False, remotes: Sequence[str] = ()) -> FsckReport:
        from cairn.lineage.workflows.maintenance import fsck
        from cairn.storage.remotes import open_remote

        opened = [open_remote(name, self.repo.settings) for name in remotes]
        return fsck(self.repo, repair=repair, reindex=reindex, remotes=opened)

    def new_token(self, scope: str) -> tuple[str, TokenInfo]:
        """A server token; its text is returned once and only its hash is kept."""
        from cairn.lineage.index.tokens import new_token

        return new_token(self.repo.index, scope)

    def revoke_token(self, token_id: str) -> None:
        from cairn.lineage.index.tokens import revoke_token

        revoke_token(self.repo.index, token_id)

    def tokens(self) -> list[TokenInfo]:
        from cairn.lineage.index.tokens import list_tokens

        return list_tokens(self.repo.index)


def _dag_json(value: Any) -> Any:
    if isinstance(value, CID):
        return {"/": str(value)}
    if isinstance(value, bytes):
        return {"/": {"bytes": base64.b64encode(value).decode().rstrip("=")}}
    if isinstance(value, dict):
        return {k: _dag_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dag_json(v) for v in value]
    return value
