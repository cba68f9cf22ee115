"""What anchoring needs of a ledger, and where a root went: the types every ledger shares.

Kept apart from the workflow (``anchor``) and from the ledgers (``evm``, ``arweave``) so that
each ledger imports these types without importing the workflow that uses it: no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cairn.errors import RemoteError
from cairn.storage.chain import Placement

ARWEAVE = "arweave"


class ChainMismatch(RemoteError):
    """The configured RPC serves another chain than the anchor's: it cannot confirm it."""


@dataclass(frozen=True)
class AnchorTarget:
    """Where roots go: an EVM chain id with a contract address, or ``arweave`` with no contract."""

    chain_id: str
    contract: str = ""

    def __str__(self) -> str:
        return ARWEAVE if self.chain_id == ARWEAVE else f"chain {self.chain_id} (contract {self.contract})"


class Ledger(Protocol):
    """What the anchoring workflow needs of a chain."""

    @property
    def target(self) -> AnchorTarget: ...

    def find(self, root: bytes) -> Placement | None:
        """Where ``root`` is anchored now (by anyone), or None."""

    def holds(self, root: bytes, placement: Placement) -> bool:
        """Whether ``placement`` (a transaction in a block) still anchors ``root``."""

    def submit(self, root: bytes, on_sent: Callable[[str], None]) -> Placement:
        """Anchor ``root``, calling ``on_sent(tx)`` once a transaction is out; return where it landed."""

    def finalized(self) -> int | None:
        """The newest block that can no longer be reorganised away, if the ledger knows one."""

    def block_time(self, block: int) -> int | None:
        """The Unix time of ``block``, if the ledger can tell."""
