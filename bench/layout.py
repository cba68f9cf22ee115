"""Measure the two on-disk block layouts the core issue asks us to choose between.

One file per block (Kubo's flatfs: write a temporary name, rename) against append-only pack
files (git packs, Xet xorbs), each made durable once at the end as Cairn does per artifact.

    python bench/layout.py [--mib 1024] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time

BLOCK = 256 * 1024


def file_per_block(root: str, blocks: list[bytes]) -> float:
    start = time.perf_counter()
    for index, block in enumerate(blocks):
        name = f"{index:08x}"
        folder = os.path.join(root, name[-3:])
        os.makedirs(folder, exist_ok=True)
        tmp = os.path.join(folder, name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(block)
        os.rename(tmp, os.path.join(folder, name))
    os.sync()
    return time.perf_counter() - start


def pack_file(root: str, blocks: list[bytes]) -> float:
    start = time.perf_counter()
    with open(os.path.join(root, "pack-0.dat"), "wb") as handle:
        for block in blocks:
            handle.write(len(block).to_bytes(4, "little"))
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    count = args.mib * 1024 * 1024 // BLOCK
    seed = os.urandom(BLOCK)
    blocks = [index.to_bytes(8, "little") + seed[8:] for index in range(count)]
    for name, run in (("file per block", file_per_block), ("pack file", pack_file)):
        root = tempfile.mkdtemp(dir=args.dir)
        try:
            seconds = run(root, blocks)
        finally:
            shutil.rmtree(root)
        print(f"{name:15s} {count} blocks, {args.mib} MiB: {seconds:.2f} s, {args.mib / seconds:.0f} MiB/s")


if __name__ == "__main__":
    main()
