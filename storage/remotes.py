"""Remotes by name: ``ipfs`` (the configured Kubo), ``arweave``, and peer Cairn servers by URL.
One small registry, so every command accepts the same names (docs/cli.md, What the commands accept)."""

from __future__ import annotations

from pathlib import Path

from cairn.errors import BadInput
from cairn.redact import redact_url
from cairn.settings import Settings
from cairn.storage.blockstore import BlockStore


def ipfs_api(settings: Settings) -> str:
    url = settings.ipfs_api
    if not url:
        raise BadInput("no IPFS node configured: set CAIRN_IPFS_API (or ipfs_api in config.toml) to its RPC URL")
    return url


def arweave_url(settings: Settings) -> str:
    url = settings.arweave_url
    if not url:
        raise BadInput("no Arweave gateway configured: set CAIRN_ARWEAVE_URL (or arweave_url in config.toml)")
    return url


def arweave_wallet_path(settings: Settings) -> Path:
    """The JWK file: ``CAIRN_ARWEAVE_WALLET`` if set, else the one `cairn wallet new` makes in the home."""
    return settings.arweave_wallet


def arweave_timing(settings: Settings) -> tuple[float, float]:
    """(request timeout, seconds to keep retrying an unavailable gateway), both configurable."""
    return settings.arweave_timeout, settings.arweave_retry_seconds


def open_remote(name: str, settings: Settings) -> BlockStore:
    if name == "ipfs":
        from cairn.storage.kubo import KuboBlockStore

        return KuboBlockStore.from_url(ipfs_api(settings))
    if name == "arweave":
        from cairn.storage.arweave_store import ArweaveBlockStore

        return ArweaveBlockStore.from_url(arweave_url(settings), *arweave_timing(settings))
    if name.startswith(("http://", "https://")):
        from cairn.storage.peer import PeerStore

        return PeerStore(name, settings.api_token)
    raise BadInput(f"unknown remote {redact_url(name)!r} (use ipfs, arweave or the URL of a Cairn server)")
