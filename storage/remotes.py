"""Remotes by name: ``ipfs`` (the configured Kubo), ``arweave``, and peer Cairn servers by URL.
One small registry, so every command accepts the same names (DESIGN.md §3)."""

from __future__ import annotations

from cairn.errors import BadInput
from cairn.settings import Settings
from storage.blockstore import BlockStore


def ipfs_api(settings: Settings) -> str:
    url = settings.get("ipfs_api")
    if not url:
        raise BadInput("no IPFS node configured: set CAIRN_IPFS_API (or ipfs_api in config.toml) to its RPC URL")
    return url


def open_remote(name: str, settings: Settings) -> BlockStore:
    if name == "ipfs":
        from storage.kubo import KuboBlockStore

        return KuboBlockStore.from_url(ipfs_api(settings))
    if name.startswith(("http://", "https://")):
        from storage.peer import PeerStore

        return PeerStore(name, settings.get("api_token"))
    raise BadInput(f"unknown remote {name!r} (use ipfs or the URL of a Cairn server)")
