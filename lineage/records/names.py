"""Names: signed claims that ``N@V`` is some CID, and the rule that picks one (docs/formats.md, Name records).

A name belongs to its publisher. Every claim is signed: a name record (``type: "name"``, with a
``seq`` that grows with each record the publisher signs for that name) or an artifact manifest,
which states its own name and version and counts as a claim with ``seq`` 0. So re-pointing a name
takes a newer record signed by the same key; another key only ever makes its own claim, and a
server can point at claims but never forge one. Which records make claims at all is decided by
admission (``cairn.lineage.records.admission``): a ``NameClaim`` is what an admitted record says.

Resolution keeps, for each publisher, its highest-``seq`` claim (so a stale record served later
changes nothing). One publisher left: that one. Several: the one this home trusts, and if that
is not exactly one, the caller must say whose name it means: ``did:key:…/N@V``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cairn.chunking.cid import CID
from cairn.errors import BadInput
from cairn.lineage.records.keys import SigningKey
from cairn.lineage.records.model import RECORD_VERSION, encode_record, sign
from cairn.lineage.records.trust import check_did

DID_PREFIX = "did:key:"
MAX_NAME = 200
MAX_SEQ = 2**63  # the index stores seq as a signed 64-bit integer


class AmbiguousName(BadInput):
    """Several publishers claim a name and trust does not single one out (exit 2)."""


def check_name(name: str, version: str | None) -> None:
    """Refuse names that could not be asked for again: ``@`` splits N from V, and a leading
    ``did:`` reads as a publisher."""
    if not name or len(name) > MAX_NAME or name.startswith("did:") or "@" in name:
        raise BadInput(f"bad name {name[:60]!r}: 1 to {MAX_NAME} characters, no '@', not starting with 'did:'")
    for text in (name, version or ""):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise BadInput(f"bad name or version {text[:60]!r}: control characters are not allowed")
    if version is not None and not version:
        raise BadInput("an empty --version: leave it out instead")


@dataclass(frozen=True)
class NameRef:
    """What a user asked for: ``N``, ``N@V``, or either scoped to one publisher (``did:key:…/N@V``)."""

    name: str
    version: str | None = None
    publisher: str | None = None

    @classmethod
    def parse(cls, text: str) -> NameRef:
        publisher = None
        if text.startswith(DID_PREFIX):
            did, slash, text = text.partition("/")
            if not slash or not text:
                raise BadInput(f"expected did:key:…/NAME[@VERSION], got {did[:60]!r}")
            publisher = check_did(did)
        name, at, version = text.partition("@")
        if not name:
            raise BadInput(f"no name in {text[:100]!r}")
        if at and not version:  # `m@` is a typo, not `m`
            raise BadInput(f"no version after '@' in {text[:100]!r}: leave out the '@' for the newest")
        return cls(name, version or None, publisher)

    def __str__(self) -> str:
        scoped = f"{self.publisher}/" if self.publisher else ""
        return f"{scoped}{self.name}" + (f"@{self.version}" if self.version else "")

    def matches(self, claim: NameClaim) -> bool:
        return (
            claim.name == self.name
            and (self.version is None or claim.version == self.version)
            and (self.publisher is None or claim.publisher == self.publisher)
        )


@dataclass(frozen=True)
class NameClaim:
    """One signed statement "``publisher`` calls ``target`` ``name@version``", with its ``seq``."""

    record: CID  # the name record, or the manifest that names itself
    name: str
    version: str | None
    target: CID
    seq: int
    publisher: str
    seen_at: float = 0.0  # when this home learnt it: orders claims of equal seq, nothing else


def name_record(key: SigningKey, name: str, version: str | None, target: CID, seq: int) -> tuple[CID, bytes]:
    """A signed name record, hashed like its target so sha2-256 clients can check both."""
    body = {"cairn": RECORD_VERSION, "type": "name", "name": name, "version": version, "target": target.raw,
            "seq": seq}  # fmt: skip
    return encode_record(sign(body, key), target.hash_code)


def choose(claims: Iterable[NameClaim], ref: NameRef, trusted: Callable[[], frozenset[str]]) -> NameClaim:
    """The claim ``ref`` resolves to (see the module's docstring); ``trusted`` is asked only when
    several publishers claim the name. Raises ``LookupError`` when no claim matches."""
    best = _newest_per_publisher(claims, ref)
    if not best:
        raise LookupError(str(ref))
    if len(best) == 1:
        return best[0]
    trusted_dids = trusted()
    winners = [c for c in best if c.publisher in trusted_dids]
    if len(winners) == 1:
        return winners[0]
    whose = "trusted publishers" if winners else "publishers, none of them trusted"
    listed = ", ".join(c.publisher for c in (winners or best))
    raise AmbiguousName(f"{ref} is claimed by {len(winners or best)} {whose} ({listed}): "
                        f"ask for DID/{ref}, or trust one with `cairn trust add DID`")  # fmt: skip


def _newest_per_publisher(claims: Iterable[NameClaim], ref: NameRef) -> list[NameClaim]:
    """For each publisher, its highest-seq claim matching ``ref``; sorted by publisher."""
    best: dict[str, NameClaim] = {}
    for claim in claims:
        if ref.matches(claim):
            current = best.get(claim.publisher)
            if current is None or _rank(claim) > _rank(current):
                best[claim.publisher] = claim
    return [best[p] for p in sorted(best)]


def newest_first(claims: Iterable[NameClaim]) -> list[NameClaim]:
    """Claims grouped by publisher, each publisher's newest first (for listings)."""
    return sorted(claims, key=lambda c: (c.publisher, -c.seq, -c.seen_at, str(c.record)))


def _rank(claim: NameClaim) -> tuple[int, float, str]:
    return claim.seq, claim.seen_at, str(claim.record)
