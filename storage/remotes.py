"""Remotes by name: ``ipfs`` (the configured Kubo), ``arweave``, and peer Cairn servers by URL.
One small registry, so every command accepts the same names (docs/cli.md, What the commands accept)."""

from __future__ import annotations

from pathlib import Path

from cairn.errors import BadInput
from cairn.settings import Settings
from cairn.storage.blockstore import BlockStore


def ipfs_api(settings: Settings) -> str:
    url = settings.get("ipfs_api")
    if not url:
        raise BadInput("no IPFS node configured: set CAIRN_IPFS_API (or ipfs_api in config.toml) to its RPC URL")
    return url


def arweave_url(settings: Settings) -> str:
    url = settings.get("arweave_url")
    if not url:
        raise BadInput("no Arweave gateway configured: set CAIRN_ARWEAVE_URL (or arweave_url in config.toml)")
    return url


def arweave_wallet_path(settings: Settings) -> Path:
    """The JWK file: ``CAIRN_ARWEAVE_WALLET`` if set, else the one `cairn wallet new` makes in the home."""
    given = settings.get("arweave_wallet")
    return Path(given).expanduser() if given else settings.home / "keys" / "arweave.json"


def arweave_timing(settings: Settings) -> tuple[float, float]:
    """(request timeout, seconds to keep retrying an unavailable gateway), both configurable."""
    from cairn.storage.arweave import DEFAULT_RETRY_SECONDS, DEFAULT_TIMEOUT

    return (settings.seconds("arweave_timeout", DEFAULT_TIMEOUT),
            settings.seconds("arweave_retry_seconds", DEFAULT_RETRY_SECONDS))  # fmt: skip


def open_remote(name: str, settings: Settings) -> BlockStore:
    if name == "ipfs":
        from cairn.storage.kubo import KuboBlockStore

        return KuboBlockStore.from_url(ipfs_api(settings))
    if name == "arweave":
        from cairn.storage.arweave_store import ArweaveBlockStore

        return ArweaveBlockStore.from_url(arweave_url(settings), *arweave_timing(settings))
    if name.startswith(("http://", "https://")):
        from cairn.storage.peer import PeerStore

        return PeerStore(name, settings.get("api_token"))
    raise BadInput(f"unknown remote {name!r} (use ipfs, arweave or the URL of a Cairn server)")
