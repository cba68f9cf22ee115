"""Cairn next to Kubo on the same files in one run: hashing/adding and pinning.

    .venv/bin/python bench/ipfs.py [--size-mb 1024] [--repeat 3]

Rows: `ipfs add` (store) vs `cairn publish`, `ipfs add --only-hash` vs `cairn cid --profile
kubo` (same CID required), and `cairn pin --to ipfs` vs `ipfs dag import` of the same CAR.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.core import CAIRN, best_of, settle, sh, synthetic_model, warm  # noqa: E402
from tests.data import real_model_dir  # noqa: E402
from tests.services.kubo import KuboDaemon, running_kubo  # noqa: E402

KUBO_ADD = ["add", "-Q", "--cid-version=1", "--raw-leaves", "--chunker=size-262144"]


def compare(name: str, path: Path, kubo: KuboDaemon, work: Path, repeat: int) -> dict[str, object]:
    warm(path)
    env = {**os.environ, "CAIRN_IPFS_API": kubo.api_url}
    ipfs = [str(kubo.binary)]
    home = work / f"home-{name}"
    kubo_cid = sh(*ipfs, *KUBO_ADD, "--only-hash", path, env={**env, **kubo.env}).strip()
    cairn_cid = sh(*CAIRN, "cid", path, "--profile", "kubo", env=env).strip()
    t_hash_kubo = best_of(repeat, lambda: sh(*ipfs, *KUBO_ADD, "--only-hash", path, env={**env, **kubo.env}))
    t_hash_cairn = best_of(repeat, lambda: sh(*CAIRN, "cid", path, "--profile", "kubo", env=env))
    t_add = best_of(repeat, lambda: sh(*ipfs, *KUBO_ADD, path, env={**env, **kubo.env}))

    def fresh() -> None:
        shutil.rmtree(home, ignore_errors=True)
        settle()

    t_publish = best_of(repeat, lambda: sh(*CAIRN, "publish", path, env={**env, "CAIRN_HOME": str(home)}), before=fresh)
    cid = json.loads(sh(*CAIRN, "ls", "--json", env={**env, "CAIRN_HOME": str(home)}))[0]["cid"]
    car = work / f"{name}.car"
    sh(*CAIRN, "car", "export", cid, "-o", car, env={**env, "CAIRN_HOME": str(home)})
    sh(*ipfs, "repo", "gc", "-q", env={**env, **kubo.env})
    t_import = best_of(1, lambda: sh(*ipfs, "dag", "import", "--pin-roots=false", car, env={**env, **kubo.env}))
    sh(*ipfs, "repo", "gc", "-q", env={**env, **kubo.env})
    t_pin = best_of(1, lambda: sh(*CAIRN, "pin", cid, "--to", "ipfs", env={**env, "CAIRN_HOME": str(home)}))
    size = path.stat().st_size
    return {
        "file": name, "MB": size / 1e6, "same_cid": kubo_cid == cairn_cid,
        "ipfs_add_only_hash_s": t_hash_kubo, "cairn_cid_kubo_s": t_hash_cairn,
        "ipfs_add_s": t_add, "cairn_publish_s": t_publish, "publish_speedup": t_add / t_publish,
        "dag_import_MBps": size / 1e6 / t_import, "cairn_pin_MBps": size / 1e6 / t_pin,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = measure(args.size_mb, args.repeat)
    for row in rows:
        print(", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    (ROOT / "bench" / "out" / "ipfs.json").write_text(json.dumps(rows, indent=2))


def measure(size_mb: int, repeat: int) -> list[dict[str, object]]:
    """The real MiniLM model and a synthetic model of ``size_mb``, each next to a throwaway Kubo."""
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=out))
    try:
        with running_kubo(work / "kubo") as kubo:
            synthetic = synthetic_model(out / f"synthetic-{size_mb}.safetensors", size_mb)
            return [compare("real-minilm", real_model_dir() / "model.safetensors", kubo, work, repeat),
                    compare(f"synthetic-{size_mb}MB", synthetic, kubo, work, repeat)]  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
