"""Every benchmark in one run, one table of ratios against peers measured in the same run.

    bench/run [--size-mb 2048] [--repeat 3]          (--size-mb 256 --repeat 1: a few minutes)
    bench/run --only core                             (skip the Kubo, API and compression parts)

Ingest against b3sum and `ipfs add`, pull against cp, throughput by thread count, peak memory,
compression against ZipNN and zstd (and ingest/pull with it on), dedup, API download against
Kubo's gateway, start-up. Each figure is the best of ``--repeat`` runs of the real `cairn`
command (start-up included), measured in the same run as its peer on the same warm file. The
disk here is a shared virtual disk whose write speed varies run to run, so every write test
starts after `sync` and a pause. Ratios, never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cli.helpers import peak_rss_mb  # noqa: E402
from tests.data import csv_with_appended_rows, real_model_dir, write_safetensors  # noqa: E402

CAIRN = [sys.executable, "-m", "cairn.cli.main"]


def settle() -> None:
    os.sync()
    time.sleep(1.0)


def _fresh(home: Path) -> None:
    """Before a timed publish: no home, and the disk settled."""
    shutil.rmtree(home, ignore_errors=True)
    settle()


def best_of(repeat: int, run: Callable[[], object], before: Callable[[], object] = settle) -> float:
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def sh(*args: str | Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True, env=env)
    return done.stdout


def cairn(home: Path, *args: str | Path) -> str:
    return sh(*CAIRN, *args, env={**os.environ, "CAIRN_HOME": str(home)})


def warm(path: Path) -> None:
    with open(path, "rb") as handle:
        while handle.read(16 << 20):
            pass


def synthetic_model(path: Path, size_mb: int) -> Path:
    if path.exists() and path.stat().st_size > size_mb * 1_000_000 * 0.99:
        return path
    rng = np.random.default_rng(0)
    count = max(1, size_mb // 32)
    tensors = {f"model.layers.{i}.weight": rng.standard_normal((4096, 4096), dtype=np.float32).astype(np.float16)
               for i in range(count)}  # fmt: skip
    return write_safetensors(path, tensors)


def ingest_and_pull(name: str, path: Path, work: Path, repeat: int, b3sum: str) -> dict[str, float | str]:
    warm(path)
    size = path.stat().st_size
    t_b3 = best_of(repeat, lambda: sh(b3sum, path), before=lambda: None)
    home = work / f"home-{name}"

    def fresh_home() -> None:
        shutil.rmtree(home, ignore_errors=True)
        settle()

    t_publish = best_of(repeat, lambda: cairn(home, "publish", path, "--name", name), before=fresh_home)
    out, copy = work / f"pull-{name}", work / f"cp-{name}"

    def clean_outputs() -> None:
        shutil.rmtree(out, ignore_errors=True)
        if copy.exists():
            copy.unlink()
        settle()

    t_pull = best_of(repeat, lambda: cairn(home, "pull", name, "-o", out), before=clean_outputs)
    t_cp = best_of(repeat, lambda: sh("cp", path, copy), before=clean_outputs)
    clean_outputs()
    gb = size / 1e9
    return {
        "file": name, "bytes": size,
        "b3sum_s": t_b3, "publish_s": t_publish, "publish_GBps": gb / t_publish, "publish_vs_b3sum": t_publish / t_b3,
        "cp_s": t_cp, "pull_s": t_pull, "pull_GBps": gb / t_pull, "pull_vs_cp": t_pull / t_cp,
    }  # fmt: skip


def dedup_model(work: Path) -> dict[str, float | str]:
    """A fine-tune with 10 % of its tensors changed and its header metadata edited."""
    from safetensors.numpy import load_file

    base_file = real_model_dir() / "model.safetensors"
    tensors = load_file(str(base_file))
    names = sorted(tensors, key=lambda n: -tensors[n].nbytes)
    changed = names[: max(1, len(names) // 10)]
    for tensor in changed:
        tensors[tensor] = tensors[tensor] * np.asarray(1.01, dtype=tensors[tensor].dtype)
    shutil.copytree(base_file.parent, work / "variant")
    variant = write_safetensors(
        work / "variant" / "model.safetensors", tensors, metadata={"format": "pt", "tuned": "yes"}
    )
    home = work / "home-dedup"
    shutil.rmtree(home, ignore_errors=True)
    cairn(home, "publish", base_file.parent)
    info = json.loads(cairn(home, "publish", variant.parent, "--json"))
    changed_bytes = sum(tensors[t].nbytes for t in changed)
    return {
        "case": f"model: {len(changed)} of {len(names)} tensors changed + metadata",
        "changed_bytes": changed_bytes,
        "bytes_new": info["bytes_new"],
        "excess_pct": 100 * (info["bytes_new"] - changed_bytes) / changed_bytes,
    }


def dedup_csv(work: Path) -> dict[str, float | str]:
    header, rows, appended = csv_with_appended_rows(copies=100)  # about 22 MB of real rows
    data = header + b"".join(rows)
    home = work / "home-csv"
    shutil.rmtree(home, ignore_errors=True)
    for version, payload in (("1", data), ("2", data + appended)):
        folder = work / f"csv{version}"
        folder.mkdir(exist_ok=True)
        (folder / "airports.csv").write_bytes(payload)
        info = json.loads(cairn(home, "publish", folder, "--name", "airports", "--version", version, "--json"))
    return {"case": "csv: 1 % rows appended", "appended_bytes": len(appended), "bytes_new": info["bytes_new"],
            "limit": len(appended) + 2 * 1048576}  # fmt: skip


def startup(repeat: int) -> float:
    return best_of(repeat * 3, lambda: sh(ROOT / ".venv" / "bin" / "cairn", "--version"), before=lambda: None)


def memory(path: Path, work: Path) -> dict[str, float | str]:
    home, out = work / "home-memory", work / "pull-memory"
    shutil.rmtree(home, ignore_errors=True)
    env = {"CAIRN_HOME": str(home)}
    publish = peak_rss_mb("publish", path, "--name", "memory", env=env)
    pull = peak_rss_mb("pull", "memory", "-o", out, env=env)
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"file": path.name, "MB": path.stat().st_size / 1e6, "publish_peak_MB": publish, "pull_peak_MB": pull}


def thread_scaling(path: Path, work: Path, repeat: int) -> list[dict[str, float]]:
    """`cairn cid` (cut and hash only) and `cairn publish` (and the write) by CAIRN_THREADS."""
    counts = sorted({1, 2, *(2**k for k in range(1, 8) if 2**k <= (os.cpu_count() or 1)), os.cpu_count() or 1})
    home, rows = work / "home-threads", []
    gb = path.stat().st_size / 1e9
    for count in counts:
        env = {**os.environ, "CAIRN_THREADS": str(count), "CAIRN_HOME": str(home)}
        t_cid = best_of(repeat, lambda: sh(*CAIRN, "cid", path, env=env), before=lambda: None)  # noqa: B023
        t_publish = best_of(repeat, lambda: sh(*CAIRN, "publish", path, env=env),  # noqa: B023
                            before=lambda: _fresh(home))  # fmt: skip
        rows.append({"threads": count, "cid_GBps": gb / t_cid, "publish_GBps": gb / t_publish})
    shutil.rmtree(home, ignore_errors=True)
    return rows


def compressed_store(work: Path, repeat: int) -> dict[str, float | str]:
    """Publish and pull of the real model as bf16 with CAIRN_COMPRESSION=zstd: speed and room saved."""
    from tests.data import real_model_as

    path = real_model_as("BF16", work / "bf16" / "model.safetensors")
    home, out = work / "home-zstd", work / "pull-zstd"
    env = {**os.environ, "CAIRN_COMPRESSION": "zstd", "CAIRN_HOME": str(home)}
    t_publish = best_of(repeat, lambda: sh(*CAIRN, "publish", path, "--name", "bf16", env=env),
                        before=lambda: _fresh(home))  # fmt: skip
    packs = sum(p.stat().st_size for p in (home / "blocks" / "packs").glob("*.pack"))
    t_pull = best_of(repeat, lambda: sh(*CAIRN, "pull", "bf16", "-o", out, env=env),
                     before=lambda: shutil.rmtree(out, ignore_errors=True))  # fmt: skip
    size = path.stat().st_size
    shutil.rmtree(home, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return {"file": "real-minilm as bf16", "MB": size / 1e6, "stored_ratio": size / packs,
            "publish_GBps": size / 1e9 / t_publish, "pull_GBps": size / 1e9 / t_pull}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=2048, help="size of the synthetic model")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=["core", "all"], default="all", help="core: no Kubo, API or ZipNN")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("CAIRN_BENCH_DIR", ROOT / "bench" / "out")))
    args = parser.parse_args()
    b3sum = sh("bash", ROOT / "bench" / "install-b3sum.sh").strip().splitlines()[-1]
    args.work.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=args.work))
    try:
        synthetic = synthetic_model(args.work / f"synthetic-{args.size_mb}.safetensors", args.size_mb)
        files = [("real-minilm", real_model_dir() / "model.safetensors"), (f"synthetic-{args.size_mb}MB", synthetic)]
        results: dict[str, Any] = {
            "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
            "date": time.strftime("%Y-%m-%d"),
            "command": " ".join(["bench/run", *sys.argv[1:]]),
            "throughput": [ingest_and_pull(name, path, work, args.repeat, b3sum) for name, path in files],
            "threads": thread_scaling(synthetic, work, args.repeat),
            "memory": memory(synthetic, work),
            "dedup": [dedup_model(work), dedup_csv(work)],
            "startup_s": startup(args.repeat),
        }
        if args.only == "all":
            from bench import api, compression, ipfs

            results["compression"] = compression.run(args.repeat)
            results["compressed_store"] = compressed_store(work, args.repeat)
            results["ipfs"] = ipfs.measure(args.size_mb, args.repeat)
            results["api"] = api.measure(min(args.size_mb, 512), 4000)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    (args.work / "core.json").write_text(json.dumps(results, indent=2))


COLUMNS = [
    ("file", "file", "{:22s}"),
    ("MB", "mb", "{:>7.0f}"),
    ("b3sum s", "b3sum_s", "{:>8.2f}"),
    ("publish s", "publish_s", "{:>9.2f}"),
    ("GB/s", "publish_GBps", "{:>5.2f}"),
    ("x b3sum", "publish_vs_b3sum", "{:>7.2f}"),
    ("cp s", "cp_s", "{:>6.2f}"),
    ("pull s", "pull_s", "{:>6.2f}"),
    ("GB/s", "pull_GBps", "{:>5.2f}"),
    ("x cp", "pull_vs_cp", "{:>5.2f}"),
]


def print_table(results: dict[str, Any]) -> None:
    print(f"machine: {results['machine']}  date: {results['date']}  command: {results['command']}")
    print(" ".join(f"{title:>{len(fmt.format(0 if 'f}' in fmt else ''))}}" for title, _, fmt in COLUMNS))
    for row in results["throughput"]:
        row = {**row, "mb": row["bytes"] / 1e6}
        print(" ".join(fmt.format(row[key]) for _, key, fmt in COLUMNS))
    print("threads: " + "; ".join(f"{r['threads']}: cid {r['cid_GBps']:.2f} GB/s, publish {r['publish_GBps']:.2f} GB/s"
                                  for r in results["threads"]))  # fmt: skip
    mem = results["memory"]
    print(f"peak memory, {mem['MB']:.0f} MB file: publish {mem['publish_peak_MB']:.0f} MB,"
          f" pull {mem['pull_peak_MB']:.0f} MB")  # fmt: skip
    for case in results["dedup"]:
        print("dedup:", ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in case.items()))
    print(f"cairn --version: {results['startup_s'] * 1000:.0f} ms")
    if "compression" in results:
        from bench import compression

        compression.print_table(results["compression"])
        store = results["compressed_store"]
        print(f"compressed store, {store['file']}: {store['stored_ratio']:.3f}x smaller on disk,"
              f" publish {store['publish_GBps']:.2f} GB/s, pull {store['pull_GBps']:.2f} GB/s")  # fmt: skip
        for row in results["ipfs"]:
            print(f"vs Kubo, {row['file']}: same CID {row['same_cid']}; ipfs add {row['ipfs_add_s']:.2f}s,"
                  f" cairn publish {row['cairn_publish_s']:.2f}s ({row['publish_speedup']:.2f}x);"
                  f" dag import {row['dag_import_MBps']:.0f} MB/s,"
                  f" cairn pin {row['cairn_pin_MBps']:.0f} MB/s")  # fmt: skip
        api = results["api"]
        print(f"API: verified CAR download {api['cairn_car_MBps']:.0f} MB/s vs Kubo gateway {api['kubo_car_MBps']:.0f}"
              f" ({api['cairn_vs_kubo']:.2f}x); block GETs {api['cairn_rps']:.0f} vs {api['kubo_rps']:.0f} req/s;"
              f" server peak {api['server_peak_rss_MB']:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
