"""One Cairn home opened: its settings, local block store, index and signing key.

Nothing is created on disk until something is written, so read-only commands on a fresh home
(``ls``, ``fsck``) leave no trace.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cairn.settings import Settings, load_settings
from lineage.index import Index
from storage.packstore import PackStore


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
    def store(self) -> PackStore:
        return PackStore(self.home / "blocks", compression=self.settings.compression)

    @cached_property
    def index(self) -> Index:
        return Index(self.home / "index.sqlite")

    def exists(self) -> bool:
        return (self.home / "index.sqlite").exists() or (self.home / "blocks").exists()

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
        if "index" in self.__dict__:
            self.index.close()
