"""Reading an artifact back from Arweave with nothing but its CID and a gateway.

``ArweaveBlockStore`` is a read-only ``BlockStore``: asked for a block it does not know, it looks
the CID up through GraphQL (transactions tagged ``Cairn-Root`` = that CID), reads the block maps
found there, and from then on knows where every block of that artifact lies (transaction and
offset). A root without a map is found in the CAR transactions themselves. Several candidate
locations per block are kept (a map from anyone may claim a root), and each block is checked
against its CID before it is handed out: a gateway that returns wrong bytes raises
``IntegrityError`` and nothing it sent is ever stored or written.

Bytes are read as ranges where the gateway honours them, with a read-ahead window since a DAG walk
asks for blocks in the order they were written; a gateway that ignores ``Range`` (arlocal) sends
the whole transaction once, which is kept in a temporary file for the rest of the reads.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from typing import BinaryIO, cast

from cairn.chunking.car import read_blocks, read_header
from cairn.chunking.cid import CID
from cairn.errors import BadInput, BlockNotFound, CairnError, IntegrityError, RemoteError
from cairn.storage.arweave import APP_NAME, ArweaveClient, BlockLocation, decode_block_map

READ_AHEAD = 4 << 20
MAX_MAPS = 10  # block maps read per root (newest first); each only adds candidates
MAX_MAP_BYTES = 512 << 20
MAX_TX_BYTES = 1 << 40
WINDOWS = 4  # one read-ahead window per transaction, for the few an incremental artifact spans


class _TxData:
    """Byte ranges of transactions, with a read-ahead window and whole-data fallbacks."""

    def __init__(self, client: ArweaveClient) -> None:
        self.client = client
        self._whole: dict[str, BinaryIO] = {}
        self._windows: dict[str, tuple[int, bytes]] = {}  # by transaction: (start, bytes), oldest first
        self._ranges = True  # until the gateway shows it ignores Range

    def close(self) -> None:
        for handle in self._whole.values():
            handle.close()
        self._whole.clear()

    def read(self, location: BlockLocation) -> bytes:
        tx, offset, length = location.tx_id, location.offset, location.length
        if tx not in self._whole and not self._in_window(tx, offset, length):
            if self._ranges:
                self._fetch_window(tx, offset, max(length, READ_AHEAD))
            if not self._ranges and tx not in self._whole:
                self.whole(tx)
        if tx in self._whole:
            handle = self._whole[tx]
            handle.seek(offset)
            return handle.read(length)
        start, data = self._windows[tx]
        return data[offset - start : offset - start + length]

    def _in_window(self, tx: str, offset: int, length: int) -> bool:
        window = self._windows.get(tx)
        return window is not None and window[0] <= offset and offset + length <= window[0] + len(window[1])

    def _fetch_window(self, tx: str, offset: int, size: int) -> None:
        sink = cast(BinaryIO, tempfile.SpooledTemporaryFile(max_size=2 * READ_AHEAD))  # noqa: SIM115 - kept when whole
        start = self.client.read_range(tx, offset, offset + size - 1, sink, MAX_TX_BYTES)
        if start is None:  # the whole data came: keep it, and stop asking this gateway for ranges
            self._ranges = False
            self._whole[tx] = sink
            return
        sink.seek(0)
        self._windows.pop(tx, None)
        self._windows[tx] = (start, sink.read())
        sink.close()
        while len(self._windows) > WINDOWS:
            del self._windows[next(iter(self._windows))]

    def whole(self, tx: str, limit: int = MAX_TX_BYTES) -> BinaryIO:
        """All the data of ``tx``, downloaded once into a temporary file."""
        if tx not in self._whole:
            sink = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
            try:
                self.client.read_all(tx, sink, limit)
            except BaseException:
                sink.close()
                raise
            self._whole[tx] = sink
        handle = self._whole[tx]
        handle.seek(0)
        return handle


class ArweaveBlockStore:
    """``BlockStore`` over an Arweave gateway, read-only; see the module docstring."""

    def __init__(self, client: ArweaveClient) -> None:
        self.client = client
        self._where: dict[bytes, list[BlockLocation]] = {}
        self._searched: set[bytes] = set()
        self._data = _TxData(client)

    @classmethod
    def from_url(cls, url: str, timeout: float, retry_seconds: float) -> ArweaveBlockStore:
        return cls(ArweaveClient(url, timeout=timeout, retry_seconds=retry_seconds))

    def close(self) -> None:
        self._data.close()
        self.client.close()

    # -- BlockStore ------------------------------------------------------------------------------

    def has(self, cid: CID) -> bool:
        return bool(self._locations(cid))

    def get(self, cid: CID) -> bytes:
        locations = self._locations(cid)
        if not locations:
            raise BlockNotFound(f"block {cid} was not found on Arweave through {self.client.where}")
        for location in locations:
            data = self._data.read(location)
            if cid.matches(data):
                return data
        first = locations[0]
        raise IntegrityError(
            f"the Arweave gateway at {self.client.where} returned bytes for {cid} that do not match it "
            f"(transaction {first.tx_id}, offset {first.offset}); nothing from it was written"
        )

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        raise BadInput("Arweave is written only by `cairn pin CID --to arweave`")

    def iter_cids(self) -> Iterator[CID]:
        for raw in list(self._where):
            yield CID(raw)

    def locations(self) -> dict[bytes, list[BlockLocation]]:
        """Every location learnt so far, by binary CID (the index may keep them)."""
        return {raw: list(found) for raw, found in self._where.items()}

    # -- finding blocks --------------------------------------------------------------------------

    def _locations(self, cid: CID) -> list[BlockLocation]:
        if cid.raw not in self._where and cid.raw not in self._searched:
            self._searched.add(cid.raw)
            self.discover(cid)
        return self._where.get(cid.raw, [])

    def _add(self, cid: CID, location: BlockLocation) -> None:
        found = self._where.setdefault(cid.raw, [])
        if location not in found:
            found.append(location)

    def discover(self, root: CID) -> None:
        """Learn the blocks of ``root`` from the newest block maps tagged with it, else from the
        CAR transactions tagged with it."""
        tags = {"App-Name": [APP_NAME], "Cairn-Root": [str(root)]}
        for found in self.client.find({**tags, "Cairn-Type": ["block-map"]}, limit=MAX_MAPS):
            self._read_map(found.id)
        if root.raw in self._where:
            return
        for found in self.client.find({**tags, "Cairn-Type": ["car"]}):
            self._index_car(found.id)

    def _read_map(self, tx_id: str) -> None:
        sink = io.BytesIO()
        try:
            self.client.read_all(tx_id, sink, MAX_MAP_BYTES)
            block_map = decode_block_map(sink.getvalue())
        except RemoteError:
            return  # an unreadable or bogus map only means fewer candidates
        for cid, location in block_map.locations():
            self._add(cid, location)

    def _index_car(self, tx_id: str) -> None:
        """Record where each block of a CAR transaction lies (blocks are checked on the way)."""
        handle = self._data.whole(tx_id)
        try:
            read_header(handle)
            for cid, data in read_blocks(handle):
                self._add(cid, BlockLocation(tx_id, handle.tell() - len(data), len(data)))
        except IntegrityError as exc:
            raise IntegrityError(f"the Arweave gateway at {self.client.where} returned a bad CAR for "
                                 f"transaction {tx_id}: {exc}; nothing from it was written") from exc  # fmt: skip
        except CairnError:
            return  # not a CAR after all: someone else's transaction with our tags
        finally:
            handle.seek(0, os.SEEK_END)
