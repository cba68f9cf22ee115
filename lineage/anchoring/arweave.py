"""Anchoring on Arweave, for users without an EVM account: a batch root as a tagged transaction.

The transaction's data is a small JSON document, ``{"cairn": 1, "type": "anchor", "root": "0x…",
"tree": "openzeppelin-standard-v1:bytes"}``; its tags (``App-Name: Cairn``, ``Cairn-Type: anchor``,
``Cairn-Root: 0x…``) let anyone find it from the root through a gateway's GraphQL. Proof files keep
the EVM shape: ``chain_id`` "arweave", ``contract`` null, ``tx`` the transaction id, ``block`` the
height of the block that holds it. Arweave's block time (about two minutes) is the "no later than".

A placement holds when the gateway says the transaction is mined at that height *and* its signed
data names the root: GraphQL tags are only the gateway's index, the data is what was signed.
Everything on the wire goes through ``cairn.storage.arweave.ArweaveClient`` (its errors are already
Cairn's); the wallet never leaves ``ArweaveWallet``.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cairn.errors import BadInput, CairnError, RemoteError
from cairn.lineage.anchoring.ledger import ARWEAVE, AnchorTarget
from cairn.settings import Settings
from cairn.storage.arweave import APP_NAME, ArweaveClient, ArweaveWallet, Tag, sign_upload, upload_chunks
from cairn.storage.chain import Placement
from cairn.storage.remotes import arweave_wallet_path

ANCHOR_TYPE = "anchor"
TREE = "openzeppelin-standard-v1:bytes"
FINAL_DEPTH = 50  # blocks after which an Arweave block is taken as settled for good
MAX_DOCUMENT = 4096
NOT_FOUND_POLLS = 5  # polls in a row on which the gateway does not know the transaction: post it again

_BLOCK_QUERY = "query($h: Int!) { blocks(height: {min: $h, max: $h}) { edges { node { height timestamp } } } }"


def anchor_document(root: bytes) -> bytes:
    return json.dumps({"cairn": 1, "type": ANCHOR_TYPE, "root": "0x" + root.hex(), "tree": TREE}).encode()


def anchor_tags(root: bytes) -> list[Tag]:
    return [Tag("App-Name", APP_NAME), Tag("Content-Type", "application/json"), Tag("Cairn-Type", ANCHOR_TYPE),
            Tag("Cairn-Root", "0x" + root.hex()), Tag("Cairn-Tree", TREE)]  # fmt: skip


class ArweaveLedger:
    """Roots as Arweave transactions through one gateway; ``wallet`` only to submit."""

    target = AnchorTarget(ARWEAVE)

    def __init__(self, client: ArweaveClient, wallet: ArweaveWallet | None = None, confirmations: int = 1,
                 poll_seconds: float = 2.0, wait_seconds: float = 1800.0) -> None:  # fmt: skip
        self.client = client
        self.wallet = wallet
        self.confirmations = confirmations
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds

    @classmethod
    def configured(cls, settings: Settings, with_wallet: bool) -> ArweaveLedger:
        url = settings.arweave_url
        if not url:
            raise BadInput("no Arweave gateway configured: set CAIRN_ARWEAVE_URL")
        wallet = None
        if with_wallet:
            path = arweave_wallet_path(settings)
            if not path.exists():
                raise BadInput("no Arweave wallet: `cairn wallet new`, or set CAIRN_ARWEAVE_WALLET to a JWK file")
            wallet = ArweaveWallet.from_file(path)
        return cls(ArweaveClient(url), wallet, settings.chain_confirmations)

    def find(self, root: bytes) -> Placement | None:
        """The earliest mined transaction whose data names ``root``."""
        tags = {"App-Name": [APP_NAME], "Cairn-Type": [ANCHOR_TYPE], "Cairn-Root": ["0x" + root.hex()]}
        mined = sorted((tx for tx in self.client.find(tags) if tx.block_height is not None),
                       key=lambda tx: tx.block_height or 0)  # fmt: skip
        for tx in mined:
            placement = Placement(tx.id, tx.block_height or 0)
            if self.holds(root, placement):
                return placement
        return None

    def holds(self, root: bytes, placement: Placement) -> bool:
        status = self.client.status(placement.tx)
        if status.state != "confirmed" or status.block_height != placement.block:
            return False
        return self._names_root(placement.tx, root)

    def _names_root(self, tx_id: str, root: bytes) -> bool:
        sink = io.BytesIO()
        try:
            self.client.read_all(tx_id, sink, MAX_DOCUMENT)
            document = json.loads(sink.getvalue())
        except (RemoteError, ValueError):
            return False  # not our document (too long, not JSON): it anchors nothing
        return isinstance(document, dict) and document.get("root") == "0x" + root.hex()

    def submit(self, root: bytes, on_sent: Callable[[str], None]) -> Placement:
        if self.wallet is None:
            raise BadInput("no Arweave wallet: set CAIRN_ARWEAVE_WALLET")
        with tempfile.TemporaryDirectory(prefix="cairn-anchor-") as tmp:
            path = Path(tmp) / "anchor.json"
            path.write_bytes(anchor_document(root))
            signed = sign_upload(self.wallet, path, anchor_tags(root), self.client.price(path.stat().st_size),
                                 self.client.anchor())  # fmt: skip
            on_sent(signed.tx_id)

            def post() -> None:
                self.client.ensure_posted(signed.header)
                upload_chunks(self.client, signed.header, path, 0, lambda _done, _size: None)

            post()
            return self._wait_mined(signed.tx_id, post)

    def _wait_mined(self, tx_id: str, post: Callable[[], None]) -> Placement:
        """Poll until mined ``confirmations`` deep; post again if the gateway forgets the transaction.
        Polls start fast and slow down to ``poll_seconds`` (Arweave's blocks are minutes apart)."""
        deadline, unknown, delay = time.monotonic() + self.wait_seconds, 0, 0.25
        while time.monotonic() < deadline:
            status = self.client.status(tx_id)
            mined = status.state == "confirmed" and status.block_height is not None
            if mined and self._height() - (status.block_height or 0) + 1 >= self.confirmations:
                return Placement(tx_id, status.block_height or 0)
            unknown = unknown + 1 if status.state == "not found" else 0
            if unknown >= NOT_FOUND_POLLS:
                post()
                unknown = 0
            time.sleep(delay)
            delay = min(delay * 1.5, self.poll_seconds)
        raise RemoteError(f"Arweave transaction {tx_id} was not mined within {self.wait_seconds:.0f}s; it may still "
                          "be: run `cairn anchor` again later")  # fmt: skip

    def _height(self) -> int:
        try:
            return int(self.client.info()["height"])
        except (KeyError, TypeError, ValueError):
            raise RemoteError("Arweave gateway info: no block height") from None

    def finalized(self) -> int | None:
        return self._height() - FINAL_DEPTH

    def block_time(self, block: int) -> int | None:
        try:
            edges = self.client.graphql(_BLOCK_QUERY, {"h": block})["blocks"]["edges"]
            return int(edges[0]["node"]["timestamp"]) if edges else None
        except (CairnError, KeyError, TypeError, ValueError, IndexError):
            return None
