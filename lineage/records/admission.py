"""Admission: the one check a record passes before it counts in a home (docs/formats.md, Records).

Whatever way a record reaches a home (published here, imported from a CAR, fetched from Kubo,
Arweave or a peer, offered by a peer as a claim on a name, found again by ``fsck --reindex``),
``admit`` decides whether it may become an artifact row, a name claim, a run or a lineage edge.
A record is admitted only when all of these hold:

- **form**: its body encodes to canonical DAG-CBOR that hashes to its CID (re-encoded here, so
  a body changed after decoding is caught too), with ``cairn: 1``, a known ``type``, and exactly
  the fields of that type, each of its type;
- **signature**: ``publisher`` is an ed25519 did:key and ``sig`` is its signature over the rest
  of the record, checked here afresh (a cached verdict is not trusted);
- **names**: the name and version follow the rules ``publish`` applies (``check_name``), and a
  name record's ``seq`` is a whole number from 1 to 2**63-1;
- **references**: every lineage reference (``derived_from``, ``run``, ``inputs``, ``target``,
  ``about``) is a well-formed binary CID of a record (DAG-CBOR), ``code.artifact`` a well-formed
  CID, and lists of them sorted by binary CID without repeats;
- **hash**: a manifest is hashed with its profile's hash, a name record like its target.

A refused record may stay in the store as a block; it never counts. What depends on the rest
of the home (a name record pointing at another publisher's private artifact) is the index's
half of admission, ``cairn.lineage.index.catalog.Index.admit``, which calls this first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.chunking.profiles import PROFILE_NAMES, get_profile
from cairn.errors import CairnError, IntegrityError
from cairn.lineage.records.keys import public_from_did
from cairn.lineage.records.model import (
    KINDS,
    RECORD_TYPES,
    RECORD_VERSION,
    Manifest,
    NotARecord,
    SignedRecord,
    decode_record,
    signature_holds,
)
from cairn.lineage.records.names import MAX_SEQ, NameClaim, check_name

_SIGNED = {"cairn", "type", "publisher", "sig"}
FIELDS = {
    "artifact": _SIGNED | {"kind", "name", "version", "license", "access", "profile", "content", "bytes",
                           "file_count", "files_meta", "derived_from", "run", "meta"},
    "run": _SIGNED | {"kind", "inputs", "code", "parameters", "environment", "metrics", "started", "ended", "meta"},
    "name": _SIGNED | {"name", "version", "target", "seq"},
    "attestation": _SIGNED | {"about", "statement"},
}  # fmt: skip
CODE_FIELDS = {"repo", "commit", "artifact", "path"}
ACCESS = ("public", "private")
Edge = tuple[CID, str]  # (parent, relation) leaving the record


class Refusal(Exception):
    """Why a record is not admitted (raised and caught inside this module only)."""


@dataclass(frozen=True)
class Admitted:
    """A record that counts, with what it states: its manifest (artifacts), the name claim it
    makes (name records, and manifests on their own ``name@version`` at seq 0) and its lineage
    edges ``(parent, relation)``."""

    record: SignedRecord
    manifest: Manifest | None = None
    claim: NameClaim | None = None
    edges: tuple[Edge, ...] = ()

    @property
    def cid(self) -> CID:
        return self.record.cid

    @property
    def type(self) -> str:
        return self.record.type


@dataclass(frozen=True)
class Refused:
    """A record that does not count here, and why; the block may stay, the record never counts."""

    cid: CID
    reason: str

    def error(self) -> IntegrityError:
        return IntegrityError(f"record {self.cid} is refused: {self.reason}")

    def to_json(self) -> dict[str, str]:
        return {"cid": str(self.cid), "reason": self.reason}


class Equivocation(Refused):
    """A name record of a publisher that already signed a *different* record for that name at
    that seq (a race, or a publisher saying two things): the first one seen stays."""


Verdict = Admitted | Refused


def admit(record: SignedRecord) -> Verdict:
    """Admit ``record`` or say why not (see the module's docstring); never raises for a bad record."""
    try:
        return _admit(record)
    except Refusal as exc:
        return Refused(record.cid, str(exc))


def admit_block(cid: CID, data: bytes) -> Verdict | None:
    """Decode a block and admit it; ``None`` for DAG-CBOR that is not a Cairn record (plain IPLD
    data), a refusal for a record that is malformed, of an unknown version, or anything else."""
    try:
        return admit(decode_record(cid, data))
    except NotARecord:
        return None
    except CairnError as exc:
        return Refused(cid, str(exc))


def _admit(record: SignedRecord) -> Admitted:
    cid, body = record.cid, record.body
    if cid.codec != DAG_CBOR:
        raise Refusal("a record is DAG-CBOR")
    if not isinstance(body, dict) or body.get("cairn") != RECORD_VERSION or body.get("type") not in RECORD_TYPES:
        raise Refusal(f"not a Cairn record of version {RECORD_VERSION} and a known type")
    try:
        canonical = dagcbor.encode(body)
    except (CairnError, TypeError, ValueError, OverflowError) as exc:
        raise Refusal(f"its body has no canonical DAG-CBOR form: {exc}") from None
    if not cid.matches(canonical):
        raise Refusal("its canonical DAG-CBOR bytes do not hash to its CID")
    kind = str(body["type"])
    fields = set(body)
    if fields != FIELDS[kind]:
        extra, missing = sorted(fields - FIELDS[kind]), sorted(FIELDS[kind] - fields)
        raise Refusal(f"a {kind} record holds exactly {', '.join(sorted(FIELDS[kind]))}"
                      + (f"; unknown: {', '.join(extra)}" if extra else "")
                      + (f"; missing: {', '.join(missing)}" if missing else ""))  # fmt: skip
    _check_signature(body)
    admitted = _BY_TYPE[kind](record)
    record.signature_checked(True)
    return admitted


def _check_signature(body: dict[str, Any]) -> None:
    publisher, sig = body["publisher"], body["sig"]
    if not isinstance(publisher, str):
        raise Refusal("publisher must be a did:key")
    try:
        public_from_did(publisher)
    except CairnError:
        raise Refusal(f"publisher {publisher[:60]!r} is not an ed25519 did:key") from None
    if not isinstance(sig, bytes) or len(sig) != 64:
        raise Refusal("sig must be a 64-byte ed25519 signature")
    if not signature_holds(body):
        raise Refusal(f"the signature does not hold for publisher {publisher}")


def _artifact(record: SignedRecord) -> Admitted:
    body = record.body
    _one_of(body, "kind", KINDS)
    _name(body)
    _optional(body, "license", str)
    _one_of(body, "access", ACCESS)
    profile = _typed(body, "profile", str)
    if not profile:
        raise Refusal("profile must not be empty")
    if profile in PROFILE_NAMES and record.cid.hash_code != get_profile(profile).hash_code:
        raise Refusal(f"a {profile} manifest is hashed with {get_profile(profile).hash_name}")
    _link(body, "content")
    if body["files_meta"] is not None:
        _link(body, "files_meta")
    for size in ("bytes", "file_count"):
        if _whole(body, size) < 0:
            raise Refusal(f"{size} must not be negative")
    _typed(body, "meta", dict)
    parents = _refs(body, "derived_from")
    run = None if body["run"] is None else _ref(body["run"], "run")
    edges = [(parent, "derived_from") for parent in parents] + ([(run, "run")] if run is not None else [])
    manifest = Manifest.from_record(record)
    claim = NameClaim(record.cid, manifest.name, manifest.version, record.cid, 0, manifest.publisher)
    return Admitted(record, manifest, claim, tuple(edges))


def _run(record: SignedRecord) -> Admitted:
    body = record.body
    if not _typed(body, "kind", str):
        raise Refusal("a run's kind must not be empty")
    inputs = _refs(body, "inputs")
    code = _typed(body, "code", dict)
    for key, value in code.items():
        if key not in CODE_FIELDS:
            raise Refusal(f"unknown code field {key!r} (known: {', '.join(sorted(CODE_FIELDS))})")
        if key == "artifact":
            _ref(value, "code.artifact", any_codec=True)
        elif not isinstance(value, str):
            raise Refusal(f"code.{key} must be a string")
    for name in ("parameters", "environment", "metrics", "meta"):
        _typed(body, name, dict)
    for name in ("started", "ended"):
        _optional(body, name, str)
    return Admitted(record, edges=tuple((i, "input") for i in inputs))


def _name_record(record: SignedRecord) -> Admitted:
    body = record.body
    name, version = _name(body)
    seq = _whole(body, "seq")
    if not 1 <= seq < MAX_SEQ:
        raise Refusal(f"seq {seq} is out of range: a whole number from 1 to 2**63-1")
    target = _ref(body["target"], "target")
    if record.cid.hash_code != target.hash_code:
        raise Refusal("a name record is hashed like its target")
    return Admitted(record, claim=NameClaim(record.cid, name, version, target, seq, record.publisher))


def _attestation(record: SignedRecord) -> Admitted:
    _ref(record.body["about"], "about")
    return Admitted(record)


_BY_TYPE: dict[str, Callable[[SignedRecord], Admitted]] = {
    "artifact": _artifact, "run": _run, "name": _name_record, "attestation": _attestation,
}  # fmt: skip


# -- fields ------------------------------------------------------------------------------------


def _typed(body: dict[str, Any], key: str, kind: type) -> Any:
    value = body[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Refusal(f"{key} must be a {kind.__name__}")
    return value


def _optional(body: dict[str, Any], key: str, kind: type) -> Any:
    return None if body[key] is None else _typed(body, key, kind)


def _whole(body: dict[str, Any], key: str) -> int:
    return int(_typed(body, key, int))


def _one_of(body: dict[str, Any], key: str, allowed: tuple[str, ...]) -> None:
    if body[key] not in allowed:
        raise Refusal(f"{key} {str(body[key])[:40]!r} is not one of {', '.join(allowed)}")


def _name(body: dict[str, Any]) -> tuple[str, str | None]:
    name = _typed(body, "name", str)
    version = _optional(body, "version", str)
    try:
        check_name(name, version)
    except CairnError as exc:
        raise Refusal(str(exc)) from None
    return name, version


def _link(body: dict[str, Any], key: str) -> CID:
    value = body[key]
    if not isinstance(value, CID):
        raise Refusal(f"{key} must be an IPLD link")
    return value


def _ref(value: Any, what: str, any_codec: bool = False) -> CID:
    """A lineage reference: binary CID bytes (not a link), well-formed, of a record unless ``any_codec``."""
    if not isinstance(value, bytes):
        raise Refusal(f"{what} must be a binary CID in a byte string")
    try:
        cid = CID.decode(value)
    except CairnError as exc:
        raise Refusal(f"{what} is not a well-formed CID: {exc}") from None
    if not any_codec and cid.codec != DAG_CBOR:
        raise Refusal(f"{what} {cid} is not a record's CID (DAG-CBOR)")
    return cid


def _refs(body: dict[str, Any], key: str) -> list[CID]:
    values = _typed(body, key, list)
    cids = [_ref(value, key) for value in values]
    if any(a.raw >= b.raw for a, b in pairwise(cids)):
        raise Refusal(f"{key} must be sorted by binary CID, without repeats")
    return cids
