"""Who may see what: the one place that decides whether a private artifact exists for a caller.

The owner of a home (the CLI, the SDK on that home) sees everything. A server caller sees private
artifacts only with a token that may read. Every front end asks through the ``Cairn`` façade,
which asks here, so a route cannot forget the check by wiring the workflows itself.

What is hidden is hidden as *absent*: a private artifact, a name that points at one (its name
and version tell a lot), and every block that only private artifacts hold answer exactly as an
absent one does, so a caller cannot probe what exists. Knowing a private CID (a public
descendant's signed manifest names its parents) therefore gives nothing: its blocks are not served.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import ClassVar

from cairn.chunking.cid import CID
from cairn.errors import BlockNotFound, CairnError
from cairn.lineage.index.catalog import Index
from cairn.lineage.records.model import Manifest
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import artifact_roots
from cairn.storage.blockstore import BlockStore, StoredReads
from cairn.storage.dagwalk import reachable


@dataclass(frozen=True)
class Access:
    """A caller's view of a home; ``Access.OWNER`` and ``Access.PUBLIC`` are the two there are."""

    sees_private: bool

    OWNER: ClassVar[Access]
    PUBLIC: ClassVar[Access]

    def allows(self, access: str) -> bool:
        """Whether an artifact whose manifest says ``access`` ("public"/"private") is visible."""
        return self.sees_private or access == "public"

    def check_manifest(self, manifest: Manifest | None) -> None:
        """Raise for a private manifest this caller may not see, exactly as for an absent block."""
        if manifest is not None and not self.allows(manifest.access):
            raise absent(manifest.cid)

    def check_indexed(self, index: Index, cid: CID) -> None:
        """Like ``check_manifest``, by the index row (a CID that is not an indexed artifact passes)."""
        if not self.sees_target(index, cid):
            raise absent(cid)

    def hides(self, repo: Repo) -> Callable[[CID], bool]:
        """Whether a CID is one this caller must not learn anything about (a private artifact's
        record or block): for lineage and verify, which meet such CIDs as references."""
        if self.sees_private:
            return lambda _cid: False
        hidden = private_only_blocks(repo)
        return lambda cid: cid.raw in hidden

    def sees_target(self, index: Index, cid: CID) -> bool:
        """Whether a name pointing at ``cid`` may be shown (a name of a private artifact is private)."""
        if self.sees_private:
            return True
        row = index.artifact(cid)
        return row is None or self.allows(row.access)

    def store(self, repo: Repo) -> BlockStore:
        """The home's blocks as this caller may read them: all of them, or all but those only
        private artifacts hold (which then read as absent)."""
        if self.sees_private:
            return repo.store
        hidden = private_only_blocks(repo)
        return HidingStore(repo.store, hidden) if hidden else repo.store


Access.OWNER = Access(sees_private=True)
Access.PUBLIC = Access(sees_private=False)


def absent(cid: CID) -> BlockNotFound:
    """The error an absent block gives (``PackStore.get``), word for word: what a caller who may
    not see a private block is told instead, so the answer is no oracle."""
    return BlockNotFound(f"block {cid} is not in the local store")


class HidingStore:
    """A read view of a store in which some blocks do not exist: ``has`` is False and ``get``
    raises the same ``BlockNotFound`` as for a block that was never stored."""

    def __init__(self, inner: BlockStore, hidden: frozenset[bytes]) -> None:
        self.inner, self.hidden = inner, hidden

    def has(self, cid: CID) -> bool:
        return cid.raw not in self.hidden and self.inner.has(cid)

    def get(self, cid: CID) -> bytes:
        if cid.raw in self.hidden:
            raise absent(cid)
        return self.inner.get(cid)

    def get_stored(self, cid: CID) -> tuple[int, bytes]:
        if cid.raw in self.hidden:
            raise absent(cid)
        return self.inner.get_stored(cid) if isinstance(self.inner, StoredReads) else (0, self.inner.get(cid))

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        raise PermissionError("a caller's read view of the store takes no writes")

    def iter_cids(self) -> Iterator[CID]:
        return (cid for cid in self.inner.iter_cids() if cid.raw not in self.hidden)


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[object, ...], frozenset[bytes]]] = {}


def private_only_blocks(repo: Repo) -> frozenset[bytes]:
    """The blocks (binary CIDs) that private artifacts hold and no public one does: each private
    artifact's own DAG (record, run record, files index, content) and the name records pointing
    at it, less everything the public artifacts reach. Computed once per state of the artifact
    table and kept: a public read is then one set lookup."""
    rows = repo.index.artifacts() if repo.exists() else []
    private = [r.cid for r in rows if r.access != "public"]
    if not private:
        return frozenset()
    state = tuple((str(r.cid), r.access) for r in rows)
    key = str(repo.home) + "|" + (repo.settings.index_url or "")
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
    names = [c.record for cid in private for c in repo.index.name_records(target=cid)]
    hidden = _own_blocks(repo, private) | {n.raw for n in names}
    hidden -= _own_blocks(repo, [r.cid for r in rows if r.access == "public"])
    result = frozenset(hidden)
    with _cache_lock:
        _cache[key] = (state, result)
    return result


def _own_blocks(repo: Repo, manifests: list[CID]) -> set[bytes]:
    """Every block of these artifacts themselves (not of their ancestors: lineage references
    are not links, so a public descendant does not reach its private parent's blocks)."""
    roots = [root for cid in manifests for root in _roots(repo, cid)]
    return reachable(repo.store, roots)


def _roots(repo: Repo, cid: CID) -> list[CID]:
    try:
        return artifact_roots(repo.store, cid, with_ancestors=False)
    except CairnError:
        return [cid]  # an incomplete artifact: what is there is still its own
