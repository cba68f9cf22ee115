"""Records: deterministic, signed inside, and any change to bytes or signature is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from cairn.chunking import dagcbor
from cairn.chunking.multihash import BLAKE3, SHA2_256
from cairn.errors import IntegrityError, UnsupportedFormat
from cairn.lineage.records.keys import create_key, did_from_public, load_key, public_from_did
from cairn.lineage.records.model import decode_record, encode_record, finite, sign


@pytest.fixture
def key(tmp_path: Path):  # type: ignore[no-untyped-def]
    return create_key(tmp_path)


def _body() -> dict[str, object]:
    return {"cairn": 1, "type": "attestation", "about": b"\x01\x55", "statement": "reviewed"}


def test_key_file_is_0600_and_reloads_to_the_same_did(tmp_path: Path) -> None:
    key = create_key(tmp_path)
    path = tmp_path / "keys" / "signing.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_key(tmp_path).did == key.did  # type: ignore[union-attr]
    assert did_from_public(public_from_did(key.did)) == key.did and key.did.startswith("did:key:z6Mk")


def test_first_publishes_racing_on_a_fresh_home_end_with_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cairn.lineage.records.keys import load_or_create_key

    with ThreadPoolExecutor(8) as pool:  # an API server's threads taking their first uploads at once
        results = list(pool.map(lambda _: load_or_create_key(tmp_path), range(16)))
    assert len({key.did for key, _ in results}) == 1 and sum(created for _, created in results) == 1
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["signing.key"]  # no temporary file left


def test_same_inputs_give_the_same_cid(key) -> None:  # type: ignore[no-untyped-def]
    assert encode_record(sign(_body(), key), BLAKE3) == encode_record(sign(_body(), key), BLAKE3)
    assert encode_record(sign(_body(), key), SHA2_256)[0].hash_code == SHA2_256


def test_signature_verifies_and_a_changed_field_breaks_it(key) -> None:  # type: ignore[no-untyped-def]
    cid, data = encode_record(sign(_body(), key), BLAKE3)
    assert decode_record(cid, data).signature_ok
    tampered = dagcbor.decode(data)
    tampered["statement"] = "rejected"
    cid2, data2 = encode_record(tampered, BLAKE3)
    assert not decode_record(cid2, data2).signature_ok


def test_a_flipped_signature_bit_fails(key) -> None:  # type: ignore[no-untyped-def]
    signed = sign(_body(), key)
    signed["sig"] = bytes([signed["sig"][0] ^ 1]) + signed["sig"][1:]
    assert not decode_record(*encode_record(signed, BLAKE3)).signature_ok


def test_non_canonical_bytes_are_an_integrity_error(key) -> None:  # type: ignore[no-untyped-def]
    _, data = encode_record(sign(_body(), key), BLAKE3)
    reordered = data.replace(b"\x65cairn\x01", b"\x65cairn\x18\x01")  # the same value, non-minimal
    from cairn.chunking.cid import CID, DAG_CBOR

    with pytest.raises(IntegrityError):
        decode_record(CID.of(DAG_CBOR, BLAKE3, reordered), reordered)


def test_unknown_record_version_is_refused(key) -> None:  # type: ignore[no-untyped-def]
    body = {**_body(), "cairn": 2}
    with pytest.raises(UnsupportedFormat, match="version"):
        decode_record(*encode_record(sign(body, key), BLAKE3))


def test_non_finite_floats_become_strings() -> None:
    assert finite({"loss": float("nan"), "m": [float("inf"), -float("inf"), 1.0]}) == {
        "loss": "NaN",
        "m": ["Infinity", "-Infinity", 1.0],
    }
