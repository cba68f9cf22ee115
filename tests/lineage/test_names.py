"""Name records (docs/formats.md, Name records): signed, scoped to their publisher, highest seq wins, trust
breaks ties between publishers; these are the rules every resolver (CLI, API, HF, peers) uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cairn.chunking import dagcbor
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.errors import BadInput
from cairn.lineage.records.admission import Refused, admit
from cairn.lineage.records.keys import SigningKey
from cairn.lineage.records.model import decode_record, encode_record, sign
from cairn.lineage.records.names import AmbiguousName, NameClaim, NameRef, check_name, choose, name_record
from cairn.lineage.repo import Repo

SHA256 = 0x12
A, B = CID.of(DAG_CBOR, SHA256, b"build a"), CID.of(DAG_CBOR, SHA256, b"build b")  # stand-ins for manifests


def _key() -> SigningKey:
    return SigningKey(Ed25519PrivateKey.generate())


def _claim(key: SigningKey, name: str, version: str | None, target: CID, seq: int) -> NameClaim:
    cid, data = name_record(key, name, version, target, seq)
    verdict = admit(decode_record(cid, data))
    assert not isinstance(verdict, Refused) and verdict.claim is not None
    return verdict.claim


def _refused(cid: CID, data: bytes) -> str:
    verdict = admit(decode_record(cid, data))
    assert isinstance(verdict, Refused), verdict
    return verdict.reason


def _nobody() -> frozenset[str]:
    return frozenset()


def test_a_name_record_is_signed_and_reads_back_as_the_claim_it_makes() -> None:
    key = _key()
    claim = _claim(key, "bert", "1", A, 3)
    assert (claim.name, claim.version, claim.target, claim.seq, claim.publisher) == ("bert", "1", A, 3, key.did)
    assert claim.record.codec == DAG_CBOR and claim.record.hash_code == A.hash_code  # hashed like its target


def test_a_record_whose_signature_does_not_hold_claims_nothing() -> None:
    _, data = name_record(_key(), "bert", "1", A, 1)
    body = dagcbor.decode(data)
    forged_cid, forged = encode_record({**body, "target": B.raw}, SHA256)  # re-pointed, old signature
    assert "signature" in _refused(forged_cid, forged)
    stolen_cid, stolen = encode_record({**body, "publisher": _key().did}, SHA256)  # claimed for another key
    assert "signature" in _refused(stolen_cid, stolen)


@pytest.mark.parametrize("seq", [0, -1, True, "2", 2**63])
def test_a_name_record_needs_a_whole_seq_from_one(seq: object) -> None:
    key = _key()
    body = {"cairn": 1, "type": "name", "name": "bert", "version": None, "target": A.raw, "seq": seq}
    cid, data = encode_record(sign(body, key), SHA256)
    assert "seq" in _refused(cid, data)


def test_within_one_publisher_the_highest_seq_wins_whatever_order_claims_arrive_in() -> None:
    key = _key()
    old, new = _claim(key, "bert", "1", A, 1), _claim(key, "bert", "1", B, 2)
    assert choose([new, old], NameRef("bert", "1"), _nobody).target == B
    assert choose([old, new], NameRef("bert", "1"), _nobody).target == B  # a stale record served later


def test_a_bare_name_follows_the_newest_record_of_any_version() -> None:
    key = _key()
    claims = [_claim(key, "bert", "1", A, 1), _claim(key, "bert", "2", B, 2)]
    assert choose(claims, NameRef("bert"), _nobody).target == B
    assert choose(claims, NameRef("bert", "1"), _nobody).target == A
    with pytest.raises(LookupError):
        choose(claims, NameRef("bert", "3"), _nobody)


def test_another_key_cannot_re_point_a_name_it_only_makes_a_rival_claim() -> None:
    owner, intruder = _key(), _key()
    mine, theirs = _claim(owner, "bert", "1", A, 1), _claim(intruder, "bert", "1", B, 99)
    trust_owner = lambda: frozenset({owner.did})  # noqa: E731
    assert choose([mine, theirs], NameRef("bert", "1"), trust_owner).target == A  # a higher seq is not enough
    with pytest.raises(AmbiguousName, match="did:key") as refused:
        choose([mine, theirs], NameRef("bert", "1"), _nobody)
    assert "none of them trusted" in str(refused.value) and isinstance(refused.value, BadInput)
    both = lambda: frozenset({owner.did, intruder.did})  # noqa: E731
    with pytest.raises(AmbiguousName, match="2 trusted publishers"):
        choose([mine, theirs], NameRef("bert", "1"), both)
    scoped = NameRef.parse(f"{intruder.did}/bert@1")
    assert choose([mine, theirs], scoped, _nobody).target == B


def test_trust_is_read_only_when_publishers_disagree() -> None:
    def no_trust_needed() -> frozenset[str]:
        raise AssertionError("trust read for a single publisher")

    assert choose([_claim(_key(), "bert", None, A, 1)], NameRef("bert"), no_trust_needed).target == A


def test_references_parse_as_name_version_and_publisher() -> None:
    did = _key().did
    assert NameRef.parse("bert") == NameRef("bert")
    assert NameRef.parse("org/bert@1.0") == NameRef("org/bert", "1.0")
    assert NameRef.parse(f"{did}/org/bert@2") == NameRef("org/bert", "2", did)
    assert str(NameRef.parse(f"{did}/bert@2")) == f"{did}/bert@2"
    for bad in ("did:key:z6Mk", "did:key:nonsense/bert", f"{did}/", "@1"):
        with pytest.raises(BadInput):
            NameRef.parse(bad)


@pytest.mark.parametrize("name", ["", "a@b", "did:web:x", "tab\there", "x" * 201])
def test_names_that_could_not_be_asked_for_again_are_refused(name: str) -> None:
    with pytest.raises(BadInput):
        check_name(name, None)


def test_the_index_keeps_the_first_record_signed_for_a_seq(home: Path) -> None:
    key, repo = _key(), Repo.open(home)
    try:
        first, rival = _claim(key, "bert", "1", A, 1), _claim(key, "bert", "1", B, 1)
        assert repo.index._add_name(first) and repo.index._add_name(first)  # the same record again: fine
        assert not repo.index._add_name(rival)
        assert [c.record for c in repo.index.name_claims("bert")] == [first.record]
        assert repo.index.next_name_seq(key.did, "bert") == 2 and repo.index.next_name_seq(key.did, "gpt") == 1
    finally:
        repo.close()
