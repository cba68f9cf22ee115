"""API tokens: created by `cairn token new --scope read|write|admin`, stored only as a hash,
revocable. A token reads ``cairn_<id>_<secret>``: the id finds the row, the secret is checked
against its SHA-256 in constant time, so a leaked index reveals no usable token.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from cairn.errors import BadInput, NotFound
from cairn.lineage.index.catalog import Index, now
from cairn.lineage.index.schema import tokens

SCOPES = ("read", "write", "admin")  # each includes the ones before it
PREFIX = "cairn_"
# What a presented token may look like (``new_token`` makes 12 hex digits and 43 URL-safe
# characters; the bounds leave room): anything else is refused before the index is asked.
_TOKEN = re.compile(r"cairn_([0-9a-f]{1,64})_([A-Za-z0-9_-]{1,256})")


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
    with index.write() as db:
        db.execute(sa.insert(tokens).values(id=token_id, secret_hash=_hash(secret), scope=scope, created_at=created))
    return f"{PREFIX}{token_id}_{secret}", TokenInfo(token_id, scope, created, None)


def revoke_token(index: Index, token_id: str) -> None:
    with index.write() as db:
        changed = db.execute(
            sa.update(tokens).where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None)).values(revoked_at=now())
        ).rowcount
    if not changed:
        raise NotFound(f"no active token with id {token_id!r}")


def list_tokens(index: Index) -> list[TokenInfo]:
    c = tokens.c
    with index.read() as db:
        rows = db.execute(sa.select(c.id, c.scope, c.created_at, c.revoked_at).order_by(c.created_at)).all()
    return [TokenInfo(*row) for row in rows]


def token_scope(index: Index, token: str) -> str | None:
    """The scope a presented token grants, or ``None`` if it is unknown, malformed or revoked.

    A token is text from a request header: any length, any characters (non-ASCII ones made
    ``_hash`` raise, a 500 for ``Bearer cairn_<id>_é``). Its form is checked first."""
    parsed = _TOKEN.fullmatch(token)
    if parsed is None:
        return None
    token_id, secret = parsed.groups()
    c = tokens.c
    with index.read() as db:
        row = db.execute(sa.select(c.secret_hash, c.scope, c.revoked_at).where(c.id == token_id)).first()
    if row is None or row[2] is not None:
        return None
    if not hmac.compare_digest(row[0], _hash(secret)):
        return None
    return str(row[1])


def allows(granted: str | None, needed: str) -> bool:
    return granted is not None and SCOPES.index(granted) >= SCOPES.index(needed)
