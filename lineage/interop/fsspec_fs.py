"""``cairn://`` for fsspec: read an artifact's files in place, by block, from anywhere.

``fsspec.open("cairn://<CID or name[@version]>/train.csv")`` works without importing Cairn first:
the class is registered through the ``fsspec.specs`` entry point and imported only when the
protocol is used, so this module imports nothing heavy at the top. The first path segment names
the artifact (a manifest CID, a plain UnixFS root, ``name`` or ``name@version``); the rest is a
path inside it.

Reads go through a ``UnionStore``: each block comes from the local store if it is there, else
from the first remote that has it (the configured Kubo and Arweave gateway, or the ``remotes``
given), is checked against its CID, and is kept in the local store, which is the block cache:
the second read of the same range is local (each read runs in a write session, so no gc takes a
block between its fetch and its use). A file is read by byte range, so a parquet footer
or one CSV chunk costs only the blocks that hold it. Listings come from the manifest's
``files_meta`` (one or two small blocks), not from walking the directory.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any

from fsspec.spec import AbstractBufferedFile, AbstractFileSystem

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cairn.chunking.cid import CID
    from cairn.settings import Settings
    from cairn.storage.union import UnionStore

# fsspec's read-ahead: small, because a read-ahead past the end of a block fetches the next block
# (fsspec's 5 MiB default would fetch twenty); sequential reads stay cheap thanks to RecentBlocks.
READ_BLOCK = 64 << 10
_LISTINGS_KEPT = 64
_BLOCKS_KEPT = 16


class CairnFileSystem(AbstractFileSystem):  # type: ignore[misc]  # fsspec ships no type hints
    """Read-only files of Cairn artifacts. Options: ``home`` (default ``$CAIRN_HOME``), ``remotes``
    (names as ``--from`` takes them: ``ipfs``, ``arweave``, a server URL; default the configured
    Kubo and Arweave gateway)."""

    protocol = "cairn"
    root_marker = ""

    def __init__(self, home: str | None = None, remotes: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from cairn.lineage.repo import Repo
        from cairn.storage.remotes import open_remote
        from cairn.storage.union import UnionStore

        self.repo = Repo.open(home)
        names = configured_remotes(self.repo.settings) if remotes is None else list(remotes)
        self.store: UnionStore = UnionStore(self.repo.store, [open_remote(n, self.repo.settings) for n in names])
        self.lock = threading.RLock()  # one store, one index: pyarrow may read from its own threads
        self.recent = RecentBlocks(self.store)
        self._listings: dict[bytes, dict[str, tuple[CID, int]]] = {}

    # -- fsspec's read API ------------------------------------------------------------------
    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list[Any]:
        path = self._strip_protocol(path)
        ref, inner = _split(path)
        files = self._files(ref)
        if inner in files:
            entries = [self._file_info(path, *files[inner])]
        else:
            entries = _children(path, inner, files, self._file_info)
            if not entries:
                raise FileNotFoundError(path)
        return entries if detail else [e["name"] for e in entries]

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        path = self._strip_protocol(path)
        ref, inner = _split(path)
        files = self._files(ref)
        if inner in files:
            return self._file_info(path, *files[inner])
        if inner == "" or any(p.startswith(inner + "/") for p in files):
            return {"name": path, "size": 0, "type": "directory"}
        raise FileNotFoundError(path)

    def _open(self, path: str, mode: str = "rb", block_size: int | None = None, autocommit: bool = True,
              cache_options: dict[str, Any] | None = None, **kwargs: Any) -> CairnFile:  # fmt: skip
        if mode != "rb":
            raise PermissionError("cairn:// is read-only: publish with `cairn publish` or Cairn().publish")
        info = self.info(path)
        if info["type"] != "file":
            raise IsADirectoryError(path)
        return CairnFile(self, path, info, block_size or READ_BLOCK, cache_options=cache_options, **kwargs)

    def ukey(self, path: str) -> str:
        return str(self.info(path)["cid"])  # content-addressed: the CID is the perfect cache key

    # -- what a path means ------------------------------------------------------------------
    def _file_info(self, name: str, cid: CID, size: int) -> dict[str, Any]:
        return {"name": name, "size": size, "type": "file", "cid": str(cid)}

    def _files(self, ref: str) -> dict[str, tuple[CID, int]]:
        """Every file of the artifact ``ref`` names, by path (a plain UnixFS file: one, named "")."""
        from cairn.lineage.workflows.listing import artifact_files
        from cairn.lineage.workflows.resolve import open_target, resolve_anywhere

        with self.lock, self._caching():
            cid = resolve_anywhere(self.repo, self.store, ref, self.store.remotes)
            if cid.raw not in self._listings:
                if len(self._listings) >= _LISTINGS_KEPT:
                    self._listings.pop(next(iter(self._listings)))
                self._listings[cid.raw] = artifact_files(self.store, open_target(self.store, cid))
            return self._listings[cid.raw]

    def read_range(self, cid: CID, start: int, end: int) -> bytes:
        from cairn.storage.unixfs_read import iter_range

        with self.lock, self._caching():
            return b"".join(iter_range(self.recent, cid, start, end))

    def _caching(self) -> contextlib.AbstractContextManager[None]:
        """A write session while blocks may be fetched and kept: gc waits for the read to end."""
        return self.repo.writing() if self.store.remotes else contextlib.nullcontext()


class CairnFile(AbstractBufferedFile):  # type: ignore[misc]
    """fsspec's buffered file over one UnixFS file: each fetch reads only the blocks of its range."""

    def __init__(self, fs: CairnFileSystem, path: str, info: dict[str, Any], block_size: int, **kwargs: Any) -> None:
        from cairn.chunking.cid import CID

        self.cid = CID.parse(info["cid"])
        super().__init__(fs, path, mode="rb", block_size=block_size, size=info["size"], **kwargs)

    def _fetch_range(self, start: int, end: int) -> bytes:
        data: bytes = self.fs.read_range(self.cid, start, min(end, self.size))
        return data


class RecentBlocks:
    """The last few blocks read, already verified: many small reads of one 256 KiB leaf (a CSV read
    line by line) then cost one fetch and one hash, not one each."""

    def __init__(self, store: UnionStore) -> None:
        self.store = store
        self.blocks: dict[bytes, bytes] = {}

    def get(self, cid: CID) -> bytes:
        data = self.blocks.pop(cid.raw, None)
        if data is None:
            data = self.store.get(cid)
            if len(self.blocks) >= _BLOCKS_KEPT:
                self.blocks.pop(next(iter(self.blocks)))
        self.blocks[cid.raw] = data  # most recent last
        return data

    def has(self, cid: CID) -> bool:
        return cid.raw in self.blocks or self.store.has(cid)

    def put(self, cid: CID, data: bytes | memoryview) -> bool:
        return self.store.put(cid, data)

    def iter_cids(self) -> Iterator[CID]:
        return self.store.iter_cids()


def configured_remotes(settings: Settings) -> list[str]:
    """The remotes a home is set up for, in the order they are asked: Kubo, then Arweave."""
    return [name for name, url in (("ipfs", settings.ipfs_api), ("arweave", settings.arweave_url)) if url]


def _split(path: str) -> tuple[str, str]:
    ref, _, inner = path.strip("/").partition("/")
    if not ref:
        raise FileNotFoundError("cairn:// paths start with an artifact: cairn://<CID or name[@version]>/<path>")
    return ref, inner.strip("/")


def _children(path: str, inner: str, files: dict[str, tuple[CID, int]], info: Any) -> list[dict[str, Any]]:
    """The direct entries of the folder ``inner``: files, and folders implied by deeper paths."""
    prefix = inner + "/" if inner else ""
    base = path.rstrip("/")
    entries: dict[str, dict[str, Any]] = {}
    for file_path, (cid, size) in files.items():
        if not file_path.startswith(prefix) or file_path == inner:
            continue
        head, _, rest = file_path[len(prefix) :].partition("/")
        name = f"{base}/{head}"
        entries[name] = {"name": name, "size": 0, "type": "directory"} if rest else info(name, cid, size)
    return sorted(entries.values(), key=lambda e: str(e["name"]))
