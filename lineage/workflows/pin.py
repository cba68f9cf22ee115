"""`cairn pin --to ipfs`, `unpin`, `pins`: put an artifact on a Kubo node and keep it there.

Only blocks the node lacks are sent, streamed as one CAR into ``dag/import`` (memory stays
bounded whatever the size). The pin is recorded as ``pinning`` before anything is sent and as
``pinned`` once Kubo holds a recursive pin on every root, so a pin cut short (Kubo killed, the
process killed) shows as incomplete, and running it again sends only what is still missing.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cairn.chunking.car import CarWriter
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, RemoteError
from cairn.lineage.records.model import Manifest, decode_record
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import artifact_roots, name_roots
from cairn.redact import redact_url
from cairn.storage.dagwalk import walk_cids
from cairn.storage.kubo import KuboBlockStore, KuboClient
from cairn.storage.remotes import ipfs_api

CAR_CHUNK = 1 << 20
STAT_WORKERS = 16  # concurrent block/stat calls when asking Kubo what it already has


@dataclass(frozen=True)
class PinResult:
    cid: CID
    remote: str
    roots: list[CID]
    blocks_sent: int
    bytes_sent: int
    blocks_present: int

    def to_json(self) -> dict[str, Any]:
        """What `pin --json` prints (IPFS and peer servers; Arweave has its own plan and receipt)."""
        return {"cid": str(self.cid), "remote": self.remote, "roots": [str(r) for r in self.roots],
                "blocks_sent": self.blocks_sent, "bytes_sent": self.bytes_sent,
                "blocks_present": self.blocks_present, "state": "pinned"}  # fmt: skip


def check_public(repo: Repo, cid: CID) -> None:
    """Private artifacts never go to a public network (docs/formats.md, Artifact manifest)."""
    if cid.codec != DAG_CBOR:
        return
    record = decode_record(cid, repo.store.get(cid))
    if record.type == "artifact" and Manifest.from_record(record).access == "private":
        raise BadInput(f"{cid} is a private artifact; private artifacts are never pinned to IPFS or Arweave")


def pin_to_ipfs(repo: Repo, cid: CID, with_ancestors: bool = False,
                progress: Callable[[int], None] | None = None) -> PinResult:  # fmt: skip
    roots = _complete_roots(repo, cid, with_ancestors)
    client = KuboClient(ipfs_api(repo.settings))
    try:
        repo.index.set_pin(cid, "ipfs", "pinning")
        if _all_pinned(client, roots):
            repo.index.set_pin(cid, "ipfs", "pinned", detail="already pinned")
            return PinResult(cid, "ipfs", roots, 0, 0, 0)
        missing, present = _missing_blocks(repo, client, roots)
        sent = _send(repo, client, roots, missing, progress)
        for root in roots:
            client.pin_add(root, recursive=True)
    finally:
        client.close()
    repo.index.set_pin(cid, "ipfs", "pinned", len(missing), sent)
    return PinResult(cid, "ipfs", roots, len(missing), sent, present)


def _all_pinned(client: KuboClient, roots: list[CID]) -> bool:
    for root in roots:
        try:
            if client.pin_ls(root, type="recursive").get(root) != "recursive":
                return False
        except RemoteError as exc:
            if "not pinned" in str(exc):
                return False
            raise
    return True


def _missing_blocks(repo: Repo, client: KuboClient, roots: list[CID]) -> tuple[list[CID], int]:
    seen: set[bytes] = set()
    cids = [c for root in roots for c in walk_cids(repo.store, root, seen)]
    kubo = KuboBlockStore(client, offline=True)
    with ThreadPoolExecutor(STAT_WORKERS) as pool:
        has = list(pool.map(kubo.has, cids))
    missing = [c for c, present in zip(cids, has, strict=True) if not present]
    return missing, len(cids) - len(missing)


class _CarStream:
    """The CAR of ``missing`` blocks, produced lazily in 1 MiB pieces; counts what it sent."""

    def __init__(self, repo: Repo, roots: list[CID], missing: list[CID], progress: Callable[[int], None] | None):
        self.repo, self.roots, self.missing, self.progress = repo, roots, missing, progress
        self.bytes_sent = 0

    def __iter__(self) -> Iterator[bytes]:
        buffer = io.BytesIO()
        writer = CarWriter(buffer, self.roots)
        for cid in self.missing:
            data = self.repo.store.get(cid)
            writer.put(cid, data)
            self.bytes_sent += len(data)
            if self.progress:
                self.progress(len(data))
            if buffer.tell() >= CAR_CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def _send(repo: Repo, client: KuboClient, roots: list[CID], missing: list[CID],
          progress: Callable[[int], None] | None) -> int:  # fmt: skip
    if not missing:
        return 0
    stream = _CarStream(repo, roots, missing, progress)
    client.dag_import(stream, pin_roots=False)
    return stream.bytes_sent


def pin_to_peer(repo: Repo, cid: CID, url: str, with_ancestors: bool = False,
                progress: Callable[[int], None] | None = None) -> PinResult:  # fmt: skip
    """Copy an artifact to another Cairn server: ask what it lacks, stream just that as a CAR."""
    from cairn.storage.peer import MISSING_BATCH, PeerStore

    roots = _complete_roots(repo, cid, with_ancestors) + name_roots(repo, cid)  # a peer resolves our names too
    seen: set[bytes] = set()
    cids = [c for root in roots for c in walk_cids(repo.store, root, seen)]
    peer = PeerStore(url, repo.settings.api_token)
    try:
        repo.index.set_pin(cid, url, "pinning")
        batch = MISSING_BATCH
        missing = [c for start in range(0, len(cids), batch) for c in peer.missing(cids[start : start + batch])]
        stream = _CarStream(repo, roots, missing, progress)
        if missing:
            peer.push_car(stream)
    finally:
        peer.close()
    repo.index.set_pin(cid, url, "pinned", len(missing), stream.bytes_sent)
    return PinResult(cid, redact_url(url), roots, len(missing), stream.bytes_sent, len(cids) - len(missing))


def _complete_roots(repo: Repo, cid: CID, with_ancestors: bool) -> list[CID]:
    """The artifact's roots, each checked whole here before anything is promised elsewhere."""
    check_public(repo, cid)
    roots = artifact_roots(repo.store, cid, with_ancestors)
    for root in roots:
        for _ in walk_cids(repo.store, root):
            pass
    return roots


def pin(repo: Repo, cid: CID, remote: str, with_ancestors: bool = False,
        progress: Callable[[int], None] | None = None) -> PinResult:  # fmt: skip
    """Pin to ``ipfs`` or to a Cairn server by URL."""
    if remote == "ipfs":
        return pin_to_ipfs(repo, cid, with_ancestors, progress)
    if remote.startswith(("http://", "https://")):
        return pin_to_peer(repo, cid, remote, with_ancestors, progress)
    raise BadInput(f"unknown remote {redact_url(remote)!r} (use ipfs or the URL of a Cairn server)")


def unpin_from_ipfs(repo: Repo, cid: CID) -> list[CID]:
    roots = artifact_roots(repo.store, cid, with_ancestors=True) if repo.store.has(cid) else [cid]
    client = KuboClient(ipfs_api(repo.settings))
    removed: list[CID] = []
    try:
        for root in roots:
            try:
                removed += client.pin_rm(root, recursive=True)
            except RemoteError as exc:
                if "not pinned" not in str(exc):
                    raise
    finally:
        client.close()
    repo.index.remove_pin(cid, "ipfs")
    return removed
