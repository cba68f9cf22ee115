"""The interface every block store implements: local packs, Kubo, Arweave, a peer Cairn server.

A store never hands out bytes it has not checked against their CID.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Protocol, runtime_checkable

from cairn.chunking.cid import CID


class BlockStore(Protocol):
    def has(self, cid: CID) -> bool: ...

    def get(self, cid: CID) -> bytes:
        """The block's bytes, verified; ``BlockNotFound`` if absent, ``IntegrityError`` if corrupt."""
        ...

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        """Store a block (checked against ``cid``); return whether it was new."""
        ...

    def iter_cids(self) -> Iterator[CID]: ...


class StoreWriter(BlockStore, Protocol):
    """A batch of writes to a home's store: blocks put through it become durable and visible
    together at ``commit`` (or when the ``with`` block ends), and not at all if it fails."""

    def flush(self) -> None:
        """Return once the store no longer needs the buffers passed to ``put``."""
        ...

    def layout(self, dtype: str | None) -> None:
        """What the next blocks hold (a safetensors dtype), for stores that compress by content."""
        ...

    def commit(self) -> None: ...

    def __enter__(self) -> StoreWriter: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class HomeStore(BlockStore, Protocol):
    """The store a home reads and writes through: local packs (``PackStore``), or Kubo alone
    (``cairn.storage.ipfs_store.IpfsStore``, for stateless API replicas)."""

    def size(self, cid: CID) -> int: ...

    def writer(self) -> StoreWriter: ...

    def writing(self) -> AbstractContextManager[None]:
        """A write session: no gc of this store runs while it is open (``PackStore.writing``)."""
        ...

    def put_loose(self, cid: CID, data: bytes | memoryview) -> bool:
        """``put`` a block that no record names yet, kept by gc for a grace period."""
        ...

    def delete_many(self, cids: list[CID]) -> None: ...

    def close(self) -> None: ...


# Optional capabilities: a store that has one says so by implementing the protocol, and callers
# ask with ``isinstance`` (these are runtime-checkable), never by probing attribute names.


@runtime_checkable
class InPlaceReads(Protocol):
    """Stores that verify a block where it lies (a map of a pack) so writers can copy it
    kernel-side: ``(view, (fd, offset))``, or ``(view, None)`` when it lies nowhere as is."""

    def verify_in_place(self, cid: CID) -> tuple[memoryview, tuple[int, int] | None]: ...


@runtime_checkable
class StoredReads(Protocol):
    """Stores that can hand a block out as stored, ``(codec, bytes)`` (codec 0: uncompressed),
    verified, so compressed blocks cross the network as small as they sit on disk."""

    def get_stored(self, cid: CID) -> tuple[int, bytes]: ...


@runtime_checkable
class NameSource(Protocol):
    """Remotes that know signed name claims (peer Cairn servers): the CIDs of the claim records
    on a name, which the caller fetches and checks itself."""

    def name_claims(self, ref: object) -> list[CID]: ...
