"""The Merkle tree of an anchor batch, built exactly as OpenZeppelin's ``StandardMerkleTree`` builds
one for the leaf type ``bytes``.

Why that tree and not one of our own: a proof is worth only as much as the tools that can check it.
With OpenZeppelin's layout, a record's proof is checked by its JS library
(``StandardMerkleTree.verify(root, ['bytes'], [cid], proof)``), by its Solidity ``MerkleProof.verify``
on chain, and by the dozen lines of ``process_proof`` below, without trusting Cairn.

The rules, all of them fixed by that library:

- a leaf is ``keccak256(keccak256(abi.encode(value)))``: ABI-encoded as a one-element tuple of
  ``bytes`` and hashed twice, so that no leaf can ever be mistaken for an inner node (64 bytes);
- an inner node is ``keccak256`` of its two children in ascending byte order ("sorted pairs"),
  so a proof is a plain list of siblings with no left/right flags;
- leaves are sorted by hash and stored at the end of one array in reverse order, the root at
  index 0 and the children of node ``i`` at ``2i+1`` and ``2i+2``; a proof lists the sibling of
  each node on the way up.

Pure: bytes in, bytes out; hex happens at the edges (proof files, the index).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cairn.extras import require

HASH_SIZE = 32
_WORD = 32


def keccak256(data: bytes) -> bytes:
    """Keccak-256 (Ethereum's, not SHA3-256: the padding differs), from pycryptodome, which the
    'chain' and 'arweave' extras install: only anchoring and checking anchors hash with it."""
    require("chain", "an anchor's Merkle proof (keccak-256)", "Crypto")
    from Crypto.Hash import keccak

    return keccak.new(digest_bits=256, data=data).digest()


def abi_encode_bytes(value: bytes) -> bytes:
    """``abi.encode(value)`` for one ``bytes`` value: the offset of its tail (32), its length, and
    the bytes right-padded with zeros to a whole number of 32-byte words."""
    padding = -len(value) % _WORD
    return _WORD.to_bytes(_WORD, "big") + len(value).to_bytes(_WORD, "big") + value + bytes(padding)


def leaf_hash(value: bytes) -> bytes:
    """The leaf of ``value`` as ``StandardMerkleTree.leafHash(['bytes'], [value])`` gives it."""
    return keccak256(keccak256(abi_encode_bytes(value)))


def node_hash(a: bytes, b: bytes) -> bytes:
    """An inner node: the two children in ascending order, hashed (OpenZeppelin's sorted pairs)."""
    return keccak256(a + b if a <= b else b + a)


def process_proof(leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` leads to from ``leaf`` (``MerkleProof.processProof``)."""
    node = leaf
    for sibling in proof:
        if len(sibling) != HASH_SIZE:
            raise ValueError(f"a proof element has {len(sibling)} bytes, not {HASH_SIZE}")
        node = node_hash(node, sibling)
    return node


def verify(root: bytes, value: bytes, proof: Sequence[bytes]) -> bool:
    """Whether ``proof`` shows ``value`` to be a leaf of the tree whose root is ``root``."""
    return process_proof(leaf_hash(value), proof) == root


@dataclass(frozen=True)
class MerkleTree:
    """The whole tree in OpenZeppelin's array layout; ``positions`` maps a leaf hash to its index."""

    nodes: tuple[bytes, ...]
    positions: dict[bytes, int]

    @classmethod
    def of(cls, values: Iterable[bytes]) -> MerkleTree:
        """The tree of ``values`` (at least one, no two equal), whatever order they come in."""
        leaves = sorted(leaf_hash(v) for v in values)
        if not leaves:
            raise ValueError("a Merkle tree needs at least one leaf")
        if len(set(leaves)) != len(leaves):
            raise ValueError("a Merkle tree of records needs distinct values")
        nodes: list[bytes] = [b""] * (2 * len(leaves) - 1)
        for i, leaf in enumerate(leaves):
            nodes[len(nodes) - 1 - i] = leaf
        for i in range(len(nodes) - 1 - len(leaves), -1, -1):
            nodes[i] = node_hash(nodes[2 * i + 1], nodes[2 * i + 2])
        positions = {nodes[i]: i for i in range(len(nodes) - len(leaves), len(nodes))}
        return cls(tuple(nodes), positions)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def __len__(self) -> int:
        return len(self.positions)

    def proof(self, value: bytes) -> list[bytes]:
        """The siblings from ``value``'s leaf up to the root (``getProof``); KeyError if absent."""
        index = self.positions[leaf_hash(value)]
        siblings = []
        while index > 0:
            siblings.append(self.nodes[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return siblings
