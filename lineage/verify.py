"""`cairn verify`: re-hash every block an artifact reaches, check every record and signature,
and walk its lineage references to every ancestor.

A failure names the block or record and what failed; verification goes on past it so that one
run reports every problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cairn.errors import CairnError
from chunking.cid import CID, DAG_CBOR
from lineage.records import SignedRecord, decode_record
from storage.blockstore import BlockStore
from storage.dagwalk import walk


@dataclass(frozen=True)
class Signer:
    record: CID
    publisher: str
    valid: bool


@dataclass
class VerifyReport:
    cid: CID
    blocks_checked: int = 0
    bytes_checked: int = 0
    failures: list[str] = field(default_factory=list)
    signers: list[Signer] = field(default_factory=list)
    records: list[CID] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def anchor_state(self) -> str:
        return "pending"  # no chain is configured yet: never pretend a record is anchored


def verify(store: BlockStore, cid: CID) -> VerifyReport:
    report = VerifyReport(cid)
    seen: set[bytes] = set()
    queue = [cid]
    while queue:
        current = queue.pop(0)
        if current.raw in seen:
            continue
        record = _check_record(store, current, report) if current.codec == DAG_CBOR else None
        _check_blocks(store, current, seen, report)
        if record is not None:
            queue.extend(_lineage_refs(record, report))
    return report


def _check_record(store: BlockStore, cid: CID, report: VerifyReport) -> SignedRecord | None:
    try:
        record = decode_record(cid, store.get(cid))
    except CairnError as exc:
        report.failures.append(f"{cid}: {exc}")
        return None
    report.records.append(cid)
    report.signers.append(Signer(cid, record.publisher, record.signature_ok))
    if not record.signature_ok:
        report.failures.append(f"{cid}: the {record.type} record's signature does not verify")
    return record


def _check_blocks(store: BlockStore, root: CID, seen: set[bytes], report: VerifyReport) -> None:
    try:
        for _cid, data in walk(store, root, seen):
            report.blocks_checked += 1
            report.bytes_checked += len(data)
    except CairnError as exc:
        report.failures.append(str(exc))


def _lineage_refs(record: SignedRecord, report: VerifyReport) -> list[CID]:
    """The CIDs a record references by value (not as links): ancestors, run, inputs."""
    body = record.body
    refs: list[bytes] = []
    refs.extend(body.get("derived_from") or [])
    refs.extend(body.get("inputs") or [])
    for key in ("run", "about", "target"):
        if isinstance(body.get(key), bytes):
            refs.append(body[key])
    code = body.get("code")
    if isinstance(code, dict) and isinstance(code.get("artifact"), bytes):
        refs.append(code["artifact"])
    out = []
    for raw in refs:
        try:
            out.append(CID.decode(raw))
        except CairnError as exc:
            report.failures.append(f"{record.cid}: bad lineage reference: {exc}")
    return out
