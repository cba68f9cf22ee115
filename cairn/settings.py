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
BLOCKSTORE_CHOICES = ("local", "ipfs")
DEFAULT_ARWEAVE_TX_BYTES = 256 << 20
DEFAULT_ARWEAVE_TIMEOUT = 60.0
DEFAULT_ARWEAVE_RETRY_SECONDS = 120.0
DEFAULT_JOB_LEASE_SECONDS = 20.0


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The home folder: the argument, else ``$CAIRN_HOME``, else ``~/.cairn``. It need not exist
    yet (a home is made on first write), but a file of that name is no home."""
    chosen = home or os.environ.get("CAIRN_HOME") or Path.home() / ".cairn"
    path = Path(chosen).expanduser()
    if path.exists() and not path.is_dir():
        raise BadInput(f"the home {path} is not a folder")
    return path


def check_http_url(text: str, what: str) -> str:
    """``text`` if it is an ``http(s)://host[:port][/path]`` URL; else a ``BadInput`` naming
    ``what`` (a setting, an option) and the URL without its secrets (``cairn.redact``)."""
    from urllib.parse import urlsplit

    from cairn.redact import redact_url

    problem = None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        problem = str(exc)
    else:
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            problem = "it needs http:// or https:// and a host"
        elif any(ch.isspace() or ord(ch) < 32 for ch in text):
            problem = "it holds spaces or control characters"
    if problem:
        raise BadInput(f"{what} is not a usable URL ({problem}): {redact_url(text)!r}")
    return text


@dataclass(frozen=True)
class Settings:
    """Resolved settings of one home: one typed property per setting, each parsed and checked
    here when first read, so a bad value fails only the commands that use it, with one line
    naming the setting. Unset values are ``None`` or the default the property states."""

    home: Path
    values: dict[str, str] = field(default_factory=dict)

    def _text(self, key: str) -> str | None:
        return self.values.get(key) or None

    # -- where the state lives ------------------------------------------------------------------

    @property
    def index_url(self) -> str | None:
        """A shared index database (PostgreSQL) instead of the home's ``index.sqlite``."""
        return self._text("index_url")

    @property
    def blockstore(self) -> str:
        """``local`` (packs in the home, the default) or ``ipfs`` (every block in Kubo)."""
        chosen = self._text("blockstore") or "local"
        if chosen not in BLOCKSTORE_CHOICES:
            raise BadInput(f"CAIRN_BLOCKSTORE={chosen!r} is not a block store (use {' or '.join(BLOCKSTORE_CHOICES)})")
        return chosen

    @property
    def compression(self) -> bool:
        """Whether new blocks are stored compressed (storage/compression.py)."""
        chosen = (self._text("compression") or "off").lower()
        if chosen not in COMPRESSION_CHOICES:
            raise BadInput(f"compression must be one of {', '.join(COMPRESSION_CHOICES)}, not {chosen!r}")
        return chosen == "zstd"

    @property
    def threads(self) -> int:
        """How many threads cut and hash at once (chunking/parallel.py); CIDs never depend on it."""
        chosen = self._text("threads")
        if chosen is None:
            return os.cpu_count() or 1
        return self._whole("threads", 1, 256)

    # -- the services it talks to ---------------------------------------------------------------

    @property
    def ipfs_api(self) -> str | None:
        """Kubo's RPC URL."""
        return self._url("ipfs_api")

    @property
    def ipfs_gateway(self) -> str | None:
        return self._text("ipfs_gateway")

    @property
    def api_token(self) -> str | None:
        """The bearer token sent to peer Cairn servers."""
        return self._text("api_token")

    @property
    def arweave_url(self) -> str | None:
        return self._url("arweave_url")

    @property
    def arweave_wallet(self) -> Path:
        """The JWK file: the setting if given, else the one `cairn wallet new` makes in the home."""
        given = self._text("arweave_wallet")
        return Path(given).expanduser() if given else self.home / "keys" / "arweave.json"

    @property
    def arweave_wallet_set(self) -> bool:
        return self._text("arweave_wallet") is not None

    @property
    def arweave_tx_bytes(self) -> int:
        """The largest CAR one Arweave transaction carries."""
        return self._whole("arweave_tx_bytes", 1 << 16, 1 << 40, default=DEFAULT_ARWEAVE_TX_BYTES)

    @property
    def arweave_timeout(self) -> float:
        """Seconds one gateway request may take."""
        return self._seconds("arweave_timeout", DEFAULT_ARWEAVE_TIMEOUT)

    @property
    def arweave_retry_seconds(self) -> float:
        """How long an unavailable gateway is retried."""
        return self._seconds("arweave_retry_seconds", DEFAULT_ARWEAVE_RETRY_SECONDS)

    @property
    def chain_rpc(self) -> str | None:
        return self._url("chain_rpc")

    @property
    def chain_contract(self) -> str | None:
        return self._text("chain_contract")

    @property
    def chain_key(self) -> str | None:
        """The chain key itself (0x-hex); prefer ``chain_key_file``."""
        return self._text("chain_key")

    @property
    def chain_key_file(self) -> Path | None:
        given = self._text("chain_key_file")
        return Path(given).expanduser() if given else None

    @property
    def chain_confirmations(self) -> int:
        """Confirmations an anchor waits for before it counts."""
        return self._whole("chain_confirmations", 1, 1_000_000, default=1)

    @property
    def job_lease_seconds(self) -> float:
        """How long a dead replica's job waits before another replica takes it."""
        return self._seconds("job_lease_seconds", DEFAULT_JOB_LEASE_SECONDS) or DEFAULT_JOB_LEASE_SECONDS

    # -- parsing, once ----------------------------------------------------------------------------

    def _url(self, key: str) -> str | None:
        text = self._text(key)
        return None if text is None else check_http_url(text, _env_name(key))

    def _seconds(self, key: str, default: float) -> float:
        """A number of seconds (not negative), or a ``BadInput`` naming the setting."""
        text = self._text(key)
        try:
            value = default if text is None else float(text)
        except ValueError:
            raise BadInput(f"{_env_name(key)} must be a number of seconds, not {text!r}") from None
        if not value >= 0:  # also NaN
            raise BadInput(f"{_env_name(key)} must not be negative")
        return value

    def _whole(self, key: str, low: int, high: int, default: int | None = None) -> int:
        text = self._text(key)
        if text is None and default is not None:
            return default
        if text is None or not text.strip().isdigit() or not low <= int(text) <= high:
            raise BadInput(f"{_env_name(key)} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)


def _env_name(key: str) -> str:
    return next((env for env, k in _ENV_KEYS.items() if k == key), key)


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
