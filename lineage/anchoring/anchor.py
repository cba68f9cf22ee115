"""`cairn anchor`: prove that records existed, unchanged, no later than a block, without trusting Cairn.

A batch is every manifest and run record of this home not yet anchored on the chosen target. Their
binary CIDs are the leaves of one OpenZeppelin-style Merkle tree (``cairn.chunking.merkle``); one
transaction puts its root on chain, whatever the batch size, and each record keeps its proof (the
sibling hashes up to the root) in the index. ``cairn anchor proof`` writes a record's proof as a
self-contained JSON file that anyone can check against any RPC of that chain.

Targets are *ledgers*: an EVM anchor contract (``EvmLedger``) or Arweave (a tagged transaction, see
``cairn.lineage.anchoring.arweave``). A ledger can find a root, say whether a recorded placement still
holds, submit a root, and name its final block.

The life of a batch in the index::

    sending ──▶ anchored ──▶ final          (final: at or below the chain's finalized block)
       │            │
       ▼            ▼
    abandoned      gone                     (never landed / reorganised away)

It is written as ``sending`` before anything is sent, so a crash or a timeout leaves a trace;
every ``cairn anchor`` first settles the batches it left (a ``sending`` root that did land is
adopted, one that did not is abandoned) and re-checks every batch not yet final. A batch whose
root is no longer on chain is ``gone``, which leaves its records unanchored: the same run puts them
in its new batch. Nothing here ever says "anchored" without a placement the ledger confirmed.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cairn.chunking.cid import CID
from cairn.chunking.merkle import HASH_SIZE, MerkleTree, leaf_hash, process_proof
from cairn.errors import BadInput, CairnError, NotFound
from cairn.files import atomic_write
from cairn.lineage.anchoring.evm import EvmLedger, chain_client
from cairn.lineage.anchoring.ledger import ARWEAVE, AnchorTarget, ChainMismatch, Ledger
from cairn.lineage.index.catalog import ANCHORED_STATES, AnchorRow, Index, ProofRow
from cairn.lineage.repo import Repo
from cairn.settings import Settings
from cairn.storage.chain import Placement, load_key

PROOF_KEYS = ("cid", "leaf", "proof", "root", "chain_id", "contract", "tx", "block")


# Opening ledgers from the configuration


def configured_ledger(settings: Settings, to: str | None = None) -> Ledger:
    """The ledger ``cairn anchor`` writes to: ``to`` (evm or arweave), else the EVM chain if
    CAIRN_CHAIN_RPC is set, else Arweave if a gateway and wallet are; else an error that says the
    records stay pending."""
    chosen = to or _default_ledger_kind(settings)
    if chosen == "evm":
        contract = settings.chain_contract
        if not contract:
            raise BadInput("no anchor contract: set CAIRN_CHAIN_CONTRACT (`cairn anchor deploy` makes one)")
        return EvmLedger(chain_client(settings), contract, load_key(settings))
    if chosen == ARWEAVE:
        from cairn.lineage.anchoring.arweave import ArweaveLedger

        return ArweaveLedger.configured(settings, with_wallet=True)
    if chosen is None:
        raise BadInput("no chain configured, so records stay pending: set CAIRN_CHAIN_RPC, CAIRN_CHAIN_CONTRACT "
                       "and CAIRN_CHAIN_KEY (or CAIRN_ARWEAVE_URL and CAIRN_ARWEAVE_WALLET for Arweave)")  # fmt: skip
    raise BadInput(f"--to must be evm or arweave, not {chosen!r}")


def _default_ledger_kind(settings: Settings) -> str | None:
    if settings.chain_rpc:
        return "evm"
    if settings.arweave_url and settings.arweave_wallet_set:
        return ARWEAVE
    return None


def anchoring_configured(settings: Settings) -> bool:
    return _default_ledger_kind(settings) is not None


def reader_for(settings: Settings, target: AnchorTarget) -> Ledger:
    """A ledger that can check anchors on ``target`` with the configured RPC or gateway (no key).

    Raises BadInput when nothing is configured to ask, RemoteError when the configured RPC serves
    another chain than the anchor's.
    """
    if target.chain_id == ARWEAVE:
        from cairn.lineage.anchoring.arweave import ArweaveLedger

        return ArweaveLedger.configured(settings, with_wallet=False)
    client = chain_client(settings)
    if str(client.chain_id) != target.chain_id:
        raise ChainMismatch(f"the RPC at {client.where} serves chain {client.chain_id}; "
                          f"the anchor is on chain {target.chain_id}")  # fmt: skip
    return EvmLedger(client, target.contract)


# Batching


@dataclass(frozen=True)
class Settled:
    """What re-checking earlier batches found: batches adopted, made final, abandoned, or gone."""

    adopted: list[AnchorRow] = field(default_factory=list)
    final: list[AnchorRow] = field(default_factory=list)
    abandoned: list[AnchorRow] = field(default_factory=list)
    gone: list[AnchorRow] = field(default_factory=list)


@dataclass(frozen=True)
class AnchorResult:
    target: AnchorTarget
    records: int
    root: bytes | None = None
    placement: Placement | None = None
    settled: Settled = field(default_factory=Settled)

    @property
    def reanchored(self) -> int:
        """Records of batches that were reorganised away (they are in this batch again)."""
        return sum(row.records for row in self.settled.gone)

    def to_json(self) -> dict[str, Any]:
        """What `anchor --json` prints."""
        target, placement = self.target, self.placement
        return {
            "chain_id": target.chain_id if target.chain_id == ARWEAVE else int(target.chain_id),
            "contract": target.contract or None,
            "records": self.records,
            "root": None if self.root is None else "0x" + self.root.hex(),
            "tx": None if placement is None else placement.tx,
            "block": None if placement is None else placement.block,
            "reanchored": self.reanchored,
        }


def anchor(repo: Repo, ledger: Ledger) -> AnchorResult:
    """Settle earlier batches, then anchor every record not anchored on ``ledger``'s target."""
    with _anchor_lock(repo.home):
        target = ledger.target
        settled = settle(repo.index, ledger)
        cids = repo.index.unanchored(target.chain_id, target.contract)
        if not cids:
            return AnchorResult(target, 0, settled=settled)
        tree = MerkleTree.of(cid.raw for cid in cids)
        batch = repo.index.add_anchor(tree.root, target.chain_id, target.contract, _proof_rows(tree, cids))
        placement = ledger.submit(tree.root, lambda tx: repo.index.set_anchor(batch, "sending", tx=tx))
        repo.index.set_anchor(batch, "anchored", placement.tx, placement.block)
        return AnchorResult(target, len(cids), tree.root, placement, settled)


def _proof_rows(tree: MerkleTree, cids: list[CID]) -> list[tuple[CID, bytes, bytes]]:
    rows = []
    for cid in cids:
        raw = cid.raw
        rows.append((cid, leaf_hash(raw), b"".join(tree.proof(raw))))
    return rows


def settle(index: Index, ledger: Ledger) -> Settled:
    """Re-check every batch on this target that is not final yet, and record what holds now."""
    target = ledger.target
    result = Settled()
    final: int | None = None
    for row in index.anchors(target.chain_id, target.contract, ("sending", "anchored")):
        if row.state == "anchored" and ledger.holds(row.root, Placement(row.tx, row.block)):
            final = ledger.finalized() if final is None else final
            if final is not None and row.block <= final:
                index.set_anchor(row.id, "final")
                result.final.append(row)
            continue
        found = ledger.find(row.root)
        if found is not None:  # a "sending" root that landed, or one a reorg moved to another block
            index.set_anchor(row.id, "anchored", found.tx, found.block)
            result.adopted.append(row)
        elif row.state == "sending":
            index.set_anchor(row.id, "abandoned")
            result.abandoned.append(row)
        else:
            index.set_anchor(row.id, "gone")
            result.gone.append(row)
    return result


@contextmanager
def _anchor_lock(home: Path) -> Iterator[None]:
    """One ``cairn anchor`` at a time per home: two would each abandon the other's batch."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "anchor.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Proof files


def _hex(value: bytes) -> str:
    return "0x" + value.hex()


def _unhex(value: Any, name: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) != 2 + 2 * HASH_SIZE:
        raise BadInput(f"proof file: {name} must be a 0x-hex string of {HASH_SIZE} bytes")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise BadInput(f"proof file: {name} is not hex") from None


@dataclass(frozen=True)
class AnchorProof:
    """Everything needed to check one record's anchor, and nothing else: the JSON proof file."""

    cid: CID
    leaf: bytes
    proof: tuple[bytes, ...]
    root: bytes
    chain_id: str
    contract: str
    tx: str
    block: int

    @property
    def target(self) -> AnchorTarget:
        return AnchorTarget(self.chain_id, self.contract)

    @property
    def placement(self) -> Placement:
        return Placement(self.tx, self.block)

    @classmethod
    def from_row(cls, row: ProofRow) -> AnchorProof:
        a = row.anchor
        siblings = tuple(row.proof[i : i + HASH_SIZE] for i in range(0, len(row.proof), HASH_SIZE))
        return cls(row.cid, row.leaf, siblings, a.root, a.chain_id, a.contract, a.tx, a.block)

    def to_json(self) -> dict[str, Any]:
        chain_id: int | str = self.chain_id if self.chain_id == ARWEAVE else int(self.chain_id)
        return {
            "cid": str(self.cid), "leaf": _hex(self.leaf), "proof": [_hex(p) for p in self.proof],
            "root": _hex(self.root), "chain_id": chain_id, "contract": self.contract or None,
            "tx": self.tx, "block": self.block,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Any) -> AnchorProof:
        if not isinstance(data, dict) or any(key not in data for key in PROOF_KEYS):
            raise BadInput(f"a proof file is a JSON object with the keys {', '.join(PROOF_KEYS)}")
        proof = data["proof"]
        if not isinstance(proof, list):
            raise BadInput("proof file: proof must be a list of 0x-hex hashes")
        chain_id, contract, tx, block = data["chain_id"], data["contract"], data["tx"], data["block"]
        if not (chain_id == ARWEAVE or (isinstance(chain_id, int) and not isinstance(chain_id, bool))):
            raise BadInput('proof file: chain_id must be an EVM chain id (a number) or "arweave"')
        if not isinstance(tx, str) or not tx or not isinstance(block, int) or isinstance(block, bool):
            raise BadInput("proof file: tx must be a transaction id and block a block number")
        if chain_id != ARWEAVE and not isinstance(contract, str):
            raise BadInput("proof file: contract must be the 0x address of the anchor contract")
        return cls(CID.parse(str(data["cid"])), _unhex(data["leaf"], "leaf"),
                   tuple(_unhex(p, "a proof element") for p in proof), _unhex(data["root"], "root"),
                   str(chain_id), contract or "", tx, block)  # fmt: skip

    @classmethod
    def read(cls, path: Path) -> AnchorProof:
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path} is not JSON: {exc}") from None

    def write(self, path: Path) -> None:
        """Write atomically: a half-written proof would fail a later check for no good reason."""
        with atomic_write(path) as out:
            out.write((json.dumps(self.to_json(), indent=2) + "\n").encode())

    def mismatches(self, cid: CID) -> list[str]:
        """What keeps this proof from proving ``cid``: another CID, another leaf, another root."""
        if self.cid != cid:
            return [f"the proof is for {self.cid}, not {cid}"]
        if self.leaf != leaf_hash(cid.raw):
            return [f"the proof's leaf {_hex(self.leaf)} is not the leaf of {cid} ({_hex(leaf_hash(cid.raw))})"]
        reached = process_proof(self.leaf, self.proof)
        if reached != self.root:
            return [f"the proof leads to {_hex(reached)}, not to its root {_hex(self.root)}"]
        return []


def proof_for(repo: Repo, cid: CID) -> AnchorProof:
    """The newest confirmed proof of ``cid``, preferring the configured contract's chain."""
    rows = [r for r in repo.index.record_proofs(cid) if r.anchor.state in ANCHORED_STATES]
    if not rows:
        if not repo.index.has_record(cid):
            raise NotFound(f"{cid} is not a manifest or run record of this home")
        raise NotFound(f"{cid} is not anchored yet (pending): `cairn anchor` anchors it")
    contract = (repo.settings.chain_contract or "").lower()
    preferred = [r for r in rows if contract and r.anchor.contract.lower() == contract]
    return AnchorProof.from_row((preferred or rows)[0])


@dataclass(frozen=True)
class ProofCheck:
    proof: AnchorProof
    failures: list[str]
    block_time: int | None = None

    @property
    def ok(self) -> bool:
        return not self.failures


def check_proof(settings: Settings, proof: AnchorProof, cid: CID) -> ProofCheck:
    """``verify --proof``: the proof is for ``cid``, leads to its root, and the root is on chain.

    Needs no content and no home, only an RPC (or gateway) of the proof's chain.
    """
    failures = proof.mismatches(cid)
    if failures:
        return ProofCheck(proof, failures)
    try:
        ledger = reader_for(settings, proof.target)
        if not ledger.holds(proof.root, proof.placement):
            where = f"block {proof.block}, tx {proof.tx}"
            return ProofCheck(proof, [f"root {_hex(proof.root)} is not on {proof.target} at {where}"])
    except ChainMismatch as exc:
        return ProofCheck(proof, [str(exc)])
    return ProofCheck(proof, [], _block_time(ledger, proof.block))


def _block_time(ledger: Ledger, block: int) -> int | None:
    try:
        return ledger.block_time(block)
    except CairnError:
        return None


# What `cairn verify` says about anchors


@dataclass(frozen=True)
class AnchorStatus:
    """One record's anchor as ``verify`` found it.

    ``state``: ``anchored`` (the ledger confirmed the stored placement), ``pending`` (not anchored
    yet), ``unchecked`` (a stored anchor that nothing configured can confirm) or ``failed`` (the
    stored anchor is no longer there, or its proof is wrong).
    """

    record: CID
    state: str
    detail: str
    chain_id: str = ""
    contract: str = ""
    tx: str = ""
    block: int = 0

    def to_json(self) -> dict[str, Any]:
        """One entry of `verify --json`'s ``anchors``."""
        return {"record": str(self.record), "state": self.state, "detail": self.detail,
                "chain_id": self.chain_id or None, "contract": self.contract or None, "tx": self.tx or None,
                "block": self.block or None}  # fmt: skip


class AnchorChecker:
    """Looks up each record's stored anchor and asks its ledger once per batch whether it holds."""

    def __init__(self, repo: Repo, required: bool = False) -> None:
        self.repo = repo
        self.required = required
        self._ledgers: dict[AnchorTarget, Ledger | str] = {}
        self._held: dict[int, tuple[str, str] | None] = {}  # batch id -> (state, why), None when it holds

    def status(self, record: CID) -> AnchorStatus:
        rows = self.repo.index.record_proofs(record)
        anchored = [r for r in rows if r.anchor.state in ANCHORED_STATES]
        if not anchored:
            return self._unanchored(record, rows)
        row = anchored[0]
        proof = AnchorProof.from_row(row)
        where = f"block {row.anchor.block}, tx {row.anchor.tx} on {proof.target}"
        status = AnchorStatus(record, "anchored", where, row.anchor.chain_id, row.anchor.contract, row.anchor.tx,
                              row.anchor.block)  # fmt: skip
        wrong = proof.mismatches(record)
        if wrong:
            return _with(status, "failed", f"its stored proof is wrong: {wrong[0]}")
        ledger = self._ledger(proof.target)
        if isinstance(ledger, str):
            return _with(status, "unchecked", f"{where}; not checked: {ledger}")
        problem = self._check(ledger, row.anchor)
        return status if problem is None else _with(status, *problem)

    def _unanchored(self, record: CID, rows: list[ProofRow]) -> AnchorStatus:
        gone = [r.anchor for r in rows if r.anchor.state == "gone"]
        if gone:
            return AnchorStatus(record, "failed", f"its anchor in block {gone[0].block} (tx {gone[0].tx}) was "
                                "reorganised away; `cairn anchor` anchors it again")  # fmt: skip
        if not anchoring_configured(self.repo.settings):
            return AnchorStatus(record, "pending", "not anchored: no chain is configured (CAIRN_CHAIN_RPC, or "
                                "CAIRN_ARWEAVE_URL), so records stay pending")  # fmt: skip
        return AnchorStatus(record, "pending", "not anchored yet: `cairn anchor` anchors it")

    def _ledger(self, target: AnchorTarget) -> Ledger | str:
        if target not in self._ledgers:
            try:
                self._ledgers[target] = reader_for(self.repo.settings, target)
            except CairnError as exc:
                self._ledgers[target] = str(exc)
        return self._ledgers[target]

    def _check(self, ledger: Ledger, row: AnchorRow) -> tuple[str, str] | None:
        """None when the batch's placement holds, else the state and why (asked once per batch)."""
        if row.id not in self._held:
            target = AnchorTarget(row.chain_id, row.contract)
            try:
                holds = ledger.holds(row.root, Placement(row.tx, row.block))
            except CairnError as exc:
                self._held[row.id] = ("unchecked", f"cannot check its anchor: {exc}")
            else:
                gone = (f"its anchor (block {row.block}, tx {row.tx}) is no longer on {target}; "
                        "`cairn anchor` anchors it again")  # fmt: skip
                self._held[row.id] = None if holds else ("failed", gone)
        return self._held[row.id]


def _with(status: AnchorStatus, state: str, detail: str) -> AnchorStatus:
    return AnchorStatus(status.record, state, detail, status.chain_id, status.contract, status.tx, status.block)
