"""`cairn pull`: recreate an artifact's (or any UnixFS root's) files, byte for byte.

The files are written by ``cairn.storage.checkout``: staged, verified, then moved into place, so
a failure (or a kill) leaves the target as it was.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cairn.chunking.cid import CID
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.resolve import open_target
from cairn.storage.checkout import Progress, checkout_file, checkout_tree, list_files
from cairn.storage.unixfs_read import FileRef

__all__ = ["PullResult", "list_files", "pull"]


@dataclass(frozen=True)
class PullResult:
    cid: CID
    output: Path
    files: list[FileRef]
    bytes_written: int

    def to_json(self) -> dict[str, Any]:
        """What `pull --json` prints."""
        files = [f.to_json() for f in self.files]
        return {"cid": str(self.cid), "output": str(self.output), "bytes": self.bytes_written, "files": files}


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
        return PullResult(cid, output, files[:1], checkout_file(store, files[0], output, force, progress))
    return PullResult(cid, output, files, checkout_tree(store, files, output, force, progress))


def _plain_name(name: str) -> bool:
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name
