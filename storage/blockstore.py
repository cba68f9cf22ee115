"""The interface every block store implements: local packs, Kubo, Arweave, a peer Cairn server.

A store never hands out bytes it has not checked against their CID.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from chunking.cid import CID


class BlockStore(Protocol):
    def has(self, cid: CID) -> bool: ...

    def get(self, cid: CID) -> bytes:
        """The block's bytes, verified; ``BlockNotFound`` if absent, ``IntegrityError`` if corrupt."""
        ...

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        """Store a block (checked against ``cid``); return whether it was new."""
        ...

    def iter_cids(self) -> Iterator[CID]: ...
