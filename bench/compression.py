"""At-rest compression against ZipNN and plain zstd on real weights. Ratios, not asserts.

    .venv/bin/python bench/compression.py [--repeat 3]

The real MiniLM weights (float32) are also written as bf16 and f16 (tests/data.real_model_as):
real weight statistics in the types models ship in. Cairn's codec runs as the store runs it,
block by block (256 KiB) on a thread per core; zstd (level 1 and 3) on the same blocks; ZipNN
(PyPI ``zipnn``, which rewrites its input, so it gets a copy) on the whole buffer with its own
threads. Speeds are MB of original bytes per second, best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cairn.storage.compression import BlockCompressor, decompress  # noqa: E402
from tests.data import real_model_as  # noqa: E402

BLOCK = 256 << 10
THREADS = os.cpu_count() or 1
ZIPNN_DTYPES = {"BF16": "bfloat16", "F16": "float16", "F32": "float32"}


def tensor_bytes(dtype: str, work: Path) -> bytes:
    data = real_model_as(dtype, work / f"minilm-{dtype}.safetensors").read_bytes()
    (length,) = struct.unpack_from("<Q", data)
    return data[8 + length :]


def best(repeat: int, run: Callable[[], Any]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def blocks_of(data: bytes) -> list[bytes]:
    return [data[i : i + BLOCK] for i in range(0, len(data), BLOCK)]


def per_thread(make: Callable[[], Any]) -> Callable[[], Any]:
    """One compression context per thread: a context is not safe to share between threads."""
    local = threading.local()

    def get() -> Any:
        if not hasattr(local, "context"):
            local.context = make()
        return local.context

    return get


def cairn_codec(data: bytes, dtype: str, repeat: int) -> dict[str, float]:
    blocks = blocks_of(data)
    compressor = per_thread(BlockCompressor)
    with ThreadPoolExecutor(THREADS) as pool:

        def compress_all() -> list[Any]:
            return list(pool.map(lambda block: compressor().compress(block, dtype), blocks))

        seconds, packed = best(repeat, compress_all)
        stored = sum(len(p[1]) if p else len(b) for p, b in zip(packed, blocks, strict=True))
        back_s, back = best(repeat, lambda: list(pool.map(lambda p: decompress(*p) if p else None, packed)))
    assert all(b is None or b == blocks[i] for i, b in enumerate(back))
    return {"ratio": len(data) / stored, "MBps": len(data) / seconds / 1e6, "decompress_MBps": len(data) / back_s / 1e6}


def zstd_blocks(data: bytes, level: int, repeat: int) -> dict[str, float]:
    import zstandard

    blocks = blocks_of(data)
    context = per_thread(lambda: zstandard.ZstdCompressor(level=level))
    with ThreadPoolExecutor(THREADS) as pool:
        seconds, packed = best(repeat, lambda: list(pool.map(lambda block: context().compress(block), blocks)))
    stored = sum(min(len(p), len(b)) for p, b in zip(packed, blocks, strict=True))
    return {"ratio": len(data) / stored, "MBps": len(data) / seconds / 1e6}


def zipnn(data: bytes, dtype: str, repeat: int) -> dict[str, float]:
    from zipnn import ZipNN

    codec = ZipNN(bytearray_dtype=ZIPNN_DTYPES[dtype], input_format="byte", threads=THREADS)
    times, packed = [], b""
    for _ in range(repeat):
        copy = bytearray(data)  # ZipNN rewrites its input in place
        start = time.perf_counter()
        packed = codec.compress(copy)
        times.append(time.perf_counter() - start)
    back_s, back = best(repeat, lambda: codec.decompress(packed))
    assert bytes(back) == data
    return {"ratio": len(data) / len(packed), "MBps": len(data) / min(times) / 1e6,
            "decompress_MBps": len(data) / back_s / 1e6}  # fmt: skip


def run(repeat: int) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in ("BF16", "F16", "F32"):
            data = tensor_bytes(dtype, Path(tmp))
            peer = zipnn(data, dtype, repeat)
            ours = cairn_codec(data, dtype, repeat)
            rows.append({"dtype": dtype, "MB": len(data) / 1e6, "cairn": ours, "zipnn": peer,
                         "zstd1": zstd_blocks(data, 1, repeat), "zstd3": zstd_blocks(data, 3, repeat),
                         "ratio_vs_zipnn": ours["ratio"] / peer["ratio"],
                         "speed_vs_zipnn": ours["MBps"] / peer["MBps"]})  # fmt: skip
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"compression on real MiniLM weights, {THREADS} threads: ratio and compress MB/s")
    print(f"{'dtype':6s} {'MB':>5s} {'cairn':>13s} {'zipnn':>13s} {'zstd-1':>13s} {'zstd-3':>13s} "
          f"{'ratio/zipnn':>11s} {'speed/zipnn':>11s}")  # fmt: skip
    for row in rows:
        cells = " ".join(f"{row[k]['ratio']:5.3f} {row[k]['MBps']:5.0f}MB/s"[:13].rjust(13)
                         for k in ("cairn", "zipnn", "zstd1", "zstd3"))  # fmt: skip
        print(f"{row['dtype']:6s} {row['MB']:5.0f} {cells} {row['ratio_vs_zipnn']:11.3f} {row['speed_vs_zipnn']:11.2f}")
    for row in rows:
        print(
            f"{row['dtype']}: decompress cairn {row['cairn']['decompress_MBps']:.0f} MB/s,"
            f" zipnn {row['zipnn']['decompress_MBps']:.0f} MB/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    rows = run(args.repeat)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
