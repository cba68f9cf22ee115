"""`cairn pin CID --to arweave`: publish an artifact permanently, paying only for new blocks.

An upload is one or more CAR v1 transactions holding the blocks not yet on Arweave, then a small
block map (``cairn.storage.arweave.BlockMap``) saying where every block of the artifact lies, old and
new, so that a stranger holding only the CID finds them through GraphQL. Every transaction is
tagged with the artifact's CID, kind, name and license.

Three steps, because Arweave is public, permanent and paid:

1. ``prepare_arweave_pin`` checks (private artifacts are refused; every block must be here),
   finishes any upload of the same CID that an earlier run left half done (a signed transaction
   is resumed, never signed and paid for again), then plans what remains: which blocks the index
   already places on Arweave (saved), how the rest split into transactions, their size and price.
2. The caller shows the plan and asks for confirmation.
3. ``execute_arweave_pin`` uploads. For each transaction: its data is written to a spool file in
   the home, signed, recorded (``signed``), its header posted (``uploading``), its chunks posted
   with the count recorded after each, and only then its blocks' locations recorded (``pending``)
   and the spool deleted. Whatever stops the process, the next run knows exactly where to resume.

It returns once the gateway has accepted all data; ``refresh_arweave`` tracks confirmations.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cairn import __version__
from cairn.chunking.car import CarWriter, encode_header, read_blocks, read_header
from cairn.chunking.cid import CID, DAG_CBOR
from cairn.chunking.varint import encode_varint
from cairn.errors import BadInput, CairnError, RemoteError, RemoteUnavailable
from cairn.files import atomic_write
from cairn.lineage.index.catalog import ArweaveTxRow, now
from cairn.lineage.records.model import Manifest, decode_record
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.carfile import artifact_roots
from cairn.lineage.workflows.pin import check_public
from cairn.storage.arweave import (
    APP_NAME,
    CAR_TYPE,
    MAP_TYPE,
    ArweaveClient,
    ArweaveWallet,
    BlockMap,
    SignedUpload,
    Tag,
    encode_block_map,
    fit_tags,
    sign_upload,
    upload_chunks,
)
from cairn.storage.dagwalk import walk_cids
from cairn.storage.remotes import arweave_timing, arweave_url, arweave_wallet_path

REMOTE = "arweave"
SPOOL = Path("arweave") / "spool"
ORPHAN_AGE = 3600.0  # a spool file no row names, this old, belongs to no running upload
DROP_AFTER = 2 * 3600.0  # a pending transaction the gateway has not known this long was dropped
FINAL_CONFIRMATIONS = 50  # past this, a transaction's status is no longer asked for
PLACEHOLDER_TX = "_" * 43  # a transaction id's length, to size a block map before signing
QUICK_TIMEOUT = 10.0

Progress = Callable[[int], None]
Notice = Callable[[str], None]


@dataclass(frozen=True)
class PlannedPart:
    """One CAR transaction to come: its blocks ``(cid, length)`` in order, its size and price."""

    blocks: list[tuple[CID, int]]
    size: int
    price: int


@dataclass(frozen=True)
class ArweavePlan:
    cid: CID
    roots: list[CID]
    manifest: Manifest | None
    cids: list[CID]  # every block of every root, in walk order (the block map lists them all)
    parts: list[PlannedPart]
    blocks_present: int  # blocks already on Arweave, not uploaded again
    bytes_present: int  # their bytes: what this upload saves
    bytes_new: int  # block bytes to upload
    map_size: int  # 0 when no new block map is needed
    map_price: int
    address: str
    balance: int
    resumed: list[str]  # transactions an earlier run left unfinished, finished now

    @property
    def price(self) -> int:
        return sum(part.price for part in self.parts) + self.map_price

    @property
    def upload_bytes(self) -> int:
        return sum(part.size for part in self.parts) + self.map_size

    @property
    def nothing_to_do(self) -> bool:
        return not self.parts and not self.map_size


@dataclass(frozen=True)
class ArweavePinResult:
    cid: CID
    roots: list[CID]
    transactions: list[ArweaveTxRow]
    blocks_sent: int
    bytes_sent: int  # data bytes of the CAR transactions of this run
    map_bytes: int
    bytes_saved: int  # block bytes not sent because they were already on Arweave
    blocks_present: int
    price: int
    resumed: list[str]


# -- configuration --------------------------------------------------------------------------------


def open_client(repo: Repo, on_notice: Notice | None = None, retry: bool = True) -> ArweaveClient:
    """The configured gateway; without ``retry``, for a quick look (status, balance): one try, at
    most ``QUICK_TIMEOUT`` seconds a request."""
    timeout, retry_seconds = arweave_timing(repo.settings)
    if not retry:
        timeout, retry_seconds = min(timeout, QUICK_TIMEOUT), 0.0
    return ArweaveClient(arweave_url(repo.settings), timeout=timeout, retry_seconds=retry_seconds, on_retry=on_notice)


def load_wallet(repo: Repo) -> ArweaveWallet:
    path = arweave_wallet_path(repo.settings)
    if not path.is_file():
        raise BadInput(f"no Arweave wallet at {path}: run `cairn wallet new` or `cairn wallet import FILE`, "
                       "or set CAIRN_ARWEAVE_WALLET")  # fmt: skip
    return ArweaveWallet.from_file(path)


# -- step 1: resume, then plan --------------------------------------------------------------------


def prepare_arweave_pin(repo: Repo, cid: CID, with_ancestors: bool = False, progress: Progress | None = None,
                        on_notice: Notice | None = None) -> ArweavePlan:  # fmt: skip
    check_public(repo, cid)
    roots = artifact_roots(repo.store, cid, with_ancestors)
    seen: set[bytes] = set()
    cids = [c for root in roots for c in walk_cids(repo.store, root, seen)]  # all here, or BlockNotFound
    with open_client(repo, on_notice) as client:
        _remove_orphans(repo)
        resumed = resume_uploads(repo, client, cid, progress, on_notice)
        return _plan(repo, client, cid, roots, cids, resumed)


def _plan(repo: Repo, client: ArweaveClient, cid: CID, roots: list[CID], cids: list[CID],
          resumed: list[str]) -> ArweavePlan:  # fmt: skip
    new: list[tuple[CID, int]] = []
    present = bytes_present = 0
    for block in cids:
        size = repo.store.size(block)
        if repo.index.arweave_location(block.raw) is None:
            new.append((block, size))
        else:
            present, bytes_present = present + 1, bytes_present + size
    parts = [PlannedPart(blocks, size, 0) for blocks, size in _split(roots, new, repo.settings.arweave_tx_bytes)]
    map_size = len(_map_bytes(repo, roots, cids, parts)) if parts or not _has_map(repo, cid, roots) else 0
    address, balance = "", 0
    if parts or map_size:
        parts = [PlannedPart(p.blocks, p.size, client.price(p.size)) for p in parts]
        wallet = load_wallet(repo)
        address, balance = wallet.address, client.balance(wallet.address)
    plan = ArweavePlan(cid, roots, _manifest(repo, cid), cids, parts, present, bytes_present,
                       sum(n for p in parts for _, n in p.blocks), map_size,
                       client.price(map_size) if map_size else 0, address, balance, resumed)  # fmt: skip
    if plan.price > balance and not plan.nothing_to_do:
        raise RemoteError(f"the Arweave wallet {address} holds {balance} winston; this upload costs {plan.price}")
    return plan


def _manifest(repo: Repo, cid: CID) -> Manifest | None:
    if cid.codec != DAG_CBOR:
        return None
    record = decode_record(cid, repo.store.get(cid))
    return Manifest.from_record(record) if record.type == "artifact" else None


def _section_size(cid: CID, length: int) -> int:
    return len(encode_varint(len(cid.raw) + length)) + len(cid.raw) + length


def _split(roots: list[CID], blocks: list[tuple[CID, int]], limit: int) -> list[tuple[list[tuple[CID, int]], int]]:
    """Blocks in order, cut into CARs of at most ``limit`` bytes (a block never straddles two)."""
    header = len(encode_header(roots))
    parts: list[tuple[list[tuple[CID, int]], int]] = []
    current: list[tuple[CID, int]] = []
    size = header
    for cid, length in blocks:
        section = _section_size(cid, length)
        if current and size + section > limit:
            parts.append((current, size))
            current, size = [], header
        current.append((cid, length))
        size += section
    if current:
        parts.append((current, size))
    return parts


def _layout(roots: list[CID], blocks: list[tuple[CID, int]]) -> list[tuple[CID, int, int]]:
    """Where each block's bytes start in the CAR of ``blocks`` (as ``_write_car`` writes it)."""
    position = len(encode_header(roots))
    placed = []
    for cid, length in blocks:
        position += _section_size(cid, length) - length
        placed.append((cid, position, length))
        position += length
    return placed


def _has_map(repo: Repo, cid: CID, roots: list[CID]) -> bool:
    wanted = {str(r) for r in roots}
    return any(row.role == "map" and row.state in ("pending", "confirmed") and wanted <= set(row.roots.split())
               for row in repo.index.arweave_txs(cid))  # fmt: skip


def _map_bytes(repo: Repo, roots: list[CID], cids: list[CID], parts: list[PlannedPart]) -> bytes:
    """The block map: blocks of ``parts`` at their planned places (in transactions not yet
    signed, named by a placeholder of the same length), the rest where the index has them."""
    planned = {cid.raw: (f"{PLACEHOLDER_TX[:-3]}{i:03d}", offset, length)
               for i, part in enumerate(parts) for cid, offset, length in _layout(roots, part.blocks)}  # fmt: skip
    sizes = {f"{PLACEHOLDER_TX[:-3]}{i:03d}": part.size for i, part in enumerate(parts)}
    txs: dict[str, int] = {}
    blocks: list[tuple[CID, int, int, int]] = []
    for cid in cids:
        where = planned.get(cid.raw) or repo.index.arweave_location(cid.raw)
        if where is None:
            raise RemoteError(f"block {cid} has no place on Arweave yet; run the pin again")
        tx_id, offset, length = where
        if tx_id not in txs:
            txs[tx_id] = len(txs)
            row = repo.index.arweave_tx(tx_id)
            sizes.setdefault(tx_id, row.data_size if row else 0)
        blocks.append((cid, txs[tx_id], offset, length))
    return encode_block_map(BlockMap(roots, [(tx, sizes[tx]) for tx in txs], blocks))


# -- resuming what an earlier run left --------------------------------------------------------------


def resume_uploads(repo: Repo, client: ArweaveClient, cid: CID, progress: Progress | None,
                   on_notice: Notice | None) -> list[str]:  # fmt: skip
    """Finish every transaction of ``cid`` that was signed but not all sent; return their ids."""
    finished = []
    for row in repo.index.arweave_txs(cid):
        if row.state in ("signed", "uploading") and _resume(repo, client, row, progress, on_notice):
            finished.append(row.tx_id)
    return finished


def _resume(repo: Repo, client: ArweaveClient, row: ArweaveTxRow, progress: Progress | None,
            on_notice: Notice | None) -> bool:  # fmt: skip
    spool = repo.home / row.spool
    if not spool.is_file():
        repo.index.update_arweave_tx(row.tx_id, state="abandoned" if row.state == "uploading" else "dropped")
        if on_notice:
            on_notice(f"the data of transaction {row.tx_id} is gone from this home; its blocks will be sent again")
        return False
    try:  # a header the gateway already holds is not posted again
        client.ensure_posted(json.loads(row.header))
    except RemoteUnavailable:
        raise
    except RemoteError as exc:
        _give_up(repo, row, str(exc), on_notice)
        return False
    if row.state == "signed":
        repo.index.update_arweave_tx(row.tx_id, state="uploading")
    if on_notice:
        on_notice(f"resuming transaction {row.tx_id} at chunk {row.chunks_done + 1} of {row.chunks_total}")
    _send_chunks(repo, client, row.tx_id, json.loads(row.header), spool, row.chunks_done, progress)
    _complete(repo, row.tx_id, row.role, spool)
    return True


def _give_up(repo: Repo, row: ArweaveTxRow, reason: str, on_notice: Notice | None) -> None:
    """The gateway refuses the header now (an anchor too old, say). Never accepted means never
    paid: forget it and sign anew. Accepted once but lost since: keep it as abandoned. Either way
    its blocks are not on Arweave, so the plan sends them again."""
    if row.state == "signed":
        repo.index.delete_arweave_tx(row.tx_id)
        (repo.home / row.spool).unlink(missing_ok=True)
    else:
        repo.index.update_arweave_tx(row.tx_id, state="abandoned")
    if on_notice:
        on_notice(f"gave up transaction {row.tx_id} ({reason}); its blocks will be sent in a new one")


def _remove_orphans(repo: Repo) -> None:
    """Spool files no transaction names (a run stopped between writing and signing), once old
    enough to belong to no run still going."""
    folder = repo.home / SPOOL
    if not folder.is_dir():
        return
    named = {row.spool for row in repo.index.arweave_txs() if row.spool}
    for path in folder.iterdir():
        if str(SPOOL / path.name) not in named and time.time() - path.stat().st_mtime > ORPHAN_AGE:
            path.unlink(missing_ok=True)


# -- step 3: upload -------------------------------------------------------------------------------


def execute_arweave_pin(repo: Repo, plan: ArweavePlan, progress: Progress | None = None,
                        on_notice: Notice | None = None) -> ArweavePinResult:  # fmt: skip
    cid = plan.cid
    rows: list[ArweaveTxRow] = []
    if not plan.nothing_to_do:
        wallet = load_wallet(repo)
        repo.index.set_pin(cid, REMOTE, "pinning", detail="uploading")
        with open_client(repo, on_notice) as client:
            client.answered = True  # it priced the plan: from here on, an outage is waited out
            for index, part in enumerate(plan.parts):
                tags = _tags(plan, "car", CAR_TYPE, f"{index + 1}/{len(plan.parts)}")
                spool = _write_car(repo, plan.roots, part.blocks)
                rows.append(_upload(repo, client, wallet, plan, "car", spool, tags, progress))
            if plan.map_size:
                spool = _write_spool(repo, _map_bytes(repo, plan.roots, plan.cids, []), ".json")
                rows.append(_upload(repo, client, wallet, plan, "map", spool, _tags(plan, "block-map", MAP_TYPE),
                                    progress))  # fmt: skip
    blocks_sent = sum(len(part.blocks) for part in plan.parts)
    bytes_sent = sum(row.data_size for row in rows if row.role == "car")
    previous = {p.cid: p for p in repo.index.pins() if p.remote == REMOTE}.get(cid)
    if rows or previous is None or previous.state != "pinned":
        detail = f"{len(rows)} transactions" if rows else "already on Arweave"
        repo.index.set_pin(cid, REMOTE, "pinned", blocks_sent, bytes_sent, detail)
    return ArweavePinResult(plan.cid, plan.roots, rows, blocks_sent, bytes_sent,
                            sum(r.data_size for r in rows if r.role == "map"), plan.bytes_present,
                            plan.blocks_present, plan.price, plan.resumed)  # fmt: skip


def _tags(plan: ArweavePlan, kind: str, content_type: str, part: str | None = None) -> list[Tag]:
    """What GraphQL finds the transaction by; the ones that say what it is come first, and
    further roots (the run record, ancestors) only as the 2048-byte budget allows."""
    tags = [Tag("Content-Type", content_type), Tag("App-Name", APP_NAME), Tag("App-Version", __version__),
            Tag("Cairn-Type", kind), Tag("Cairn-Root", str(plan.cid))]  # fmt: skip
    if part is not None:
        tags.append(Tag("Cairn-Part", part))
    manifest = plan.manifest
    if manifest is not None:
        tags += [
            Tag("Cairn-Kind", manifest.kind),
            Tag("Cairn-Name", manifest.name),
            Tag("Cairn-Version", manifest.version or ""),
            Tag("Cairn-License", manifest.license or ""),
        ]
    tags += [Tag("Cairn-Root", str(root)) for root in plan.roots[1:]]
    return fit_tags(tags)


def _write_spool(repo: Repo, data: bytes, suffix: str) -> Path:
    path = repo.home / SPOOL / f"{secrets.token_hex(12)}{suffix}"
    with atomic_write(path) as handle:
        handle.write(data)
    return path


def _write_car(repo: Repo, roots: list[CID], blocks: list[tuple[CID, int]]) -> Path:
    """The CAR of one part, durable in the spool before it is signed: the resume reads it."""
    path = repo.home / SPOOL / f"{secrets.token_hex(12)}.car"
    with atomic_write(path) as handle:
        writer = CarWriter(handle, roots)
        for cid, _ in blocks:
            writer.put(cid, repo.store.get(cid))
    return path


def _upload(repo: Repo, client: ArweaveClient, wallet: ArweaveWallet, plan: ArweavePlan, role: str, spool: Path,
            tags: list[Tag], progress: Progress | None) -> ArweaveTxRow:  # fmt: skip
    """Sign, record, post the header, post every chunk, record the blocks: one transaction."""
    signed = sign_upload(wallet, spool, tags, client.price(spool.stat().st_size), client.anchor())
    row = _record(repo, plan, role, spool, signed)
    client.ensure_posted(signed.header)
    repo.index.update_arweave_tx(row.tx_id, state="uploading")
    _send_chunks(repo, client, row.tx_id, signed.header, spool, 0, progress)
    _complete(repo, row.tx_id, role, spool)
    stored = repo.index.arweave_tx(row.tx_id)
    assert stored is not None
    return stored


def _record(repo: Repo, plan: ArweavePlan, role: str, spool: Path, signed: SignedUpload) -> ArweaveTxRow:
    row = ArweaveTxRow(signed.tx_id, plan.cid, role, "signed", signed.chunks.data_size, str(signed.reward), 0,
                       len(signed.chunks.ranges), 0, None, " ".join(str(r) for r in plan.roots),
                       json.dumps(signed.header), str(spool.relative_to(repo.home)), now(), now())  # fmt: skip
    repo.index.add_arweave_tx(row)
    return row


def _send_chunks(repo: Repo, client: ArweaveClient, tx_id: str, header: dict[str, object], spool: Path, start: int,
                 progress: Progress | None) -> None:  # fmt: skip
    def sent(done: int, size: int) -> None:
        repo.index.update_arweave_tx(tx_id, chunks_done=done)
        if progress:
            progress(size)

    upload_chunks(client, header, spool, start, sent)


def _complete(repo: Repo, tx_id: str, role: str, spool: Path) -> None:
    """All data accepted: the blocks now count as on Arweave, the spool goes."""
    blocks = _car_locations(spool) if role == "car" else []
    repo.index.add_arweave_blocks(tx_id, blocks, "pending")
    spool.unlink(missing_ok=True)


def _car_locations(path: Path) -> list[tuple[bytes, int, int]]:
    """``(cid, offset, length)`` of every block in a spooled CAR, each block checked again."""
    with open(path, "rb") as handle:
        read_header(handle)
        return [(cid.raw, handle.tell() - len(data), len(data)) for cid, data in read_blocks(handle)]


# -- confirmations ----------------------------------------------------------------------------------


def refresh_arweave(repo: Repo, on_notice: Notice | None = None) -> None:
    """Ask the gateway how each accepted transaction stands (pending, or confirmed and how
    deeply) and record it. A transaction the gateway no longer knows long after it was accepted
    was dropped: its blocks are forgotten, so the next pin sends them again. Best effort: an
    unreachable gateway leaves the last known states."""
    rows = [r for r in repo.index.arweave_txs()
            if r.state == "pending" or (r.state == "confirmed" and r.confirmations < FINAL_CONFIRMATIONS)]  # fmt: skip
    if not rows or not repo.settings.arweave_url:
        return
    try:
        with open_client(repo, retry=False) as client:
            for row in rows:
                _refresh(repo, client, row)
    except CairnError as exc:
        if on_notice:
            on_notice(f"showing the last known Arweave states: {exc}")


def _refresh(repo: Repo, client: ArweaveClient, row: ArweaveTxRow) -> None:
    status = client.status(row.tx_id)
    if status.state == "confirmed":
        repo.index.update_arweave_tx(row.tx_id, state="confirmed", confirmations=status.confirmations,
                                     block_height=status.block_height)  # fmt: skip
    elif status.state == "not found" and now() - row.created_at > DROP_AFTER:
        repo.index.update_arweave_tx(row.tx_id, state="dropped")
        repo.index.drop_arweave_blocks(row.tx_id)
