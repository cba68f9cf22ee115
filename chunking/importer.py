"""Files and folders in, UnixFS DAGs out: the one import path behind `cid` and `publish`.

Reading the input is the only I/O here; every block goes to the caller's sink.
"""

from __future__ import annotations

import mmap
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cairn.chunking.cid import CID, RAW
from cairn.chunking.dag import BalancedFileBuilder, BlockSink, BufferingSink, DagEntry, emit_directory
from cairn.chunking.gguf import parse_gguf
from cairn.chunking.multihash import digest
from cairn.chunking.parallel import cut_and_hash
from cairn.chunking.profiles import Profile
from cairn.chunking.safetensors import parse_header
from cairn.chunking.torchzip import torch_zip_regions
from cairn.errors import BadInput, UnsafePath

ProgressCallback = Callable[[int], None]


def _no_progress(_: int) -> None:
    pass


@dataclass(frozen=True, slots=True)
class ImportedFile:
    path: str  # relative, "/"-separated
    entry: DagEntry


@dataclass
class ImportResult:
    root: DagEntry
    files: list[ImportedFile] = field(default_factory=list)
    is_directory: bool = True


RELEASE_EVERY = 64 << 20  # give mapped pages back to the kernel this often (bytes of input)


class _Mapped:
    """A file's bytes as a read-only memory map, whose pages already stored can be given back.

    Touched pages of a file mapping count in the process's resident memory until unmapped, so a
    20 GB file would show 20 GB resident by its end; ``forget`` drops them (the page cache keeps
    them), which holds publish's peak memory flat whatever the file size.
    """

    def __init__(self, fd: int, size: int) -> None:
        self.map = mmap.mmap(fd, 0, access=mmap.ACCESS_READ) if size else None
        self.view = memoryview(self.map) if self.map is not None else memoryview(b"")
        self.forgotten = 0

    def forget(self, upto: int) -> None:
        """Drop the pages before ``upto``. Buffers handed out below it stay valid: a read-only file
        mapping whose pages are dropped reads them back from the page cache when touched again,
        so the writer need not have written them yet (waiting for it would stall the pipeline).
        Its late reads map some pages again, so every call drops everything before ``upto``
        (cheap: the kernel skips what is not mapped), not just what is new since the last."""
        end = upto - upto % mmap.PAGESIZE
        if self.map is not None and end > self.forgotten and hasattr(mmap, "MADV_DONTNEED"):
            self.map.madvise(mmap.MADV_DONTNEED, 0, end)
            self.forgotten = end

    def close(self) -> None:
        if self.map is not None:
            _unmap(self.view, self.map)


def _unmap(view: memoryview, mapped: mmap.mmap) -> None:
    try:
        view.release()
        mapped.close()
    except BufferError:
        pass  # an exception's traceback still holds slices; the map closes when they are collected


@contextmanager
def _mapped(path: Path) -> Iterator[_Mapped]:
    """The file's bytes as a read-only memory map (an empty buffer for an empty file)."""
    try:
        with open(path, "rb") as handle:
            mapped = _Mapped(handle.fileno(), os.fstat(handle.fileno()).st_size)
            try:
                yield mapped
            finally:
                mapped.close()
    except (IsADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc


TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt")


def file_regions(name: str, view: memoryview, profile: Profile) -> list[tuple[int, int, str | None]]:
    """The independent regions of a file, each with the dtype of what it holds (if known):
    safetensors (and, with ``format_regions``, GGUF) header and tensors, torch zip storages and
    the gaps between them, else the whole file."""
    if profile.safetensors_regions and name.endswith(".safetensors"):
        return parse_header(view, len(view)).typed_regions(len(view))
    if profile.format_regions and name.endswith(".gguf"):
        return parse_gguf(view, len(view)).typed_regions(len(view))
    if profile.format_regions and name.endswith(TORCH_SUFFIXES):
        regions = torch_zip_regions(view, len(view))
        if regions is not None:
            return regions
    return [(0, len(view), None)]


def import_file(path: Path, profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress,
                threads: int = 1) -> DagEntry:  # fmt: skip
    """Chunk, hash and emit one file; return its DAG root. ``threads`` lanes cut and hash its
    regions side by side (chunking/parallel.py); the blocks and CIDs do not depend on it."""
    builder = BalancedFileBuilder(profile.hash_code, profile.max_links, sink)
    with _mapped(path) as mapped:
        view = mapped.view
        if len(view) == 0:
            return _leaf(view, profile.hash_code, sink)
        try:
            regions = file_regions(path.name, view, profile)
            for batch in cut_and_hash(view, regions, profile.chunker, profile.hash_code, threads):
                _hint(sink, batch.dtype)
                for leaf in batch.leaves:
                    sink(leaf.cid, view[leaf.offset : leaf.offset + leaf.length])
                    builder.add_leaf(DagEntry(leaf.cid, leaf.length, leaf.length))
                    progress(leaf.length)
                if batch.leaves and batch.leaves[0].offset - mapped.forgotten > RELEASE_EVERY:
                    mapped.forget(batch.leaves[0].offset)
        finally:
            _hint(sink, None)
            _flush(sink)  # the sink may still hold slices of the map, which closes next
    return builder.finish()


def _flush(sink: BlockSink) -> None:
    """Sinks that keep the buffers they are given past the call (the pack writer writes them on a
    background thread) expose ``flush()``; the importer calls it before unmapping the input."""
    if isinstance(sink, BufferingSink):
        sink.flush()


def _hint(sink: BlockSink, dtype: str | None) -> None:
    """Sinks that store blocks may compress floats better knowing their type: ``layout(dtype)``."""
    if isinstance(sink, BufferingSink):
        sink.layout(dtype)


def _leaf(data: memoryview, hash_code: int, sink: BlockSink) -> DagEntry:
    cid = CID.build(RAW, hash_code, digest(hash_code, data))
    sink(cid, data)
    return DagEntry(cid, len(data), len(data))


def import_paths(
    paths: list[Path], profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress, threads: int = 1
) -> ImportResult:
    """Import what `publish` was given: one folder, or files (and folders) under their base names."""
    if len(paths) == 1 and _is_dir(paths[0]):
        return import_tree(paths[0], profile, sink, progress, threads)
    entries: list[tuple[str, DagEntry]] = []
    files: list[ImportedFile] = []
    for path in paths:
        name = _entry_name(path.resolve().name if path.name in ("", ".", "..") else path.name)
        if any(existing == name for existing, _ in entries):
            raise BadInput(f"two inputs are both named {name!r}")
        if _is_dir(path):
            sub = import_tree(path, profile, sink, progress, threads)
            files.extend(ImportedFile(f"{name}/{f.path}", f.entry) for f in sub.files)
            entries.append((name, sub.root))
        else:
            entry = import_file(_regular_file(path), profile, sink, progress, threads)
            files.append(ImportedFile(name, entry))
            entries.append((name, entry))
    return ImportResult(_emit_dir(entries, profile, sink), files)


def import_tree(
    root: Path, profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress, threads: int = 1
) -> ImportResult:
    """Import a folder as a UnixFS directory tree, refusing links that lead out of it."""
    base = root.resolve()
    files: list[ImportedFile] = []

    def walk(folder: Path, prefix: str) -> DagEntry:
        entries: list[tuple[str, DagEntry]] = []
        for child in sorted(_list_dir(folder), key=lambda p: p.name):
            name = _entry_name(child.name)
            if profile.skip_hidden and name.startswith("."):
                continue
            if child.is_symlink():
                _check_inside(child, base)
            if _is_dir(child):
                if child.is_symlink():
                    raise UnsafePath(f"{child} is a link to a folder; publish the folder itself")
                entries.append((name, walk(child, f"{prefix}{name}/")))
            else:
                entry = import_file(_regular_file(child), profile, sink, progress, threads)
                files.append(ImportedFile(prefix + name, entry))
                entries.append((name, entry))
        return _emit_dir(entries, profile, sink)

    return ImportResult(walk(root, ""), files)


def import_path_for_cid(path: Path, profile: Profile, sink: BlockSink, threads: int = 1) -> ImportResult:
    """What `cairn cid PATH` hashes: a file as a file, a folder as its directory tree."""
    if _is_dir(path):
        return import_tree(path, profile, sink, threads=threads)
    entry = import_file(_regular_file(path), profile, sink, threads=threads)
    return ImportResult(entry, [ImportedFile(path.name, entry)], is_directory=False)


def _emit_dir(entries: list[tuple[str, DagEntry]], profile: Profile, sink: BlockSink) -> DagEntry:
    if profile.shard_rule(entries):
        from cairn.chunking.hamt import emit_hamt_directory

        return emit_hamt_directory(entries, profile.hash_code, sink)
    return emit_directory(entries, profile.hash_code, sink)


def _entry_name(name: str) -> str:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"file name {name!r} is not valid UTF-8") from None
    if name in ("", ".", "..") or "/" in name or "\0" in name:
        raise UnsafePath(f"cannot publish an entry named {name!r}")
    if "\\" in name:  # a path separator on Windows: pull refuses such names, so never publish one
        raise UnsafePath(f"cannot publish an entry named {name!r}: it holds a backslash")
    return name


def _list_dir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError as exc:
        raise BadInput(f"cannot read folder {folder}: {exc.strerror}") from exc


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(path.stat().st_mode)
    except FileNotFoundError:
        raise BadInput(f"no such file or folder: {path}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc


def _regular_file(path: Path) -> Path:
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):
        raise BadInput(f"{path} is not a regular file")
    return path


def _check_inside(link: Path, base: Path) -> None:
    try:
        target = link.resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        raise UnsafePath(f"{link} is a broken or looping link") from None
    if not target.is_relative_to(base):
        raise UnsafePath(f"{link} links outside the published folder")
