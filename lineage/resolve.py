"""Turning what a user typed (a CID, ``name`` or ``name@version``) into a CID, and a CID into
what it is (an artifact manifest, another record, or plain UnixFS)."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.errors import BadInput, CairnError, NotFound, UnsupportedFormat
from chunking.cid import CID, DAG_CBOR
from lineage.records import Manifest, SignedRecord, decode_record
from lineage.repo import Repo
from storage.blockstore import BlockStore


def resolve(repo: Repo, ref: str) -> CID:
    """A CID as given, or the newest artifact named ``N`` / named ``N@V`` in this home."""
    try:
        return CID.parse(ref)
    except UnsupportedFormat:
        raise  # a well-formed CID of a codec or hash Cairn does not read (dag-json "bagu...", sha-512): exit 2
    except BadInput:
        if ref.startswith(("baf", "Qm")) and "@" not in ref:
            raise  # meant as a CID, and malformed: exit 2, not "no such name"
    name, _, version = ref.partition("@")
    rows = repo.index.find_by_name(name, version or None)
    if not rows:
        raise NotFound(f"no artifact named {ref!r} in this store")
    return CID.parse(rows[0].cid)


@dataclass(frozen=True)
class Target:
    """What a CID points at: its UnixFS root, and the record around it if there is one."""

    root: CID
    record: SignedRecord | None = None
    manifest: Manifest | None = None


def open_target(store: BlockStore, cid: CID) -> Target:
    if cid.codec != DAG_CBOR:
        return Target(cid)
    record = decode_record(cid, store.get(cid))
    if record.type == "artifact":
        manifest = Manifest.from_record(record)
        return Target(manifest.content, record, manifest)
    raise NotFound(f"{cid} is a {record.type} record; it has no files to pull")


def resolve_anywhere(repo: Repo, store: BlockStore, ref: str, remotes: list[BlockStore]) -> CID:
    """Like ``resolve``, and a name this home does not know is asked of the peer Cairn servers
    among ``remotes``. A peer's answer is used only if the signed manifest it points at (fetched
    and verified by CID) carries that very name and version."""
    try:
        return resolve(repo, ref)
    except NotFound:
        peers = [r for r in remotes if hasattr(r, "resolve_name")]
        if not peers:
            raise
    name, _, version = ref.partition("@")
    for peer in peers:
        try:
            cid: CID = peer.resolve_name(ref)
            manifest = open_target(store, cid).manifest
        except CairnError:
            continue
        if manifest is not None and manifest.name == name and (not version or manifest.version == version):
            return cid
    raise NotFound(f"no artifact named {ref!r} in this store or on its peers")
