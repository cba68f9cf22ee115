"""Secrets are never printed or logged, and are kept with mode 0600 (README.md, Security and reliability).

A representative session (key and token creation, publish, list, verify, a served home answering
good, read-only, revoked and forged tokens, a client that pushes to it with CAIRN_API_TOKEN,
failing commands with CAIRN_DEBUG=1 tracebacks) runs as real processes; all their output and the
server's log are then searched for the signing key's seed (hex, base64, base58, raw) and for every
token's secret. The one allowed appearance of a token is its own `token new` output.
"""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from cairn.chunking.multibase import b58_encode
from tests.api.server import running_server
from tests.cli.helpers import Result, cairn_process


class Session:
    """Runs `cairn` as a process against one home and keeps everything it printed."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.outputs: list[str] = []

    def run(self, *args: str | Path, env: dict[str, str] | None = None, keep: bool = True) -> Result:
        result = cairn_process(*args, home=self.home, env=env, timeout=120)
        if keep:
            self.outputs += [result.out, result.err]
        return result


def _seed_forms(home: Path) -> list[str]:
    seed_hex = (home / "keys" / "signing.key").read_text().strip()
    seed = bytes.fromhex(seed_hex)
    return [seed_hex, seed_hex.upper(), base64.b64encode(seed).decode(), base64.urlsafe_b64encode(seed).decode(),
            b58_encode(seed), seed_hex[:32], seed_hex[32:]]  # fmt: skip


def _token_secret(token: str) -> str:
    return token.split("_", 2)[2]


def _new_token(session: Session, scope: str, as_json: bool = False) -> str:
    """A token, from the one output allowed to show it (not kept among the searched outputs)."""
    result = session.run("token", "new", "--scope", scope, *(["--json"] if as_json else []), keep=False)
    assert result.code == 0, result.err
    session.outputs.append(result.err)
    if as_json:
        return str(json.loads(result.out)["token"])
    lines = result.out.strip().splitlines()
    session.outputs.append("\n".join(lines[:-1]))  # everything but the token itself is searched too
    return lines[-1]


def _serve_and_use(session: Session, tmp_path: Path, write: str, read: str, revoked: str) -> str:
    """Requests with every kind of token; returns the server's log."""
    forged = write[:-6] + "AAAAAA"
    with running_server(session.home) as server:
        for token in (write, read, revoked, forged, "cairn_" + _token_secret(write)):
            auth = {"Authorization": f"Bearer {token}"}
            files = [("files", ("a.txt", b"uploaded " + token[-4:].encode()))]
            httpx.post(f"{server.url}/v1/artifacts", files=files, data={"name": "up"}, headers=auth, timeout=30)
            httpx.get(f"{server.url}/v1/artifacts", headers=auth, timeout=30)
            httpx.put(f"{server.url}/v1/blocks/bafkqaaa", content=b"", headers=auth, timeout=30)
        (tmp_path / "push.txt").write_text("pushed")
        other = Session(tmp_path / "client-home")
        cid = other.run("publish", tmp_path / "push.txt").last_line
        for token in (write, revoked):  # a client that sends CAIRN_API_TOKEN: ok, then refused
            other.run("pin", cid, "--to", server.url, env={"CAIRN_API_TOKEN": token, "CAIRN_DEBUG": "1"})
        session.outputs += other.outputs
    return (session.home.parent / f"server-{server.port}.log").read_text(errors="replace")  # all of it


def test_no_secret_is_printed_logged_or_stored_in_the_clear(home: Path, tmp_path: Path) -> None:
    session = Session(home)
    assert session.run("key", "new").code == 0
    write = _new_token(session, "write")
    read = _new_token(session, "read", as_json=True)
    revoked = _new_token(session, "admin")
    revoked_id = revoked.split("_")[1]
    (tmp_path / "m.txt").write_text("model")
    cid = session.run("publish", tmp_path / "m.txt", "--json").json()["cid"]
    for args in (("key", "show"), ("token", "list"), ("token", "list", "--json"), ("ls",), ("show", cid),
                 ("verify", cid), ("fsck",), ("token", "revoke", revoked_id), ("doctor",), ("trust", "list"),
                 ("key", "new")):  # fmt: skip
        session.run(*args)
    session.run("pull", "bafkqaaa", "--from", "http://127.0.0.1:9/", env={"CAIRN_DEBUG": "1",
                                                                       "CAIRN_API_TOKEN": write})  # fmt: skip
    log = _serve_and_use(session, tmp_path, write, read, revoked)
    searched = "\n".join([*session.outputs, log])
    assert "did:key:" in searched and "bafkr" in searched  # the outputs were captured
    for secret in _seed_forms(home):
        assert secret not in searched, "the signing key's seed was printed or logged"
    for token in (write, read, revoked):
        assert _token_secret(token) not in searched, "a token's secret was printed again or logged"
    _no_secret_in_files(home, write, read, revoked)


def _no_secret_in_files(home: Path, *tokens: str) -> None:
    """Tokens are stored hashed: no file of the home holds a secret; the seed is in its key file only."""
    seed = bytes.fromhex((home / "keys" / "signing.key").read_text().strip())
    for path in (p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes()
        for token in tokens:
            assert _token_secret(token).encode() not in data, f"{path} holds a token secret"
        if path.name != "signing.key":
            assert seed not in data and seed.hex().encode() not in data, f"{path} holds the seed"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_signing_key_is_0600_in_a_0700_folder(home: Path) -> None:
    old = os.umask(0o022)  # the usual umask: the modes must not come from it
    try:
        assert Session(home).run("key", "new").code == 0
    finally:
        os.umask(old)
    assert _mode(home / "keys" / "signing.key") == 0o600
    assert _mode(home / "keys") == 0o700


def test_the_arweave_wallet_is_0600_and_never_printed(home: Path) -> None:
    session = Session(home)
    old = os.umask(0o022)
    try:
        wallet = session.run("wallet", "new")
    finally:
        os.umask(old)
    if wallet.code != 0:
        pytest.skip(f"`cairn wallet new` is not available here: {wallet.err.strip()[:100]}")
    assert _mode(home / "keys" / "arweave.json") == 0o600
    private = json.loads((home / "keys" / "arweave.json").read_text())["d"]
    shown = session.run("wallet", "show")
    assert private not in wallet.out + wallet.err + shown.out + shown.err
