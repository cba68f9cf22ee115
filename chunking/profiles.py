"""Import profiles: a name plus every parameter that decides a CID (docs/formats.md, Profiles).

The profile name is recorded in each manifest, so anyone can recompute the same CIDs later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cairn.chunking.chunkers import CDCChunker, Chunker, FixedChunker
from cairn.chunking.dag import DagEntry
from cairn.chunking.multihash import BLAKE3, SHA2_256, hash_code
from cairn.errors import BadInput

KIB = 1024
ShardRule = Callable[[list[tuple[str, DagEntry]]], bool]


def links_estimate_over(threshold: int) -> ShardRule:
    """Shard when the sum of every link's name bytes plus CID bytes exceeds ``threshold``.

    This is Kubo's default (``Import.UnixFSHAMTDirectorySizeEstimation = "links"``, boxo's
    ``SizeEstimationLinks``): Tsize, protobuf framing and the UnixFS ``Data`` are not counted.
    The comparison is strictly ``>`` since boxo#1088 (boxo v0.37, Kubo v0.40); older Kubo used
    ``>=``, so a directory exactly at the threshold shards in Kubo 0.39 and earlier.
    """

    def rule(entries: list[tuple[str, DagEntry]]) -> bool:
        size = sum(len(name.encode("utf-8")) + len(entry.cid.raw) for name, entry in entries)
        return size > threshold

    return rule


def block_size_over(threshold: int) -> ShardRule:
    """Shard when the encoded plain directory node itself would exceed ``threshold`` bytes.

    This is IPIP-499's ``block-bytes`` estimate (boxo's ``SizeEstimationBlock``, the JS
    importer's ``shardSplitStrategy: 'block-bytes'``): the exact dag-pb size, Tsize varints and
    framing included, compared with ``>``. It also keeps every block Cairn writes under 1 MiB.
    """

    def rule(entries: list[tuple[str, DagEntry]]) -> bool:
        from cairn.chunking.dag import directory_node
        from cairn.chunking.dagpb import encode_node

        return len(encode_node(directory_node(entries))) > threshold

    return rule


@dataclass(frozen=True)
class Profile:
    name: str
    hash_code: int
    chunker: Chunker
    max_links: int
    safetensors_regions: bool  # cut the header and each tensor as separate regions
    skip_hidden: bool  # leave out names starting with "." (as `ipfs add -r` does)
    shard_rule: ShardRule
    format_regions: bool = False  # also cut GGUF tensors and torch zip storages as separate regions

    @property
    def hash_name(self) -> str:
        return "blake3" if self.hash_code == BLAKE3 else "sha2-256"


PROFILE_NAMES = ("native-v1", "native-v2", "kubo", "unixfs-v1-2025")
# native-v2 is native-v1 plus GGUF and torch zip regions: the same CIDs for every other file, and
# a 10 % fine-tune of a real GGUF costs 0.37x the new bytes of plain CDC (bench/formats.py).
DEFAULT_PROFILE = "native-v2"


def get_profile(name: str = DEFAULT_PROFILE, hash_name: str | None = None) -> Profile:
    """The profile ``name``; ``hash_name`` overrides the hash only where the profile allows it."""
    if name == "native-v1":
        _only_hash(name, hash_name, "blake3")
        return Profile(name, BLAKE3, CDCChunker(), 1024, True, False, block_size_over(256 * KIB))
    if name == "native-v2":
        # native-v1 plus GGUF tensors and torch.save zip storages as regions (bench/formats.py).
        _only_hash(name, hash_name, "blake3")
        return Profile(name, BLAKE3, CDCChunker(), 1024, True, False, block_size_over(256 * KIB), format_regions=True)
    if name == "kubo":
        # Kubo v0.41 `ipfs add -r` defaults: Import.UnixFSHAMTDirectorySizeThreshold 256KiB,
        # Import.UnixFSHAMTDirectorySizeEstimation "links", no directory MaxLinks.
        code = hash_code(hash_name or "sha2-256")
        return Profile(name, code, FixedChunker(256 * KIB), 174, False, True, links_estimate_over(256 * KIB))
    if name == "unixfs-v1-2025":
        # IPIP-499: "HAMTDirectory threshold 256KiB (block-bytes)", "HAMT switch comparison >".
        _only_hash(name, hash_name, "sha2-256")
        return Profile(name, SHA2_256, FixedChunker(1024 * KIB), 1024, False, True, block_size_over(256 * KIB))
    raise BadInput(f"unknown profile {name!r} (use {', '.join(PROFILE_NAMES)})")


def _only_hash(profile: str, given: str | None, allowed: str) -> None:
    if given is not None and given != allowed:
        raise BadInput(f"profile {profile} always hashes with {allowed}")
