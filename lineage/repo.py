"""One Cairn home opened: its settings, block store, index and signing key.

Nothing is created on disk until something is written, so read-only commands on a fresh home
(``ls``, ``fsck``) leave no trace. Where the index and the blocks live is configuration
(docs/architecture.md, Settings): ``CAIRN_INDEX_URL`` names a shared database instead of ``index.sqlite``, and
``CAIRN_BLOCKSTORE=ipfs`` keeps every block in the Kubo node instead of ``blocks/``, which
together leave an API replica with no state of its own.

Every workflow that stores blocks does so inside ``writing()``, from its first block (or the
first block it finds already stored and relies on) to its last index row: ``cairn gc`` waits for
every such session to end before it reads its roots (docs/architecture.md, Writers and gc). The
home's pack store refuses a writer outside a session, so a workflow cannot forget it silently.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cairn.errors import BadInput
from cairn.lineage.index.catalog import Index
from cairn.settings import Settings, load_settings
from cairn.storage.blockstore import HomeStore
from cairn.storage.packstore import PackStore


@dataclass
class Repo:
    settings: Settings
    _closers: list[object] = field(default_factory=list)

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None) -> Repo:
        return cls(load_settings(home))

    @property
    def home(self) -> Path:
        return self.settings.home

    @cached_property
    def store(self) -> HomeStore:
        if self.settings.blockstore == "local":
            return PackStore(self.home / "blocks", compression=self.settings.compression, writes_need_session=True)
        api = self.settings.ipfs_api
        if not api:
            raise BadInput("CAIRN_BLOCKSTORE=ipfs keeps blocks in Kubo: set CAIRN_IPFS_API to its RPC URL")
        from cairn.storage.ipfs_store import IpfsStore

        return IpfsStore(api)

    @cached_property
    def index(self) -> Index:
        return Index(self.settings.index_url or self.home / "index.sqlite")

    def writing(self) -> AbstractContextManager[None]:
        """A write session over this home's store: open it before the first block is stored or
        looked up for deduplication, close it after the index rows that name those blocks."""
        return self.store.writing()

    def exists(self) -> bool:
        """Whether anything was ever written: always, for an index shared through a URL."""
        if self.settings.index_url:
            return True
        return (self.home / "index.sqlite").exists() or (self.home / "blocks").exists()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "index" in self.__dict__:
            self.index.close()
