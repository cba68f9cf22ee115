"""Turning what a user typed (a CID, ``N``, ``N@V`` or ``did:key:…/N@V``) into a CID, and a CID into
what it is (an artifact manifest, another record, or plain UnixFS)."""

from __future__ import annotations

from dataclasses import dataclass

from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput, CairnError, NotFound, UnsupportedFormat
from cairn.lineage.records.admission import Refused, admit
from cairn.lineage.records.model import Manifest, SignedRecord, decode_record
from cairn.lineage.records.names import NameClaim, NameRef, choose
from cairn.lineage.records.trust import trusted_dids
from cairn.lineage.repo import Repo
from cairn.storage.blockstore import BlockStore, NameSource


def resolve(repo: Repo, ref: str) -> CID:
    """A CID as given, or the target of the name ``N``, ``N@V`` or ``did:key:…/N@V`` in this home."""
    name = parse_ref(ref)
    if isinstance(name, CID):
        return name
    return resolve_name(repo, name, repo.index.name_claims(name.name)).target


def parse_ref(ref: str) -> CID | NameRef:
    try:
        return CID.parse(ref)
    except UnsupportedFormat:
        raise  # a well-formed CID of a codec or hash Cairn does not read (dag-json "bagu...", sha-512): exit 2
    except BadInput:
        if ref.startswith(("baf", "Qm")) and "@" not in ref:
            raise  # meant as a CID, and malformed: exit 2, not "no such name"
    return NameRef.parse(ref)


def resolve_name(repo: Repo, ref: NameRef, claims: list[NameClaim], where: str = "in this store") -> NameClaim:
    """The claim ``ref`` names among ``claims``, trust read from this home only if needed."""
    try:
        return choose(claims, ref, lambda: trusted_dids(repo.home))
    except LookupError:
        raise NotFound(f"no artifact named {str(ref)!r} {where}") from None


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
    if record.type == "artifact":  # a manifest is read only if it would be admitted: a forged one names nothing
        verdict = admit(record)
        if isinstance(verdict, Refused):
            raise verdict.error()
        assert verdict.manifest is not None
        return Target(verdict.manifest.content, record, verdict.manifest)
    raise NotFound(f"{cid} is a {record.type} record; it has no files to pull")


def resolve_anywhere(repo: Repo, store: BlockStore, ref: str, remotes: list[BlockStore]) -> CID:
    """Like ``resolve``, and the peer Cairn servers among ``remotes`` are asked for their claims
    on the name too. Each claim is a signed record fetched by CID and checked here, so a peer can
    add claims but not forge or roll one back; name records learnt are kept in this home (``store``
    is the local store backed by the remotes, which keeps what it fetches: ``UnionStore``)."""
    name = parse_ref(ref)
    if isinstance(name, CID):
        return name
    claims = repo.index.name_claims(name.name)
    peers = [r for r in remotes if isinstance(r, NameSource)]
    for peer in peers:
        with repo.writing():  # each name record kept by ``store``, then its row
            claims += _peer_claims(repo, store, peer, name)
    return resolve_name(repo, name, claims, "in this store or on its peers" if peers else "in this store").target


def _peer_claims(repo: Repo, store: BlockStore, peer: NameSource, ref: NameRef) -> list[NameClaim]:
    claims: list[NameClaim] = []
    try:
        offered: list[CID] = peer.name_claims(ref)
    except CairnError:
        return []  # an unreachable or name-less peer: the other sources may still answer
    for cid in offered:
        try:
            record = decode_record(cid, store.get(cid))
        except CairnError:
            continue  # missing, malformed or not a record: not a claim
        verdict = repo.index.admit(record)
        if isinstance(verdict, Refused) or verdict.claim is None or not ref.matches(verdict.claim):
            continue  # forged, malformed, naming what it may not, or not what was asked: not a claim
        claim = verdict.claim
        # A name record is indexed (``store`` already kept the block), so a lower seq served later
        # cannot roll the name back; a rival of a record its publisher signed first at that seq is not.
        if record.type == "name" and isinstance(repo.index.add_signed(record), Refused):
            continue
        claims.append(claim)
    return claims
