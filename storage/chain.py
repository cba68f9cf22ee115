"""An EVM chain, through web3.py: deploy the anchor contract, anchor a root, find an anchor again.

Any JSON-RPC URL works (anvil in the tests, a node or a provider in use); nothing here scans the
chain: the contract stores the block of each root, so finding an anchor is one ``eth_call`` and
one ``eth_getLogs`` over a single block.

Errors. web3.py and requests raise a wide tree; every call to the chain goes through
``_translated``, the one place where they become ``RemoteUnavailable`` (the RPC cannot be reached)
or ``RemoteError`` (it answered with a refusal or nonsense), as docs/cli.md (Exit status) wants them for exit 1.
A message names the RPC by scheme, host and port only: provider URLs often carry an API key.

Faults a transaction meets, and what ``submit`` does about each:

- dropped (the node forgets it, no receipt): the same signed bytes are sent again; if its nonce
  has been used by something else meanwhile, it can never be mined, and a new transaction is made;
- reverted (someone anchored the same root first, or it ran out of gas): a new attempt, which
  first asks the contract whether the root is there, so a root anchored by anyone is not sent twice;
- reorganised away while waiting for confirmations: the same, from the start.

The signing key is held by ``ChainKey``, whose ``repr`` shows only its address; it is never part
of a message, a log line or an exception chain (parse errors are raised ``from None``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from cairn.chunking.merkle import keccak256
from cairn.errors import BadInput, CairnError, RemoteError, RemoteUnavailable
from cairn.extras import require
from cairn.redact import redact_url, scrub
from cairn.settings import Settings

FEATURE = "anchoring on an EVM chain (CAIRN_CHAIN_RPC)"
MAX_ATTEMPTS = 4  # transactions made for one root before giving up
DROPPED_POLLS = 3  # polls in a row on which the node does not know the transaction: it was dropped
RPC_TIMEOUT = 30.0


@dataclass(frozen=True)
class Placement:
    """Where a root sits on a chain: the transaction that anchored it and that transaction's block."""

    tx: str
    block: int
    submitter: str = ""
    timestamp: int = 0


@dataclass(frozen=True)
class Deployment:
    contract: str
    tx: str
    block: int
    chain_id: int


@dataclass(frozen=True)
class ContractBuild:
    """The committed build of contracts/Anchor.sol (scripts/build-contract.sh)."""

    abi: list[dict[str, Any]]
    bytecode: str

    @classmethod
    def load(cls) -> ContractBuild:
        folder = resources.files("cairn.contracts")
        abi = json.loads(folder.joinpath("Anchor.abi.json").read_text(encoding="utf-8"))
        return cls(abi, "0x" + folder.joinpath("Anchor.bin").read_text(encoding="utf-8").strip())


class ChainKey:
    """A secp256k1 private key that signs transactions and never shows itself."""

    __slots__ = ("_account",)

    def __init__(self, hex_key: str) -> None:
        require("chain", FEATURE)
        from eth_account import Account

        try:
            self._account = Account.from_key(hex_key.strip())
        except Exception:  # its messages may quote the key: say what is wrong, not what it was
            raise BadInput("the chain key is not a 32-byte private key in 0x-hex") from None

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign(self, transaction: dict[str, Any]) -> bytes:
        return bytes(self._account.sign_transaction(transaction).raw_transaction)

    def __repr__(self) -> str:
        return f"ChainKey({self.address})"

    __str__ = __repr__


def load_key(settings: Settings) -> ChainKey:
    """The signing key: ``CAIRN_CHAIN_KEY``, else the file ``CAIRN_CHAIN_KEY_FILE`` names (or the
    same keys of config.toml). A file others can read is refused, as ssh refuses such a key."""
    text = settings.chain_key
    if text:
        if not os.environ.get("CAIRN_CHAIN_KEY"):
            _require_private(settings.home / "config.toml", "config.toml holds chain_key")
        return ChainKey(text)
    path = settings.chain_key_file
    if path is None:
        raise BadInput("no chain key: set CAIRN_CHAIN_KEY (0x-hex) or CAIRN_CHAIN_KEY_FILE (a file of mode 0600)")
    _require_private(path, "the chain key file")
    try:
        return ChainKey(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read the chain key file {path}: {exc.strerror}") from None


def _require_private(path: Path, what: str) -> None:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise BadInput(f"{what} ({path}) can be read by other users (mode {stat.S_IMODE(mode):04o}); chmod 600 it")


@functools.cache
def _anchored_topic() -> str:
    """The topic of the contract's ``Anchored`` event (hashed on first use: keccak is an extra's)."""
    return "0x" + keccak256(b"Anchored(bytes32,address,uint256)").hex()


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class ChainClient:
    """One RPC endpoint: its chain id, its head, and the anchor contract's transactions on it."""

    def __init__(self, rpc_url: str, confirmations: int = 1, poll_seconds: float = 1.0,
                 wait_seconds: float = 600.0) -> None:  # fmt: skip
        require("chain", FEATURE)
        self.rpc_url = rpc_url
        self.where = redact_url(rpc_url)  # what messages show: an RPC URL often holds an API key
        self.confirmations = confirmations
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds
        self.build = ContractBuild.load()

    @cached_property
    def w3(self) -> Any:
        import requests
        from web3 import Web3
        from web3.middleware import ExtraDataToPOAMiddleware
        from web3.providers.rpc.utils import ExceptionRetryConfiguration

        retry = ExceptionRetryConfiguration(errors=(requests.ConnectionError, requests.Timeout), retries=2,
                                            backoff_factor=0.2)  # fmt: skip
        provider = Web3.HTTPProvider(self.rpc_url, request_kwargs={"timeout": RPC_TIMEOUT},
                                     exception_retry_configuration=retry)  # fmt: skip
        w3 = Web3(provider)
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)  # PoA chains' long extraData
        return w3

    @contextlib.contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        """The one place where web3.py's and requests' errors become Cairn's."""
        import requests
        from web3.exceptions import ContractLogicError, ProviderConnectionError, Web3Exception

        where = self.where
        try:
            yield
        except CairnError:
            raise
        except (requests.ConnectionError, requests.Timeout, ProviderConnectionError) as exc:
            raise RemoteUnavailable(f"cannot reach the chain RPC at {where} ({doing}): {type(exc).__name__}") from None
        except ContractLogicError as exc:
            raise RemoteError(f"the anchor contract refused ({doing}): {exc}") from None
        except (Web3Exception, requests.RequestException, ValueError) as exc:
            detail = scrub(str(exc), self.rpc_url)[:300]
            raise RemoteError(f"the chain RPC at {where} failed ({doing}): {detail}") from None

    @cached_property
    def chain_id(self) -> int:
        with self._translated("eth_chainId"):
            return int(self.w3.eth.chain_id)

    def head(self) -> int:
        with self._translated("eth_blockNumber"):
            return int(self.w3.eth.block_number)

    def finalized(self) -> int | None:
        """The newest block that can no longer be reorganised away, where the node knows one."""
        try:
            with self._translated("finalized block"):
                return int(self.w3.eth.get_block("finalized")["number"])
        except RemoteUnavailable:
            raise
        except RemoteError:
            return None  # a node without the tag: nothing is ever taken as final

    def block_time(self, block: int) -> int:
        with self._translated(f"block {block}"):
            return int(self.w3.eth.get_block(block)["timestamp"])

    def contract(self, address: str) -> Any:
        """The anchor contract at ``address``; refuses an address where no code lives."""
        from web3 import Web3

        if not Web3.is_address(address):
            raise BadInput(f"{address!r} is not a 0x contract address")
        checksummed = Web3.to_checksum_address(address)
        with self._translated("eth_getCode"):
            code = self.w3.eth.get_code(checksummed)
        if not code:
            raise RemoteError(f"no contract at {checksummed} on chain {self.chain_id}; `cairn anchor deploy` makes one")
        return self.w3.eth.contract(address=checksummed, abi=self.build.abi)

    # Reading anchors

    def find(self, contract: Any, root: bytes) -> Placement | None:
        """Where ``root`` is anchored on this chain now (by anyone), or None."""
        with self._translated("anchors(root)"):
            _submitter, _timestamp, block = contract.functions.anchors(root).call()
        return None if block == 0 else self.event_at(contract.address, root, int(block))

    def event_at(self, address: str, root: bytes, block: int) -> Placement | None:
        """The ``Anchored`` event of ``root`` in ``block`` of today's chain, or None."""
        if block > self.head():
            return None
        query = {"address": address, "fromBlock": block, "toBlock": block, "topics": [_anchored_topic(), _hex(root)]}
        with self._translated(f"eth_getLogs at block {block}"):
            logs = self.w3.eth.get_logs(query)
        for log in logs:
            submitter = "0x" + bytes(log["topics"][2])[-20:].hex()
            timestamp = int.from_bytes(bytes(log["data"])[:32], "big")
            return Placement(_hex(log["transactionHash"]), int(log["blockNumber"]), submitter, timestamp)
        return None

    # Writing

    def deploy(self, key: ChainKey) -> Deployment:
        factory = self.w3.eth.contract(abi=self.build.abi, bytecode=self.build.bytecode)
        failures: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            try:
                receipt = self._transact(key, lambda nonce: factory.constructor().build_transaction(
                    self._params(key, nonce)))  # fmt: skip
            except RemoteUnavailable:
                raise
            except RemoteError as exc:
                failures.append(str(exc))
                continue
            if receipt is not None:
                return Deployment(str(receipt["contractAddress"]), _hex(receipt["transactionHash"]),
                                  int(receipt["blockNumber"]), self.chain_id)  # fmt: skip
        raise RemoteError(f"could not deploy the anchor contract: {'; '.join(failures) or 'dropped every time'}")

    def submit(self, contract: Any, root: bytes, key: ChainKey, on_sent: Callable[[str], None]) -> Placement:
        """Anchor ``root`` and return where it landed, ``confirmations`` deep.

        Each attempt first asks whether the root is already there (ours from an earlier attempt or
        run, or anyone's), so a fault never leads to paying twice for one root.
        """
        failures: list[str] = []
        for _ in range(MAX_ATTEMPTS):
            found = self.find(contract, root)
            if found is not None and self._settled(found.block):
                settled = self.event_at(contract.address, root, found.block)
                if settled is not None:
                    return settled
                continue
            try:
                receipt = self._transact(key, lambda nonce: contract.functions.anchor(root).build_transaction(
                    self._params(key, nonce)), on_sent)  # fmt: skip
            except RemoteUnavailable:
                raise
            except RemoteError as exc:
                failures.append(str(exc))
                continue
            landed = None if receipt is None else self.event_at(contract.address, root, int(receipt["blockNumber"]))
            if landed is not None:
                return landed
            failures.append("the transaction vanished from the chain")
        raise RemoteError(f"could not anchor root {_hex(root)} after {MAX_ATTEMPTS} attempts: {'; '.join(failures)}")

    def _params(self, key: ChainKey, nonce: int) -> dict[str, Any]:
        return {"from": key.address, "nonce": nonce, "chainId": self.chain_id}

    def _transact(self, key: ChainKey, build: Callable[[int], dict[str, Any]],
                  on_sent: Callable[[str], None] | None = None) -> Any:  # fmt: skip
        """Build, sign, send and wait: the receipt once ``confirmations`` deep, or None when the
        transaction can no longer be mined (its nonce went to another) or was reorganised away."""
        with self._translated("eth_getTransactionCount"):
            nonce = int(self.w3.eth.get_transaction_count(key.address, "pending"))
        with self._translated("building the transaction"):
            raw = key.sign(build(nonce))
        tx_hash = self._send_raw(raw)
        if on_sent is not None:
            on_sent(tx_hash)
        receipt = self._wait_mined(tx_hash, raw, key.address, nonce)
        if receipt is None:
            return None
        if int(receipt["status"]) != 1:
            raise RemoteError(f"transaction {tx_hash} reverted in block {receipt['blockNumber']}")
        return self._wait_confirmed(tx_hash, receipt)

    def _send_raw(self, raw: bytes) -> str:
        with self._translated("eth_sendRawTransaction"):
            return _hex(self.w3.eth.send_raw_transaction(raw))

    def _receipt(self, tx_hash: str) -> Any:
        from web3.exceptions import TransactionNotFound

        with self._translated("eth_getTransactionReceipt"):
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)
            except TransactionNotFound:
                return None

    def _known(self, tx_hash: str) -> bool:
        from web3.exceptions import TransactionNotFound

        with self._translated("eth_getTransactionByHash"):
            try:
                return self.w3.eth.get_transaction(tx_hash) is not None
            except TransactionNotFound:
                return False

    def _wait_mined(self, tx_hash: str, raw: bytes, sender: str, nonce: int) -> Any:
        deadline, unknown = time.monotonic() + self.wait_seconds, 0
        while time.monotonic() < deadline:
            receipt = self._receipt(tx_hash)
            if receipt is not None:
                return receipt
            unknown = unknown + 1 if not self._known(tx_hash) else 0
            if unknown >= DROPPED_POLLS:
                if not self._rebroadcast(raw, sender, nonce):
                    return None
                unknown = 0
            time.sleep(self.poll_seconds)
        raise RemoteError(f"transaction {tx_hash} was not mined within {self.wait_seconds:.0f}s; it may still be: "
                          "run `cairn anchor` again later")  # fmt: skip

    def _rebroadcast(self, raw: bytes, sender: str, nonce: int) -> bool:
        """Send a dropped transaction again; False when its nonce is spent and it can never be mined."""
        with self._translated("eth_getTransactionCount"):
            if int(self.w3.eth.get_transaction_count(sender, "latest")) > nonce:
                return False
        try:
            self._send_raw(raw)
        except RemoteUnavailable:
            raise
        except RemoteError:
            return False  # the node refuses it now (replaced, underpriced): make a new one
        return True

    def _settled(self, block: int) -> bool:
        """Wait until ``block`` is ``confirmations`` deep; False if the chain got shorter than it."""
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            head = self.head()
            if head < block:
                return False
            if head - block + 1 >= self.confirmations:
                return True
            time.sleep(self.poll_seconds)
        raise RemoteError(f"block {block} did not get {self.confirmations} confirmations within "
                          f"{self.wait_seconds:.0f}s")  # fmt: skip

    def _wait_confirmed(self, tx_hash: str, receipt: Any) -> Any:
        """The receipt once its block is deep enough and still holds it; None if it was reorganised away."""
        while self._settled(int(receipt["blockNumber"])):
            again = self._receipt(tx_hash)
            if again is None:
                return None
            if again["blockHash"] == receipt["blockHash"]:
                return again
            receipt = again  # mined again in another block: wait for that one
        return None
