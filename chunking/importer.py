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

from cairn.errors import BadInput, UnsafePath
from chunking.cid import CID, RAW
from chunking.dag import BalancedFileBuilder, BlockSink, DagEntry, emit_directory
from chunking.multihash import digest
from chunking.profiles import Profile
from chunking.safetensors import parse_header

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


@contextmanager
def _mapped(path: Path) -> Iterator[memoryview]:
    """The file's bytes as a read-only memory map (an empty buffer for an empty file)."""
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                yield memoryview(b"")
                return
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            view = memoryview(mapped)
            try:
                yield view
            finally:
                _unmap(view, mapped)
    except (IsADirectoryError, PermissionError, FileNotFoundError) as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from exc


def _unmap(view: memoryview, mapped: mmap.mmap) -> None:
    try:
        view.release()
        mapped.close()
    except BufferError:
        pass  # an exception's traceback still holds slices; the map closes when they are collected


def file_regions(name: str, view: memoryview, profile: Profile) -> list[tuple[int, int]]:
    """The independent regions of a file: safetensors header and tensors, else the whole file."""
    if profile.safetensors_regions and name.endswith(".safetensors"):
        return parse_header(view, len(view)).regions(len(view))
    return [(0, len(view))]


def import_file(path: Path, profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress) -> DagEntry:
    """Chunk, hash and emit one file; return its DAG root."""
    builder = BalancedFileBuilder(profile.hash_code, profile.max_links, sink)
    with _mapped(path) as view:
        if len(view) == 0:
            return _leaf(view, profile.hash_code, sink)
        try:
            for start, end in file_regions(path.name, view, profile):
                region = view[start:end]
                for offset, length in profile.chunker.spans(region):
                    builder.add_leaf(_leaf(region[offset : offset + length], profile.hash_code, sink))
                    progress(length)
                region.release()
        finally:
            _flush(sink)  # the sink may still hold slices of the map, which closes next
    return builder.finish()


def _flush(sink: BlockSink) -> None:
    """Sinks that keep the buffers they are given past the call (the pack writer writes them on a
    background thread) expose ``flush()``; the importer calls it before unmapping the input."""
    flush = getattr(sink, "flush", None)
    if flush is not None:
        flush()


def _leaf(data: memoryview, hash_code: int, sink: BlockSink) -> DagEntry:
    cid = CID.build(RAW, hash_code, digest(hash_code, data))
    sink(cid, data)
    return DagEntry(cid, len(data), len(data))


def import_paths(
    paths: list[Path], profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress
) -> ImportResult:
    """Import what `publish` was given: one folder, or files (and folders) under their base names."""
    if len(paths) == 1 and _is_dir(paths[0]):
        return import_tree(paths[0], profile, sink, progress)
    entries: list[tuple[str, DagEntry]] = []
    files: list[ImportedFile] = []
    for path in paths:
        name = _entry_name(path.resolve().name if path.name in ("", ".", "..") else path.name)
        if any(existing == name for existing, _ in entries):
            raise BadInput(f"two inputs are both named {name!r}")
        if _is_dir(path):
            sub = import_tree(path, profile, sink, progress)
            files.extend(ImportedFile(f"{name}/{f.path}", f.entry) for f in sub.files)
            entries.append((name, sub.root))
        else:
            entry = import_file(_regular_file(path), profile, sink, progress)
            files.append(ImportedFile(name, entry))
            entries.append((name, entry))
    return ImportResult(_emit_dir(entries, profile, sink), files)


def import_tree(
    root: Path, profile: Profile, sink: BlockSink, progress: ProgressCallback = _no_progress
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
                entry = import_file(_regular_file(child), profile, sink, progress)
                files.append(ImportedFile(prefix + name, entry))
                entries.append((name, entry))
        return _emit_dir(entries, profile, sink)

    return ImportResult(walk(root, ""), files)


def import_path_for_cid(path: Path, profile: Profile, sink: BlockSink) -> ImportResult:
    """What `cairn cid PATH` hashes: a file as a file, a folder as its directory tree."""
    if _is_dir(path):
        return import_tree(path, profile, sink)
    entry = import_file(_regular_file(path), profile, sink)
    return ImportResult(entry, [ImportedFile(path.name, entry)], is_directory=False)


def _emit_dir(entries: list[tuple[str, DagEntry]], profile: Profile, sink: BlockSink) -> DagEntry:
    if profile.shard_rule(entries):
        from chunking.hamt import emit_hamt_directory

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
