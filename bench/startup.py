"""Install size and start-up: a base install (no extras) next to ``cairn-store[all]``.

    .venv/bin/python bench/startup.py [--runs 10] [--keep DIR]

Builds the wheel from the checkout once (as tests/packaging does), installs it into two fresh
venvs, without extras and with ``[all]`` (dependencies from PyPI, through pip's cache), and
prints for each: the size of site-packages (``du -sh``), the number of distributions installed
(pip, setuptools and Cairn included), and the median wall time of ``python -c 'import cairn'``,
``cairn --version`` and, for scale, a bare ``python -c pass`` over ``--runs`` runs after one
warm-up. Writes the figures to bench/out/startup.json. ``--keep DIR`` builds the venvs in DIR and
reuses them on the next run (the wheel is built anew each time).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.packaging.conftest import Venv, build_wheel, clean_env, make_venv, source_tree  # noqa: E402


def median_ms(command: list[str], runs: int) -> float:
    env = clean_env()
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def site_packages(env: Venv) -> Path:
    (path,) = env.root.glob("lib/python3*/site-packages")
    return path


def measure(env: Venv, runs: int) -> dict[str, Any]:
    du = subprocess.run(["du", "-sh", str(site_packages(env))], check=True, capture_output=True, text=True)
    sizes = subprocess.run(["du", "-sk", str(site_packages(env))], check=True, capture_output=True, text=True)
    return {
        "site_packages": du.stdout.split()[0],
        "site_packages_mib": int(sizes.stdout.split()[0]) / 1024,
        "distributions": len(env.distributions()),
        "python_pass_ms": median_ms([str(env.python), "-c", "pass"], runs),
        "import_cairn_ms": median_ms([str(env.python), "-c", "import cairn"], runs),
        "cairn_version_ms": median_ms([str(env.bin / "cairn"), "--version"], runs),
    }


def venv_with(root: Path, wheel: Path, extra: str | None) -> Venv:
    if (root / "bin" / "cairn").exists():
        return Venv(root)
    env = make_venv(root)
    env.pip("install", "-q", f"{wheel}[{extra}]" if extra else wheel)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", type=Path, help="build the venvs here and reuse them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cairn-startup-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for stale in ("src", "dist"):
            shutil.rmtree(work / stale, ignore_errors=True)
        wheel = build_wheel(source_tree(work / "src"), work / "dist")
        results = {name: measure(venv_with(work / name, wheel, extra), args.runs)
                   for name, extra in (("base", None), ("all", "all"))}  # fmt: skip
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "startup.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"install | site-packages | dists | median of {args.runs}: python -c pass | import cairn | cairn --version")
    for name, r in results.items():
        print(f"{name:5s} | {r['site_packages']:>6s} | {r['distributions']:3d} | {r['python_pass_ms']:6.1f} ms | "
              f"{r['import_cairn_ms']:6.1f} ms | {r['cairn_version_ms']:6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
