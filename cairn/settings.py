"""Where Cairn keeps its state and which services it talks to.

Resolved when needed, never at import time, in the order argument > environment >
``$CAIRN_HOME/config.toml`` > default (docs/architecture.md, Settings).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.errors import BadInput

# Environment variable -> key in config.toml.
_ENV_KEYS = {
    "CAIRN_IPFS_API": "ipfs_api",
    "CAIRN_IPFS_GATEWAY": "ipfs_gateway",
    "CAIRN_ARWEAVE_URL": "arweave_url",
    "CAIRN_ARWEAVE_WALLET": "arweave_wallet",
    "CAIRN_ARWEAVE_TX_BYTES": "arweave_tx_bytes",  # largest CAR one Arweave transaction carries
    "CAIRN_ARWEAVE_TIMEOUT": "arweave_timeout",  # seconds one gateway request may take
    "CAIRN_ARWEAVE_RETRY_SECONDS": "arweave_retry_seconds",  # how long an unavailable gateway is retried
    "CAIRN_CHAIN_RPC": "chain_rpc",
    "CAIRN_CHAIN_KEY": "chain_key",
    "CAIRN_CHAIN_KEY_FILE": "chain_key_file",
    "CAIRN_CHAIN_CONTRACT": "chain_contract",
    "CAIRN_CHAIN_CONFIRMATIONS": "chain_confirmations",
    "CAIRN_API_TOKEN": "api_token",
    "CAIRN_INDEX_URL": "index_url",
    "CAIRN_BLOCKSTORE": "blockstore",
    "CAIRN_JOB_LEASE_SECONDS": "job_lease_seconds",  # how long a dead replica's job waits before another takes it
    "CAIRN_COMPRESSION": "compression",  # at-rest compression of new blocks: off (default) or zstd
    "CAIRN_THREADS": "threads",  # lanes that cut and hash a file's regions (default: one per core)
}
COMPRESSION_CHOICES = ("off", "zstd")


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The home folder: the argument, else ``$CAIRN_HOME``, else ``~/.cairn``."""
    chosen = home or os.environ.get("CAIRN_HOME") or Path.home() / ".cairn"
    return Path(chosen).expanduser()


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one home. Unset values are ``None``."""

    home: Path
    values: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    @property
    def blockstore(self) -> str:
        return self.values.get("blockstore", "local")

    def seconds(self, key: str, default: float) -> float:
        """A number of seconds (not negative), or a ``BadInput`` naming the setting."""
        text = self.values.get(key)
        try:
            value = default if text is None else float(text)
        except ValueError:
            raise BadInput(f"{key} must be a number of seconds, not {text!r}") from None
        if value < 0:
            raise BadInput(f"{key} must not be negative")
        return value

    @property
    def threads(self) -> int:
        """How many threads cut and hash at once (chunking/parallel.py); CIDs never depend on it."""
        chosen = self.values.get("threads")
        if chosen is None:
            return os.cpu_count() or 1
        if not chosen.isdigit() or not 1 <= int(chosen) <= 256:
            raise BadInput(f"threads must be a whole number from 1 to 256, not {chosen!r}")
        return int(chosen)

    @property
    def compression(self) -> bool:
        """Whether new blocks are stored compressed (storage/compression.py)."""
        chosen = self.values.get("compression", "off").lower()
        if chosen not in COMPRESSION_CHOICES:
            raise BadInput(f"compression must be one of {', '.join(COMPRESSION_CHOICES)}, not {chosen!r}")
        return chosen == "zstd"


def load_settings(home: str | os.PathLike[str] | None = None) -> Settings:
    """Read ``config.toml`` of the home (if any) and overlay the environment."""
    root = resolve_home(home)
    values: dict[str, str] = {}
    config = root / "config.toml"
    if config.is_file():
        values.update(_read_config(config))
    for env, key in _ENV_KEYS.items():
        if os.environ.get(env):
            values[key] = os.environ[env]
    return Settings(home=root, values=values)


def _read_config(path: Path) -> dict[str, str]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInput(f"cannot read {path.name}: {exc}") from exc
    return {key: str(value) for key, value in data.items() if key in _ENV_KEYS.values()}
