"""Signing keys: ed25519, named by did:key, kept 0600 in the home.

The signature scheme is fixed by docs/formats.md (Signatures): ed25519 over ``cairn/record/v1\\n`` followed by
the DAG-CBOR encoding of the record without its ``sig`` field.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cairn.chunking.multibase import b58_decode, b58_encode
from cairn.errors import BadInput, Conflict
from cairn.files import atomic_write

SIGNING_CONTEXT = b"cairn/record/v1\n"
_ED25519_PUB = b"\xed\x01"  # multicodec ed25519-pub as a varint
DID_PREFIX = "did:key:z"


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes_raw()

    @property
    def did(self) -> str:
        return did_from_public(self.public_bytes)

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(SIGNING_CONTEXT + message)


def did_from_public(public: bytes) -> str:
    return DID_PREFIX + b58_encode(_ED25519_PUB + public)


def public_from_did(did: str) -> bytes:
    if not did.startswith(DID_PREFIX):
        raise BadInput(f"not an ed25519 did:key: {did[:40]!r}")
    raw = b58_decode(did[len(DID_PREFIX) :])
    if raw[:2] != _ED25519_PUB or len(raw) != 34:
        raise BadInput(f"not an ed25519 did:key: {did[:40]!r}")
    return raw[2:]


def verify_signature(did: str, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_from_did(did)).verify(signature, SIGNING_CONTEXT + message)
    except (InvalidSignature, BadInput, ValueError):
        return False
    return True


def key_path(home: Path) -> Path:
    return home / "keys" / "signing.key"


def load_key(home: Path) -> SigningKey | None:
    path = key_path(home)
    if not path.exists():
        return None
    seed = bytes.fromhex(path.read_text(encoding="ascii").strip())
    return SigningKey(Ed25519PrivateKey.from_private_bytes(seed))


def create_key(home: Path, overwrite: bool = False) -> SigningKey:
    """Write a new key with mode 0600 (created so, never widened afterwards).

    The key is written under a name of its own and then linked into place, which fails if a key
    appeared meanwhile: two first publishes racing on a fresh home (an API server's threads)
    end with one key, not a torn file or a lost rename.
    """
    path = key_path(home)
    if path.exists() and not overwrite:
        raise Conflict(f"a signing key already exists at {path}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes_raw().hex().encode("ascii") + b"\n"
    written = path if overwrite else path.with_name(f".{path.name}.{secrets.token_hex(6)}.new")
    try:
        with atomic_write(written, mode=0o600) as handle:
            handle.write(seed)
        if written != path:
            os.link(written, path)  # fails, unlike a rename, when a key appeared meanwhile
    except FileExistsError:
        raise Conflict(f"a signing key already exists at {path}") from None
    finally:
        if written != path:
            written.unlink(missing_ok=True)
    return SigningKey(key)


def load_or_create_key(home: Path) -> tuple[SigningKey, bool]:
    """The home's key, creating one on first use; the flag says whether it was just created."""
    key = load_key(home)
    if key is not None:
        return key, False
    try:
        return create_key(home), True
    except Conflict:  # another thread or process created it first: use theirs
        existing = load_key(home)
        if existing is None:
            raise
        return existing, False
