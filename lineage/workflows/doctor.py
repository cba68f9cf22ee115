"""`cairn doctor`: which of the configured services answer, checked the way Cairn uses them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx

from cairn.errors import BadInput
from cairn.extras import install_hint, missing
from cairn.lineage.index.schema import schema_version
from cairn.redact import redact_url, scrub
from cairn.settings import Settings

TIMEOUT = httpx.Timeout(5.0)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: not configured
    detail: str


def _kubo(url: str) -> str:
    answer = httpx.post(f"{url.rstrip('/')}/api/v0/version", timeout=TIMEOUT)
    answer.raise_for_status()
    return f"Kubo {answer.json().get('Version')} at {redact_url(url)}"


def _arweave(url: str) -> str:
    answer = httpx.get(f"{url.rstrip('/')}/info", timeout=TIMEOUT)
    answer.raise_for_status()
    info = answer.json()
    return f"Arweave gateway at {redact_url(url)}, network {info.get('network')}, height {info.get('height')}"


def _chain(url: str) -> str:
    body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
    answer = httpx.post(url, json=body, timeout=TIMEOUT)
    answer.raise_for_status()
    return f"EVM chain {int(answer.json()['result'], 16)} at {redact_url(url)}"


def _probe(
    name: str, setting: Callable[[], str | None], probe: Callable[[str], str], extra: str | None = None
) -> Check:
    """``extra``: the optional extra that Cairn needs to use this service beyond reading it; when
    it is not installed the check says so (the service itself may still answer). What httpx says
    names the URL it failed on: its secrets are scrubbed (``cairn.redact``)."""
    try:
        url = setting()
    except BadInput as exc:  # a URL that does not parse is this check failing, not doctor
        return Check(name, False, str(exc))
    if not url:
        return Check(name, None, "not configured")
    note = ""
    if extra is not None and missing(extra):
        note = f" (the {extra!r} extra is missing, so Cairn cannot write to it: {install_hint(extra)})"
    try:
        return Check(name, True, probe(url) + note)
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        detail = scrub(str(exc).splitlines()[0], url) if str(exc) else ""
        return Check(name, False, f"{redact_url(url)}: {type(exc).__name__}: {detail}{note}")


def _index(settings: Settings) -> Check:
    """A shared index (CAIRN_INDEX_URL) must answer and be migrated; the home's SQLite file is local."""
    url = settings.index_url
    if not url:
        return Check("index", None, "the home's index.sqlite")
    from cairn.errors import CairnError
    from cairn.lineage.index.catalog import Index

    try:
        index = Index(url)  # a URL that does not parse: BadInput, this check failing
    except CairnError as exc:
        return Check("index", False, str(exc).splitlines()[0])
    try:
        with index.read() as db:
            version = schema_version(db)
    except CairnError as exc:
        return Check("index", False, str(exc).splitlines()[0])
    finally:
        index.close()
    return Check("index", True, f"{index.dialect} at {index.where}, schema version {version}")


def run_checks(settings: Settings) -> list[Check]:
    home = settings.home
    checks = [Check("home", True, f"{home} ({'exists' if home.exists() else 'not created yet'})")]
    checks.append(_index(settings))
    checks.append(_probe("ipfs", lambda: settings.ipfs_api, _kubo))
    checks.append(_probe("arweave", lambda: settings.arweave_url, _arweave, "arweave"))
    checks.append(_probe("chain", lambda: settings.chain_rpc, _chain, "chain"))
    return checks
