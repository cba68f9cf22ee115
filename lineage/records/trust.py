"""Which publishers this home trusts: did:keys listed in ``$CAIRN_HOME/trust.json``.

A valid signature only says *who* signed a record; trust is this home's opinion of that signer,
so it lives beside the home's key and never inside a record. `verify` reports both, and
``--require-trusted`` turns an untrusted signer into a failure.

The home's own signing key is always trusted, as one's own key is in gpg: what you published
yourself needs no extra step. ``trust.json`` holds only DIDs (no paths), so a copied home keeps
its trust, and it is replaced atomically so a crash never leaves half a list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cairn.errors import BadInput, CorruptInput, NotFound
from cairn.files import atomic_write
from cairn.lineage.records.keys import load_key, public_from_did

TRUST_FILE = "trust.json"
TRUST_VERSION = 1


@dataclass(frozen=True)
class TrustEntry:
    """One trusted DID and why: ``"trust.json"`` (added by hand) or ``"own key"``."""

    did: str
    source: str


def trust_path(home: Path) -> Path:
    return home / TRUST_FILE


def check_did(did: str) -> str:
    """``did`` stripped, if it is an ed25519 did:key (the only kind that signs Cairn records)."""
    did = did.strip()
    try:
        public_from_did(did)
    except BadInput:
        raise BadInput(f"not an ed25519 did:key: {did[:60]!r} (expected did:key:z6Mk...)") from None
    return did


def load_trusted(home: Path) -> list[str]:
    """The DIDs added with `trust add`, sorted; an absent file is an empty list."""
    path = trust_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise CorruptInput(f"{path} is unreadable: {exc}; fix or delete it") from exc
    dids = data.get("trusted") if isinstance(data, dict) else None
    if not isinstance(dids, list) or not all(isinstance(d, str) for d in dids):
        raise CorruptInput(f'{path} must hold {{"trusted": [did:key, ...]}}; fix or delete it')
    return sorted(set(dids))


def trust_entries(home: Path) -> list[TrustEntry]:
    """Everything this home trusts: its own key first, then the list in ``trust.json``."""
    key = load_key(home)
    own = [TrustEntry(key.did, "own key")] if key is not None else []
    listed = [TrustEntry(did, TRUST_FILE) for did in load_trusted(home) if key is None or did != key.did]
    return own + listed


def trusted_dids(home: Path) -> frozenset[str]:
    return frozenset(entry.did for entry in trust_entries(home))


def add_trusted(home: Path, did: str) -> bool:
    """Trust ``did``; False when it already was listed."""
    did = check_did(did)
    current = load_trusted(home)
    if did in current:
        return False
    _write(home, [*current, did])
    return True


def remove_trusted(home: Path, did: str) -> None:
    """Stop trusting ``did``; the home's own key cannot be removed, only replaced (`key new`)."""
    did = check_did(did)
    current = load_trusted(home)
    if did not in current:
        key = load_key(home)
        if key is not None and key.did == did:
            raise BadInput(f"{did} is this home's own signing key, which is always trusted")
        raise NotFound(f"{did} is not in {trust_path(home)}")
    _write(home, [d for d in current if d != did])


def _write(home: Path, dids: list[str]) -> None:
    """Write to a temporary file, fsync, rename: readers see the old list or the new one."""
    text = json.dumps({"version": TRUST_VERSION, "trusted": sorted(set(dids))}, indent=2) + "\n"
    with atomic_write(trust_path(home)) as handle:
        handle.write(text.encode())
