"""An artifact's files by path, cheaply: from the manifest's ``files_meta`` (one or two small
blocks, whatever the file count) rather than by walking the UnixFS directory, which reads every
file's top block. Readers that fetch from remotes (fsspec) or answer many requests (the Hub API)
list this way; a plain UnixFS root without a manifest is walked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cairn.chunking.cid import CID
from cairn.errors import CairnError
from cairn.lineage.records.files_meta import read_files_meta
from cairn.lineage.workflows.resolve import Target, open_target
from cairn.storage.blockstore import BlockStore
from cairn.storage.checkout import list_files
from cairn.storage.unixfs_path import split_path
from cairn.storage.unixfs_read import FileRef

Listing = dict[str, tuple[CID, int]]  # path -> (file CID, size)


def artifact_files(store: BlockStore, target: Target) -> Listing:
    """Every file below ``target`` by relative path; a plain UnixFS file is one file named ""."""
    files_meta = target.manifest.files_meta if target.manifest else None
    if files_meta is not None:
        try:
            rows = [r for r in read_files_meta(store, files_meta) if "tensor" not in r]
            for row in rows:
                split_path(str(row.get("path")))  # no "..": these paths may be written out (fsspec's get)
            if all(isinstance(r.get("cid"), CID) and isinstance(r.get("size"), int) for r in rows):
                return {str(r["path"]): (r["cid"], int(r["size"])) for r in rows}
        except CairnError:
            pass  # an unreadable or unsafe index: the directory (whose names are checked) says the same
    files, is_directory = list_files(store, target.root)
    if not is_directory:
        return {"": (target.root, files[0].size)}
    return {f.path: (f.cid, f.size) for f in files}


@dataclass(frozen=True)
class ArtifactInfo:
    """What `cairn show` tells about a CID: its manifest's fields (for an artifact) and its files."""

    cid: CID
    target: Target
    files: list[FileRef]
    private_refs: frozenset[CID] = frozenset()  # references the caller may not see: shown as "private"

    def to_json(self) -> dict[str, Any]:
        """What `show --json` prints and ``GET /v1/artifacts/{ref}`` returns (for an artifact)."""
        info: dict[str, Any] = {"cid": str(self.cid), "content": str(self.target.root)}
        m = self.target.manifest
        if m is not None:
            info.update(name=m.name, version=m.version, kind=m.kind, license=m.license, access=m.access,
                        profile=m.profile, bytes=m.bytes, file_count=m.file_count, publisher=m.publisher,
                        derived_from=[self._ref(c) for c in m.derived_from],
                        run=self._ref(m.run) if m.run else None)  # fmt: skip
        info["files"] = [f.to_json() for f in self.files]
        return info

    def _ref(self, cid: CID) -> str:
        return "private" if cid in self.private_refs else str(cid)


def describe(store: BlockStore, cid: CID) -> ArtifactInfo:
    target = open_target(store, cid)
    return ArtifactInfo(cid, target, list_files(store, target.root)[0])
