"""Writing a UnixFS tree (or one file) out as files, verified, all or nothing.

Files are written into a staging folder and moved into place only when all of them were read and
verified, so a failure leaves the target as it was. Into a new (or empty) target the staging
folder is a sibling that becomes the target by one rename, so even a kill -9 leaves either no
target or the whole tree (a single file is renamed out of its own staging folder the same way);
with ``--force`` into a folder that has content, the staging folder first gets hard links to the
folder's other entries and then trades places with it in one ``renameat2(RENAME_EXCHANGE)``
(file by file only where the kernel cannot exchange).
A staging folder is locked while its pull runs (storage/staging.py), so the next pull removes
those of killed pulls (they would otherwise make the re-run find its target "not empty").
"""

from __future__ import annotations

import glob
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from cairn.chunking.cid import CID
from cairn.chunking.unixfs import NodeType
from cairn.errors import Conflict, IntegrityError, UnsafePath
from cairn.files import writing
from cairn.storage.blockstore import BlockStore
from cairn.storage.export import write_file
from cairn.storage.staging import exchange, locked_folder, remove_leftovers
from cairn.storage.unixfs_read import FileRef, file_size, iter_directory, kind_of

Progress = Callable[[int], None]
NAME_MAX = 255  # bytes in one file name, on every file system a pull may write to
STAGING_PREFIX = ".cairn-pull-"


def list_files(store: BlockStore, root: CID) -> tuple[list[FileRef], bool]:
    """The files under ``root`` and whether ``root`` is a directory."""
    if kind_of(store, root) in (NodeType.DIRECTORY, NodeType.HAMT_SHARD):
        return list(iter_directory(store, root)), True
    return [FileRef(str(root), root, file_size(store, root))], False


def checkout_tree(store: BlockStore, files: list[FileRef], output: Path, force: bool,
                  progress: Progress | None = None) -> int:  # fmt: skip
    """Write ``files`` below the folder ``output``; returns the bytes written. Into a folder with
    content only with ``force``, keeping its other entries."""
    with writing(output):  # a parent that is a file, or cannot be made, is the user's path: exit 2
        _check_target(output, force)
    return _write_tree(store, files, output, progress)


def _check_target(output: Path, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise Conflict(f"{output} exists and is not a folder")
    if output.is_dir():
        remove_leftovers(output, STAGING_PREFIX + "*")
        if any(output.iterdir()) and not force:
            raise Conflict(f"{output} is not empty; use --force to write into it")


def _write_tree(store: BlockStore, files: list[FileRef], output: Path, progress: Progress | None) -> int:
    for ref in files:  # every path checked before the first byte is written
        _inside(output, ref.path)
    if output.is_dir() and any(output.iterdir()):
        return _write_into(store, files, output, progress)
    with _staging(output) as staging:
        written = sum(_write_file(store, ref, _inside(staging, ref.path), progress) for ref in files)
        with writing(output):
            if output.is_dir():
                output.rmdir()  # empty (checked above); fails, and so keeps anything written there since
            os.rename(staging, output)
    return written


@contextmanager
def _staging(output: Path) -> Iterator[Path]:
    """A locked staging folder beside ``output``, its parent made first; a parent that cannot be
    made or written to is the user's path (``writing``: exit 2), as ``output`` names it."""
    parent = output.absolute().parent
    with ExitStack() as stack:
        with writing(output):
            parent.mkdir(parents=True, exist_ok=True)
            remove_leftovers(parent, f".{glob.escape(output.name)}{STAGING_PREFIX}*")
            name = f".{output.name}{STAGING_PREFIX}{uuid.uuid4().hex}"
            staging = stack.enter_context(locked_folder(parent / name))
        yield staging


def _write_into(store: BlockStore, files: list[FileRef], output: Path, progress: Progress | None) -> int:
    """``--force`` into a folder with content: stage a sibling holding the new files and links to
    everything else, then swap it with the folder, so a kill leaves the old or the new, never a mix."""
    parent = output.absolute().parent
    remove_leftovers(parent, f".{glob.escape(output.name)}{STAGING_PREFIX}*")
    with locked_folder(parent / f".{output.name}{STAGING_PREFIX}{uuid.uuid4().hex}") as staging:
        written = sum(_write_file(store, ref, _inside(staging, ref.path), progress) for ref in files)
        _link_the_rest(output, staging)
        if exchange(staging, output):
            shutil.rmtree(staging, ignore_errors=True)  # now the old folder: every kept file is linked
            return written
        for ref in files:
            final = _inside(output, ref.path)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / ref.path, final)
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _link_the_rest(output: Path, staging: Path) -> None:
    """Give ``staging`` every entry of ``output`` that the pull does not replace (hard links, so
    nothing is copied); a folder in the way of a pulled file, or the reverse, is a conflict."""
    for folder, dirs, names in os.walk(output):
        rel = Path(folder).relative_to(output)
        for name in dirs + names:
            source, dest = Path(folder) / name, staging / rel / name
            if dest.is_symlink() or dest.exists():
                if dest.is_dir() != (source.is_dir() and not source.is_symlink()):
                    raise Conflict(f"{output / rel / name}: a file and a folder of the same name; move it first")
                continue
            if source.is_symlink():
                os.symlink(os.readlink(source), dest)
            elif source.is_dir():
                dest.mkdir()
            else:
                _link_or_copy(source, dest)


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest, follow_symlinks=False)
    except OSError:  # a file system without hard links, or a mount point below the folder
        shutil.copy2(source, dest, follow_symlinks=False)


def _inside(base: Path, rel: str) -> Path:
    """``base / rel``, refusing anything that would land outside ``base`` or that no file system
    can hold (a name over 255 bytes: UnixFS allows it, Linux, macOS and Windows do not)."""
    parts = rel.split("/")
    if rel.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise UnsafePath(f"refusing to write {rel!r}")
    if any(len(part.encode("utf-8", "surrogatepass")) > NAME_MAX for part in parts):
        raise UnsafePath(f"refusing to write {rel[:80]!r}...: a name is longer than {NAME_MAX} bytes")
    return base.joinpath(*parts)


def _write_file(store: BlockStore, ref: FileRef, dest: Path, progress: Progress | None) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        written = write_file(store, ref.cid, fd, progress, limit=ref.size)
    finally:
        os.close(fd)
    if written != ref.size:
        raise IntegrityError(f"{ref.path}: wrote {written} bytes, the DAG says {ref.size}")
    return written


def checkout_file(store: BlockStore, ref: FileRef, output: Path, force: bool,
                  progress: Progress | None = None) -> int:  # fmt: skip
    """Write one file to ``output`` (replacing it only with ``force``); returns the bytes written."""
    if output.exists() and not force:
        raise Conflict(f"{output} exists; use --force to overwrite it")
    with _staging(output) as staging:
        written = _write_file(store, ref, staging / output.name, progress)
        with writing(output):
            os.replace(staging / output.name, output)
        staging.rmdir()
    return written
