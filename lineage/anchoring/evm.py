"""The EVM ledger: roots in the anchor contract (``contracts/Anchor.sol``) on any EVM chain.

The JSON-RPC client itself is ``cairn.storage.chain``, beside the other external-service
clients; this module only maps the ledger interface onto it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from cairn.errors import BadInput
from cairn.lineage.anchoring.ledger import AnchorTarget
from cairn.settings import Settings
from cairn.storage.chain import ChainClient, ChainKey, Deployment, Placement, load_key


class EvmLedger:
    """The anchor contract at ``address`` on the chain of ``client``; ``key`` only to submit."""

    def __init__(self, client: ChainClient, address: str, key: ChainKey | None = None) -> None:
        self.client = client
        self.address = address
        self.key = key

    @cached_property
    def _contract(self) -> Any:
        return self.client.contract(self.address)

    @cached_property
    def target(self) -> AnchorTarget:
        return AnchorTarget(str(self.client.chain_id), str(self._contract.address))

    def find(self, root: bytes) -> Placement | None:
        return self.client.find(self._contract, root)

    def holds(self, root: bytes, placement: Placement) -> bool:
        found = self.client.event_at(self._contract.address, root, placement.block)
        return found is not None and found.tx.lower() == placement.tx.lower()

    def submit(self, root: bytes, on_sent: Callable[[str], None]) -> Placement:
        if self.key is None:
            raise BadInput("no chain key: set CAIRN_CHAIN_KEY or CAIRN_CHAIN_KEY_FILE")
        return self.client.submit(self._contract, root, self.key, on_sent)

    def finalized(self) -> int | None:
        return self.client.finalized()

    def block_time(self, block: int) -> int | None:
        return self.client.block_time(block)


def chain_client(settings: Settings) -> ChainClient:
    rpc = settings.chain_rpc
    if not rpc:
        raise BadInput("no chain configured: set CAIRN_CHAIN_RPC to the JSON-RPC URL of an EVM chain")
    return ChainClient(rpc, settings.chain_confirmations)


def deploy_contract(settings: Settings) -> Deployment:
    """Deploy contracts/Anchor.sol's committed build with the configured key."""
    return chain_client(settings).deploy(load_key(settings))
