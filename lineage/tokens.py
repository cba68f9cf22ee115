"""API tokens: created by `cairn token new --scope read|write|admin`, stored only as a hash,
revocable. A token reads ``cairn_<id>_<secret>``: the id finds the row, the secret is checked
against its SHA-256 in constant time, so a leaked index reveals no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cairn.errors import BadInput, NotFound
from lineage.index import Index, now

SCOPES = ("read", "write", "admin")  # each includes the ones before it
PREFIX = "cairn_"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    scope: str
    created_at: float
    revoked_at: float | None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_token(index: Index, scope: str) -> tuple[str, TokenInfo]:
    """Create a token; the full token text is returned once and never stored."""
    if scope not in SCOPES:
        raise BadInput(f"unknown scope {scope!r} (use {', '.join(SCOPES)})")
    token_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    created = now()
    with index.db as db:
        db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, NULL)", (token_id, _hash(secret), scope, created))
    return f"{PREFIX}{token_id}_{secret}", TokenInfo(token_id, scope, created, None)


def revoke_token(index: Index, token_id: str) -> None:
    with index.db as db:
        changed = db.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now(), token_id)
        ).rowcount
    if not changed:
        raise NotFound(f"no active token with id {token_id!r}")


def list_tokens(index: Index) -> list[TokenInfo]:
    rows = index.db.execute("SELECT id, scope, created_at, revoked_at FROM tokens ORDER BY created_at").fetchall()
    return [TokenInfo(*row) for row in rows]


def token_scope(index: Index, token: str) -> str | None:
    """The scope a presented token grants, or ``None`` if it is unknown, malformed or revoked."""
    if not token.startswith(PREFIX):
        return None
    token_id, _, secret = token[len(PREFIX) :].partition("_")
    row = index.db.execute("SELECT secret_hash, scope, revoked_at FROM tokens WHERE id = ?", (token_id,)).fetchone()
    if row is None or row[2] is not None or not secret:
        return None
    if not hmac.compare_digest(row[0], _hash(secret)):
        return None
    return str(row[1])


def allows(granted: str | None, needed: str) -> bool:
    return granted is not None and SCOPES.index(granted) >= SCOPES.index(needed)
