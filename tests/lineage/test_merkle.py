"""chunking/merkle.py builds the very tree OpenZeppelin's StandardMerkleTree builds for `bytes`
leaves: same leaf hashes, same root, same proofs, and its verify accepts ours (node runs the real
JS library from npm)."""

from __future__ import annotations

import json
import random
import subprocess
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.chunking.merkle import MerkleTree, abi_encode_bytes, keccak256, leaf_hash, process_proof, verify
from tests.services.anvil import node_modules


def _openzeppelin(values: list[bytes], checks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Run tests/services/evm/oz_merkle.cjs: OpenZeppelin's own tree over the same values."""
    script = node_modules().parent / "oz_merkle.cjs"
    payload = {"values": ["0x" + v.hex() for v in values], "check": checks or []}
    done = subprocess.run(["node", str(script)], input=json.dumps(payload), capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    return dict(json.loads(done.stdout))


def _cid_like(rng: random.Random, count: int) -> list[bytes]:
    """Binary CIDs (version, dag-cbor, BLAKE3 multihash: 36 bytes), plus, in larger batches, an
    empty value and lengths on either side of a 32-byte word, where ABI padding could go wrong."""
    odd = [b"", rng.randbytes(32), rng.randbytes(33)] if count > 3 else []
    return [bytes([1, 0x71, 0x1E, 0x20]) + rng.randbytes(32) for _ in range(count - len(odd))] + odd


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100])
def test_root_leaves_and_proofs_match_openzeppelin(count: int) -> None:
    values = _cid_like(random.Random(count), count)
    tree = MerkleTree.of(values)
    reference = _openzeppelin(values)
    assert reference["root"] == "0x" + tree.root.hex()
    assert len(reference["entries"]) == count
    for entry in reference["entries"]:
        value = bytes.fromhex(entry["value"][2:])
        assert entry["leaf"] == "0x" + leaf_hash(value).hex()
        assert entry["proof"] == ["0x" + p.hex() for p in tree.proof(value)]


def test_openzeppelin_accepts_our_proofs_and_refuses_tampered_ones() -> None:
    values = _cid_like(random.Random(9), 20)
    tree = MerkleTree.of(values)
    root = "0x" + tree.root.hex()
    good = [{"value": "0x" + v.hex(), "root": root, "proof": ["0x" + p.hex() for p in tree.proof(v)]} for v in values]
    bad_sibling = dict(good[0], proof=["0x" + bytes(32).hex(), *good[0]["proof"][1:]])
    other_value = dict(good[1], value="0x" + values[2].hex())
    result = _openzeppelin([], [*good, bad_sibling, other_value])
    assert result["checks"] == [True] * len(values) + [False, False]


def test_abi_encoding_of_bytes_pads_to_whole_words() -> None:
    assert abi_encode_bytes(b"") == (32).to_bytes(32, "big") + bytes(32)
    encoded = abi_encode_bytes(b"\x01" * 33)
    assert len(encoded) == 32 + 32 + 64
    assert encoded[32:64] == (33).to_bytes(32, "big")
    assert encoded[64:] == b"\x01" * 33 + bytes(31)
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_a_single_leaf_is_its_own_root_with_an_empty_proof() -> None:
    tree = MerkleTree.of([b"only"])
    assert tree.root == leaf_hash(b"only")
    assert tree.proof(b"only") == []


def test_empty_and_duplicate_batches_are_refused() -> None:
    with pytest.raises(ValueError):
        MerkleTree.of([])
    with pytest.raises(ValueError):
        MerkleTree.of([b"a", b"a"])


def test_a_value_outside_the_tree_has_no_proof() -> None:
    with pytest.raises(KeyError):
        MerkleTree.of([b"a", b"b"]).proof(b"c")


@given(st.sets(st.binary(max_size=40), min_size=1, max_size=60), st.randoms())
def test_every_proof_leads_to_the_root_whatever_the_input_order(values: set[bytes], rng: random.Random) -> None:
    ordered = sorted(values)
    shuffled = list(ordered)
    rng.shuffle(shuffled)
    tree = MerkleTree.of(shuffled)
    assert tree.root == MerkleTree.of(ordered).root
    for value in values:
        assert verify(tree.root, value, tree.proof(value))
        if value + b"x" not in values:
            assert process_proof(leaf_hash(value + b"x"), tree.proof(value)) != tree.root
