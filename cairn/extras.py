"""The optional extras of ``cairn-store``, and the one guard in front of every feature that needs one.

The base install is the embedded default (the local store, the CLI, the SDK, fsspec, Kubo over
HTTP). A server, Arweave, an EVM chain and a PostgreSQL index each need packages that only an
extra installs. Code that needs one calls ``require`` first and imports the packages after it, in
the function that uses them, never at the top of a module that the base install reaches:

    require("server", "cairn serve")
    import uvicorn

A missing package is then ``MissingExtra`` (a ``BadInput``, exit 2) and one line:
``cairn serve needs the 'server' extra: pip install 'cairn-store[server]'``.
"""

from __future__ import annotations

import importlib.util

from cairn.errors import MissingExtra

DISTRIBUTION = "cairn-store"

# extra -> the modules Cairn imports from it, by import name ([project.optional-dependencies] in
# pyproject.toml says which distributions bring them; tests/packaging checks that the names agree)
EXTRAS: dict[str, tuple[str, ...]] = {
    "server": ("fastapi", "starlette", "pydantic", "uvicorn", "python_multipart"),
    "arweave": ("arweave", "Crypto"),
    "chain": ("web3", "eth_account", "Crypto"),
    "postgres": ("psycopg",),
}


def install_hint(extra: str) -> str:
    return f"pip install '{DISTRIBUTION}[{extra}]'"


def missing(extra: str, *modules: str) -> list[str]:
    """The modules of ``extra`` (all of them, or only ``modules``) that cannot be imported here."""
    if extra not in EXTRAS:
        raise ValueError(f"no extra {extra!r}: {sorted(EXTRAS)}")
    return [m for m in modules or EXTRAS[extra] if importlib.util.find_spec(m) is None]


def require(extra: str, feature: str, *modules: str) -> None:
    """Raise ``MissingExtra`` unless the modules of ``extra`` (all, or only ``modules``) are installed.

    ``feature`` names what needs them, as the user asked for it: ``"cairn serve"``, ``"a
    PostgreSQL index (CAIRN_INDEX_URL)"``. Looks the modules up without importing them (cheap).
    """
    if missing(extra, *modules):
        raise MissingExtra(f"{feature} needs the {extra!r} extra: {install_hint(extra)}")
