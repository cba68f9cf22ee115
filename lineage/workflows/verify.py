"""`cairn verify`: re-hash every block an artifact reaches, check every record and signature,
and walk its lineage references to every ancestor.

A failure names the record it belongs to (the artifact or run, and whether it is an ancestor) and
what failed, because "block bafk… is corrupt" alone does not tell a user which dataset to fetch
again. Verification goes on past a failure so that one run reports every problem.

Signatures are judged twice: *valid* (the bytes were signed by the key the record names) and
*trusted* (this home vouches for that key, see ``cairn.lineage.records.trust``). An invalid signature always
fails; an untrusted one fails only when the caller requires trust.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import CairnError
from cairn.lineage.records.model import SignedRecord, decode_record
from cairn.storage.blockstore import BlockStore
from cairn.storage.dagwalk import walk

if TYPE_CHECKING:
    from cairn.lineage.anchoring.anchor import AnchorStatus


@dataclass(frozen=True)
class Signer:
    record: CID
    publisher: str
    valid: bool
    trusted: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"record": str(self.record), "publisher": self.publisher, "valid": self.valid, "trusted": self.trusted}


@dataclass(frozen=True)
class TrustPolicy:
    """The DIDs this home trusts, and whether an untrusted or missing signature is a failure."""

    trusted: frozenset[str] = frozenset()
    required: bool = False


@dataclass
class VerifyReport:
    cid: CID
    blocks_checked: int = 0
    bytes_checked: int = 0
    failures: list[str] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    records: list[CID] = field(default_factory=list)
    anchors: list[AnchorStatus] = field(default_factory=list)
    require_trusted: bool = False
    private_ancestors: int = 0  # ancestors the caller may not see: neither checked nor named

    def to_json(self) -> dict[str, Any]:
        """The one JSON form: what `verify --json` prints and ``GET /v1/verify/{ref}`` returns."""
        return {
            "cid": str(self.cid),
            "ok": self.ok,
            "blocks_checked": self.blocks_checked,
            "bytes_checked": self.bytes_checked,
            "failures": self.failures,
            "signers": [s.to_json() for s in self.signers],
            "require_trusted": self.require_trusted,
            "anchor": self.anchor_state,
            "anchors": [a.to_json() for a in self.anchors],
            "private_ancestors": self.private_ancestors,
        }

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def anchor_state(self) -> str:
        """The weakest anchor among the records reached: failed, pending, unchecked, else anchored.
        Nothing checked is "pending": never pretend a record is anchored."""
        states = {status.state for status in self.anchors}
        if not states:
            return "pending"
        return next((s for s in ("failed", "pending", "unchecked") if s in states), "anchored")


class AnchorLookup(Protocol):
    """Finds each record's anchor (``cairn.lineage.anchoring.anchor.AnchorChecker``); ``required`` makes a record
    that is not confirmed anchored a failure rather than a note."""

    required: bool

    def status(self, record: CID) -> AnchorStatus: ...


@dataclass(frozen=True)
class _Visit:
    """A CID to check and how it was reached, so a failure can say whose block it was."""

    cid: CID
    reached_as: str  # "root", or e.g. "derived_from of artifact cleaned@1"


def verify(store: BlockStore, cid: CID, policy: TrustPolicy | None = None, anchors: AnchorLookup | None = None,
           hidden: Callable[[CID], bool] | None = None) -> VerifyReport:  # fmt: skip
    """Check ``cid`` and everything it reaches; never raises for damage, reports it. Ancestors
    ``hidden`` says the caller may not see are counted, not walked, and never named."""
    policy = policy or TrustPolicy()
    report = VerifyReport(cid, require_trusted=policy.required)
    seen: set[bytes] = set()
    queued: set[bytes] = {cid.raw}
    queue = deque([_Visit(cid, "root")])
    while queue:
        visit = queue.popleft()
        if visit.cid.raw in seen:
            continue
        record, label = _check_record(store, visit, report, policy) if visit.cid.codec == DAG_CBOR else (None, "")
        if visit.cid.codec == DAG_CBOR and record is None:
            continue  # unreadable record: its failure is reported, and it has nothing more to walk
        _check_blocks(store, visit, label, seen, report)
        for parent, relation in _lineage_refs(record, report) if record is not None else []:
            if parent.raw not in queued:
                queued.add(parent.raw)
                if hidden is not None and hidden(parent):
                    report.private_ancestors += 1
                    continue
                queue.append(_Visit(parent, f"{relation} of {label}"))
    if policy.required and not report.signers:
        report.failures.append(f"{cid}: is not a signed record, and a trusted signature was required")
    if anchors is not None:
        _check_anchors(report, anchors)
    return report


def _check_anchors(report: VerifyReport, anchors: AnchorLookup) -> None:
    """Each record's anchor: a stored anchor that no longer holds always fails; a pending or
    unchecked one only when an anchor is required."""
    for record in report.records:
        status = anchors.status(record)
        report.anchors.append(status)
        if status.state == "failed" or (anchors.required and status.state != "anchored"):
            report.failures.append(f"{record}: anchor {status.state}: {status.detail}")
    if anchors.required and not report.records:
        report.failures.append(f"{report.cid}: is not a record, and only records are anchored")


def describe(record: SignedRecord) -> str:
    """A short human name for a record: ``artifact cleaned@1``, ``run train``."""
    body = record.body
    if record.type == "artifact":
        version = body.get("version")
        return f"artifact {body.get('name')}" + (f"@{version}" if version else "")
    if record.type == "run":
        return f"run {body.get('kind')}"
    return f"{record.type} record"


def _where(visit: _Visit, label: str) -> str:
    """How a failure names its record: the CID, what it is, and whether it is an ancestor."""
    if visit.reached_as == "root":
        return f"{visit.cid} ({label})" if label else str(visit.cid)
    return f"ancestor {visit.cid} ({label or visit.reached_as})"


def _check_record(
    store: BlockStore, visit: _Visit, report: VerifyReport, policy: TrustPolicy
) -> tuple[SignedRecord | None, str]:
    try:
        record = decode_record(visit.cid, store.get(visit.cid))
    except CairnError as exc:
        report.failures.append(f"{_where(visit, '')}: {exc}")
        return None, ""
    label = describe(record)
    trusted = record.publisher in policy.trusted
    report.records.append(visit.cid)
    report.signers.append(Signer(visit.cid, record.publisher, record.signature_ok, trusted))
    if not record.signature_ok:
        report.failures.append(f"{_where(visit, label)}: the {record.type} record's signature does not verify")
    elif policy.required and not trusted:
        report.failures.append(f"{_where(visit, label)}: signed by {record.publisher or '(nobody)'}, "
                               "which this home does not trust (`cairn trust add DID`)")  # fmt: skip
    return record, label


def _check_blocks(store: BlockStore, visit: _Visit, label: str, seen: set[bytes], report: VerifyReport) -> None:
    try:
        for _cid, data in walk(store, visit.cid, seen):
            report.blocks_checked += 1
            report.bytes_checked += len(data)
    except CairnError as exc:
        report.failures.append(f"{_where(visit, label)}: {exc}")


def _lineage_refs(record: SignedRecord, report: VerifyReport) -> list[tuple[CID, str]]:
    """The CIDs a record references by value (not as links), with the field that names them."""
    body = record.body
    refs: list[tuple[bytes, str]] = [(raw, "derived_from") for raw in body.get("derived_from") or []]
    refs += [(raw, "input") for raw in body.get("inputs") or []]
    for key in ("run", "about", "target"):
        if isinstance(body.get(key), bytes):
            refs.append((body[key], key))
    code = body.get("code")
    if isinstance(code, dict) and isinstance(code.get("artifact"), bytes):
        refs.append((code["artifact"], "code"))
    out = []
    for raw, relation in refs:
        try:
            out.append((CID.decode(raw), relation))
        except CairnError as exc:
            report.failures.append(f"{record.cid}: bad lineage reference in {relation}: {exc}")
    return out
