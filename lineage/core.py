"""Cairn for Python scripts: the same workflows as the CLI, as one small class.

from cairn.lineage.core import Cairn

cairn = Cairn()                                   # ~/.cairn, or Cairn(home=...)
data = cairn.publish("data/", name="reviews", version="2", kind="dataset")
model = cairn.publish("out/", name="clf", version="1", derived_from=[data.cid],
                      run={"kind": "train", "parameters": {"lr": 3e-4}, "metrics": {"f1": 0.91}})
cairn.verify(model.cid).ok                        # every block, signature and ancestor
cairn.pull("clf@1", "/tmp/clf")                   # files back, byte for byte
with cairn.open("reviews@2", "train.csv") as f:   # reads only the blocks it touches
    header = f.readline()
w = cairn.tensor("clf@1", "model.safetensors", "head.weight")   # one tensor as numpy
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cairn.chunking.cid import CID
from cairn.chunking.profiles import DEFAULT_PROFILE
from cairn.errors import NotFound
from cairn.lineage.repo import Repo
from cairn.lineage.workflows.graph import Direction, LineageGraph, lineage
from cairn.lineage.workflows.publish import PublishOptions, PublishResult, publish
from cairn.lineage.workflows.pull import PullResult, list_files, pull
from cairn.lineage.workflows.resolve import open_target, resolve
from cairn.lineage.workflows.tensors import load_tensor
from cairn.lineage.workflows.verify import VerifyReport, verify
from cairn.storage.unixfs_file import open_file

PathLike = str | os.PathLike[str]


class Cairn:
    def __init__(self, home: PathLike | None = None) -> None:
        self.repo = Repo.open(home)

    def close(self) -> None:
        self.repo.close()

    def __enter__(self) -> Cairn:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def resolve(self, ref: str | CID) -> CID:
        return ref if isinstance(ref, CID) else resolve(self.repo, ref)

    def publish(self, *paths: PathLike, name: str | None = None, version: str | None = None,
                kind: str | None = None, license: str | None = None, private: bool = False,
                profile: str = DEFAULT_PROFILE, derived_from: Sequence[str | CID] = (),
                run: dict[str, Any] | None = None, meta: dict[str, Any] | None = None,
                force: bool = False) -> PublishResult:  # fmt: skip
        """Store files with a signed manifest; ``run`` takes the fields of a run.json."""
        options = PublishOptions(
            name=name, version=version, kind=kind, license=license, private=private, profile=profile,
            derived_from=tuple(self.resolve(c) for c in derived_from), run=run, meta=meta or {}, force=force,
        )  # fmt: skip
        return publish(self.repo, [Path(p) for p in paths], options)

    def pull(self, ref: str | CID, output: PathLike | None = None, include: Sequence[str] = (),
             force: bool = False) -> PullResult:  # fmt: skip
        return pull(self.repo, self.resolve(ref), Path(output) if output else None, list(include), force)

    def verify(self, ref: str | CID) -> VerifyReport:
        return verify(self.repo.store, self.resolve(ref))

    def files(self, ref: str | CID) -> list[str]:
        target = open_target(self.repo.store, self.resolve(ref))
        return [f.path for f in list_files(self.repo.store, target.root)[0]]

    def open(self, ref: str | CID, path: str) -> io.BufferedReader:
        """A read-only, seekable file object over one file of an artifact."""
        target = open_target(self.repo.store, self.resolve(ref))
        for entry in list_files(self.repo.store, target.root)[0]:
            if entry.path == path:
                return open_file(self.repo.store, entry.cid, entry.size)
        raise NotFound(f"{ref} has no file {path!r}")

    def tensor(self, ref: str | CID, file: str, name: str) -> np.ndarray:
        return load_tensor(self.repo.store, self.resolve(ref), file, name)

    def lineage(self, ref: str | CID, direction: Direction = "up", depth: int | None = None) -> LineageGraph:
        return lineage(self.repo, self.resolve(ref), direction, depth)
