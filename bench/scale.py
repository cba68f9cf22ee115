"""Cairn at scale (issue #11): stateless replicas on one PostgreSQL and one Kubo, 1 replica next to 2.

    .venv/bin/python bench/scale.py [--requests 3000] [--publishes 128] [--artifacts 100000]

- block GETs/s: 32 concurrent clients GET /v1/blocks/{cid} of small (1-4 KiB) blocks, the
  clients spread evenly over the replicas (as a load balancer would), p99 latency beside;
- publish throughput: 32 concurrent clients each POST /v1/artifacts one 256 KiB file of their own;
- lineage --down over 100,000 indexed artifacts (a 4-ary tree) on PostgreSQL, and on SQLite for
  comparison: the in-process walk and the `cairn lineage --down --format json` command.

Every replica runs with CAIRN_INDEX_URL (PostgreSQL, durable: fsync on) and CAIRN_BLOCKSTORE=ipfs,
so each GET is a Kubo block/get verified against its CID. On a 2-core machine the replicas, Kubo,
PostgreSQL and the clients share the same two cores: read the 1-vs-2 ratio with that in mind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.core import CAIRN, sh  # noqa: E402
from tests.api.server import CairnServer  # noqa: E402
from tests.services.kubo import KuboDaemon, free_port, running_kubo  # noqa: E402
from tests.services.postgres import PostgresCluster, running_postgres  # noqa: E402

CLIENTS = 32


@contextmanager
def replicas(count: int, work: Path, env: dict[str, str]) -> Iterator[list[CairnServer]]:
    with ExitStack() as stack:
        servers = []
        for i in range(count):
            home = work / f"replica-{count}-{i}" / "home"
            home.mkdir(parents=True)
            server = CairnServer(home, free_port(), env=env)
            server.start()
            stack.callback(server.stop)
            servers.append(server)
        yield servers


async def _spread(servers: list[CairnServer], jobs: list[Any], call: Any) -> tuple[float, float]:
    """Run ``call(client, server, job)`` for every job on 32 clients, client i on replica i % n;
    return (jobs per second, p99 seconds)."""
    latencies: list[float] = []
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def client(i: int) -> None:
        server = servers[i % len(servers)]
        async with httpx.AsyncClient(timeout=120) as http:
            while not queue.empty():
                job = queue.get_nowait()
                start = time.perf_counter()
                await call(http, server, job)
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(CLIENTS)))
    elapsed = time.perf_counter() - start
    return len(jobs) / elapsed, statistics.quantiles(latencies, n=100)[98]


async def _get_block(http: httpx.AsyncClient, server: CairnServer, cid: str) -> None:
    (await http.get(f"{server.url}/v1/blocks/{cid}")).raise_for_status()


def _publisher(token: str) -> Any:
    async def publish(http: httpx.AsyncClient, server: CairnServer, i: int) -> None:
        files = [("files", (f"part-{i}.bin", os.urandom(256 * 1024), "application/octet-stream"))]
        answer = await http.post(f"{server.url}/v1/artifacts", files=files, data={"name": f"pub-{i}"},
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        answer.raise_for_status()

    return publish


def _small_blocks(server: CairnServer, token: str, count: int) -> list[str]:
    files = [("files", (f"f{i:03d}.bin", os.urandom(1024 + (i % 4) * 1024), "application/octet-stream"))
             for i in range(500)]  # fmt: skip
    answer = httpx.post(f"{server.url}/v1/artifacts", files=files, data={"name": "small"},
                        headers={"Authorization": f"Bearer {token}"}, timeout=120)  # fmt: skip
    answer.raise_for_status()
    cids = [f["cid"] for f in answer.json()["files"]]
    return (cids * (count // len(cids) + 1))[:count]


def api_round(count: int, work: Path, env: dict[str, str], token: str, args: argparse.Namespace) -> dict[str, float]:
    with replicas(count, work, env) as servers:
        try:
            blocks = _small_blocks(servers[0], token, args.requests)
            asyncio.run(_spread(servers, blocks[:200], _get_block))  # warm connections and caches
            rps, p99 = asyncio.run(_spread(servers, blocks, _get_block))
            pps, publish_p99 = asyncio.run(_spread(servers, list(range(args.publishes)), _publisher(token)))
        except httpx.HTTPError:
            for server in servers:
                print(f"--- log of the replica on port {server.port}:\n{server.log()}", file=sys.stderr)
            raise
    return {"block_gets_per_s": rps, "block_p99_ms": p99 * 1000, "publishes_per_s": pps,
            "publish_MB_per_s": pps * 0.262144, "publish_p99_ms": publish_p99 * 1000}  # fmt: skip


def lineage_round(index_url: str | None, home: Path, artifacts: int) -> dict[str, float]:
    """The walk measured in-process (best of 3), and the whole command once."""
    from cairn.chunking.cid import CID, DAG_CBOR
    from cairn.chunking.multihash import BLAKE3
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.graph import lineage

    os.environ.pop("CAIRN_INDEX_URL", None)
    if index_url:
        os.environ["CAIRN_INDEX_URL"] = index_url
    env = {**os.environ, "CAIRN_HOME": str(home)}
    cids = [str(CID.of(DAG_CBOR, BLAKE3, i.to_bytes(4, "big"))) for i in range(artifacts)]
    repo = Repo.open(home)
    repo.index.migrate()
    edges = [(CID.parse(cids[i]), CID.parse(cids[(i - 1) // 4]), "derived_from") for i in range(1, artifacts)]
    for start in range(0, len(edges), 20_000):  # synthetic rows without records: past admission on purpose
        with repo.index.write() as db:
            repo.index._add_edges(db, edges[start : start + 20_000])
    walks = []
    for _ in range(3):
        started = time.perf_counter()
        graph = lineage(repo, CID.parse(cids[0]), "down")
        walks.append(time.perf_counter() - started)
    assert len(graph.nodes) == artifacts
    repo.close()
    started = time.perf_counter()
    out = sh(*CAIRN, "lineage", cids[0], "--down", "--format", "json", env=env)
    command = time.perf_counter() - started
    assert len(json.loads(out)["nodes"]) == artifacts
    return {"walk_s": min(walks), "command_s": command}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--publishes", type=int, default=128)
    parser.add_argument("--artifacts", type=int, default=100_000)
    args = parser.parse_args()
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out))
    result: dict[str, Any] = {}
    try:
        with running_postgres(durable=True) as pg, running_kubo(work / "kubo") as kubo:
            result["api"] = _api(pg, kubo, work, args)
            print(json.dumps(result["api"]), flush=True)
            result["lineage_down_postgresql"] = lineage_round(pg.fresh_database("lineage"), work / "pg-home",
                                                              args.artifacts)  # fmt: skip
        result["lineage_down_sqlite"] = lineage_round(None, work / "sqlite-home", args.artifacts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    (out / "scale.json").write_text(json.dumps(result, indent=2))


def _api(pg: PostgresCluster, kubo: KuboDaemon, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    rounds = {}
    for count in (1, 2):
        url = pg.fresh_database(f"api{count}")
        env = {"CAIRN_INDEX_URL": url, "CAIRN_BLOCKSTORE": "ipfs", "CAIRN_IPFS_API": kubo.api_url}
        token_env = {**os.environ, **env, "CAIRN_HOME": str(work / f"admin-{count}")}
        sh(*CAIRN, "migrate", env=token_env)
        token = sh(*CAIRN, "token", "new", "--scope", "write", env=token_env).strip().splitlines()[-1]
        rounds[f"{count}_replica{'s' if count > 1 else ''}"] = api_round(count, work, env, token, args)
    return rounds


if __name__ == "__main__":
    main()
