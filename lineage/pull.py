"""`cairn pull`: recreate an artifact's (or any UnixFS root's) files, byte for byte.

Files are written into a staging folder inside the target and moved into place only when all
of them were read and verified, so a failure leaves the target as it was.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cairn.errors import Conflict, IntegrityError, UnsafePath
from chunking.cid import CID
from chunking.unixfs import NodeType
from lineage.repo import Repo
from lineage.resolve import open_target
from storage.blockstore import BlockStore
from storage.export import write_file
from storage.unixfs_read import FileRef, file_size, iter_directory, kind_of

Progress = Callable[[int], None]


@dataclass(frozen=True)
class PullResult:
    cid: CID
    output: Path
    files: list[FileRef]
    bytes_written: int


def list_files(store: BlockStore, root: CID) -> tuple[list[FileRef], bool]:
    """The files under ``root`` and whether ``root`` is a directory."""
    if kind_of(store, root) in (NodeType.DIRECTORY, NodeType.HAMT_SHARD):
        return list(iter_directory(store, root)), True
    return [FileRef(str(root), root, file_size(store, root))], False


def pull(repo: Repo, cid: CID, output: Path | None, include: list[str], force: bool,
         progress: Progress | None = None) -> PullResult:  # fmt: skip
    store = repo.store
    target = open_target(store, cid)
    files, is_dir = list_files(store, target.root)
    if include:
        files = [f for f in files if any(fnmatch.fnmatchcase(f.path, g) for g in include)]
    if output is None:
        name = target.manifest.name if target.manifest else str(cid)
        output = Path(name if _plain_name(name) else str(cid))
    if not is_dir:
        return _pull_single_file(store, cid, files[0], output, force, progress)
    _check_target(output, force)
    written = _write_tree(store, files, output, progress)
    return PullResult(cid, output, files, written)


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name


def _check_target(output: Path, force: bool) -> None:
    if output.exists() and not output.is_dir():
        raise Conflict(f"{output} exists and is not a folder")
    if output.is_dir() and any(output.iterdir()) and not force:
        raise Conflict(f"{output} is not empty; use --force to write into it")


def _write_tree(store: BlockStore, files: list[FileRef], output: Path, progress: Progress | None) -> int:
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    staging = output / f".cairn-pull-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        written = sum(_write_file(store, ref, _inside(staging, ref.path), progress) for ref in files)
        for ref in files:
            final = _inside(output, ref.path)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / ref.path, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(output, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return written


def _inside(base: Path, rel: str) -> Path:
    """``base / rel``, refusing anything that would land outside ``base``."""
    if rel.startswith("/") or any(part in ("", ".", "..") for part in rel.split("/")):
        raise UnsafePath(f"refusing to write {rel!r}")
    return base.joinpath(*rel.split("/"))


def _write_file(store: BlockStore, ref: FileRef, dest: Path, progress: Progress | None) -> int:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        written = write_file(store, ref.cid, fd, progress)
    finally:
        os.close(fd)
    if written != ref.size:
        raise IntegrityError(f"{ref.path}: wrote {written} bytes, the DAG says {ref.size}")
    return written


def _pull_single_file(store: BlockStore, cid: CID, ref: FileRef, output: Path, force: bool,
                      progress: Progress | None) -> PullResult:  # fmt: skip
    if output.exists() and not force:
        raise Conflict(f"{output} exists; use --force to overwrite it")
    tmp = output.with_name(f".{output.name}.cairn-{uuid.uuid4().hex}")
    try:
        written = _write_file(store, ref, tmp, progress)
        os.replace(tmp, output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return PullResult(cid, output, [ref], written)
