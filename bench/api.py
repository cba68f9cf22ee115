"""The API next to Kubo's gateway in one run: a large download with client-side verification,
small block GETs with 32 concurrent clients (requests/s and p99), and the server's peak memory.

    .venv/bin/python bench/api.py [--size-mb 512] [--requests 4000]

Verification on the client: the download is a CAR whose every block the client hashes against
its CID (chunking.car.read_blocks), for Cairn (/v1/car) and Kubo (/ipfs/{cid}?format=car) alike.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.core import CAIRN, sh, synthetic_model  # noqa: E402
from cairn.chunking.car import read_blocks, read_header  # noqa: E402
from tests.api.server import running_server  # noqa: E402
from tests.services.kubo import running_kubo  # noqa: E402


class _Stream(io.RawIOBase):
    """A raw stream over an httpx response, so io.BufferedReader can serve the CAR reader's small reads."""

    def __init__(self, response: httpx.Response) -> None:
        self.chunks = response.iter_bytes(1 << 20)
        self.pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self.pending:
            self.pending = memoryview(next(self.chunks, b""))
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def verified_car_download(url: str) -> tuple[float, int]:
    start = time.perf_counter()
    total = 0
    with httpx.stream("GET", url, timeout=600) as response:
        response.raise_for_status()
        stream = io.BufferedReader(_Stream(response), 1 << 20)
        read_header(stream)
        for _cid, data in read_blocks(stream):
            total += len(data)
    return time.perf_counter() - start, total


async def block_gets(urls: list[str], clients: int = 32) -> tuple[float, float]:
    latencies: list[float] = []
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            url = queue.get_nowait()
            start = time.perf_counter()
            response = await client.get(url)
            response.raise_for_status()
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        await asyncio.gather(*(worker(client) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    return len(urls) / elapsed, statistics.quantiles(latencies, n=100)[98]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=512)
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    result = measure(args.size_mb, args.requests)
    print(", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()))
    (ROOT / "bench" / "out" / "api.json").write_text(json.dumps(result, indent=2))


def measure(size_mb: int, requests: int) -> dict[str, float | int]:
    """A verified CAR download from `cairn serve` and from Kubo's gateway, and small block GETs."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out))
    try:
        big = synthetic_model(out / f"synthetic-{size_mb}.safetensors", size_mb)
        with running_kubo(work / "kubo") as kubo:
            env = {**os.environ, "CAIRN_HOME": str(work / "home"), "CAIRN_IPFS_API": kubo.api_url}
            cid = sh(*CAIRN, "publish", big, "--name", "big", env=env).strip().splitlines()[-1]
            sh(*CAIRN, "pin", cid, "--to", "ipfs", env=env)
            small = _small_blocks(work, env, requests)
            with running_server(work / "home", env={"CAIRN_IPFS_API": kubo.api_url}) as server:
                t_cairn, n = verified_car_download(f"{server.url}/v1/car/{cid}")
                t_kubo, n_kubo = verified_car_download(f"{kubo.gateway_url}/ipfs/{cid}?format=car")
                leaves = small
                rps_cairn, p99_cairn = asyncio.run(block_gets([f"{server.url}/v1/blocks/{c}" for c in leaves]))
                rps_kubo, p99_kubo = asyncio.run(
                    block_gets([f"{kubo.gateway_url}/ipfs/{c}?format=raw" for c in leaves])
                )
                assert server.process is not None
                rss = peak_rss_mb(server.process.pid)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "download_MB": n / 1e6, "cairn_car_MBps": n / 1e6 / t_cairn, "kubo_car_MBps": n_kubo / 1e6 / t_kubo,
        "cairn_vs_kubo": t_kubo / t_cairn, "block_requests": len(leaves),
        "cairn_rps": rps_cairn, "cairn_p99_ms": p99_cairn * 1000, "kubo_rps": rps_kubo, "kubo_p99_ms": p99_kubo * 1000,
        "server_peak_rss_MB": rss,
    }  # fmt: skip


def _small_blocks(work: Path, env: dict[str, str], count: int) -> list[str]:
    """CIDs of 500 files of 1-4 KiB (each one raw block), published and pinned, repeated to ``count``."""
    folder = work / "small"
    folder.mkdir()
    for i in range(500):
        (folder / f"f{i:03d}.bin").write_bytes(os.urandom(1024 + (i % 4) * 1024))
    cid = sh(*CAIRN, "publish", folder, "--name", "small", env=env).strip().splitlines()[-1]
    sh(*CAIRN, "pin", cid, "--to", "ipfs", env=env)
    cids = [f["cid"] for f in json.loads(sh(*CAIRN, "show", cid, "--json", env=env))["files"]]
    return (cids * (count // len(cids) + 1))[:count]


if __name__ == "__main__":
    main()
