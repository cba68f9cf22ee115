"""What every fuzz target shares: how many inputs to run, the checks each input must pass, and the counts.

A target is a function of one input. Every input must end in a value or a ``CairnError`` (anything
else is a crash), within ``TIME_LIMIT`` seconds (else a hang), and, for a sample of inputs, with a
peak of traced memory below a budget proportional to its size (else a blow-up, such as a length
prefix of 2^60 that allocates; a real 2^60 allocation raises ``MemoryError``, which is a crash too).

Each hypothesis example is one structured input (a valid CAR, node, record, header or request
built from drawn parts) plus ``MUTANTS`` inputs derived from it by byte-level mutations
(``tests/fuzz/mutate.py``): structure gets the decoders deep, mutations find the edges. Every
input counts, and ``pytest_terminal_summary`` (``tests/fuzz/conftest.py``) prints the counts.

Sizes, all from the environment:

- ``CAIRN_FUZZ_EXAMPLES``: hypothesis examples per decoder target (default 3,000: with 33 mutants
  each, 102,000 inputs per target; drawing examples costs more than running mutants).
- ``CAIRN_FUZZ_MUTANTS``: inputs derived from each example (default 33).
- ``CAIRN_FUZZ_UPLOAD_EXAMPLES``: examples for the upload routes (default 6,000, with 16 mutants
  each, 102,000 requests: a request through the whole app costs 1-20 ms, a decoder input ~20 µs).
- ``CAIRN_FUZZ_TIME_LIMIT``: seconds one input may take (default 2; uploads get 5x, they fsync).

The long run (about an hour here): ``CAIRN_FUZZ_EXAMPLES=30000 CAIRN_FUZZ_UPLOAD_EXAMPLES=20000``.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from hypothesis import HealthCheck, settings

from cairn.errors import CairnError

T = TypeVar("T")

EXAMPLES = int(os.environ.get("CAIRN_FUZZ_EXAMPLES", "3000"))
MUTANTS = int(os.environ.get("CAIRN_FUZZ_MUTANTS", "33"))
UPLOAD_EXAMPLES = int(os.environ.get("CAIRN_FUZZ_UPLOAD_EXAMPLES", "6000"))
UPLOAD_MUTANTS = 16
TIME_LIMIT = float(os.environ.get("CAIRN_FUZZ_TIME_LIMIT", "2"))
# pytest-timeout for a whole fuzz test: fifteen minutes (thirty for uploads) at the default sizes, scaled.
TEST_TIMEOUT = int(900 * max(1.0, EXAMPLES / 3000, UPLOAD_EXAMPLES / 3000) * max(1.0, MUTANTS / 33))
MEMORY_SAMPLE = 61  # every 61st input of a target runs under tracemalloc (prime: no lock-step with mutants)
MEMORY_PER_BYTE = 256  # a decoded Python value may be this much larger than its encoding
MEMORY_BASE = 8 << 20


@dataclass
class TargetStats:
    inputs: int = 0
    accepted: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # CairnError class (or HTTP status) -> count
    seconds: float = 0.0
    slowest: float = 0.0
    peak_bytes: int = 0


STATS: dict[str, TargetStats] = {}


def fuzz_settings(examples: int = EXAMPLES) -> settings:
    """One hypothesis profile for every target: sized by the environment, no per-example deadline
    (``exercise`` times each input itself), and no complaint that the examples are large or slow."""
    return settings(
        max_examples=examples,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


@dataclass(frozen=True)
class Accepted(Generic[T]):
    """What a target returned for an input it accepted (``None`` stands for a refusal)."""

    value: T


class Crash(AssertionError):
    """An input made a target misbehave: the message names the input and what went wrong."""


def exercise(target: str, run: Callable[[bytes], T], data: bytes, time_limit: float = TIME_LIMIT) -> Accepted[T] | None:
    """Run one input; return what the target made of it, or ``None`` when it refused it with a ``CairnError``."""
    stats = STATS.setdefault(target, TargetStats())
    stats.inputs += 1
    traced = stats.inputs % MEMORY_SAMPLE == 0
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    try:
        result: Accepted[T] | None = Accepted(run(data))
        stats.accepted += 1
    except CairnError as exc:
        stats.refused[type(exc).__name__] += 1
        result = None
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        if traced:
            tracemalloc.stop()
    _check_bounds(target, stats, data, elapsed, peak, time_limit)
    return result


def _check_bounds(target: str, stats: TargetStats, data: bytes, elapsed: float, peak: int, limit: float) -> None:
    stats.seconds += elapsed
    stats.slowest = max(stats.slowest, elapsed)
    stats.peak_bytes = max(stats.peak_bytes, peak)
    if elapsed > limit:
        raise Crash(f"{target}: {elapsed:.2f}s for one input of {len(data)} bytes (limit {limit}s): {data[:200]!r}")
    budget = MEMORY_BASE + MEMORY_PER_BYTE * len(data)
    if peak > budget:
        raise Crash(f"{target}: peak {peak} bytes for an input of {len(data)} bytes (budget {budget}): {data[:200]!r}")


def note_outcome(target: str, label: str) -> None:
    """Count an outcome a target reports itself (an HTTP status), shown with its refusals."""
    STATS.setdefault(target, TargetStats()).refused[label] += 1


def summary_lines() -> list[str]:
    """One line per target: inputs, how many were accepted, the commonest refusals, time."""
    lines = []
    for name, s in sorted(STATS.items()):
        refusals = ", ".join(f"{cls} {n}" for cls, n in s.refused.most_common(12))
        lines.append(
            f"{name}: {s.inputs:,} inputs ({s.accepted:,} accepted; {refusals}) in {s.seconds:.1f}s of target time,"
            f" slowest {s.slowest * 1000:.1f} ms, sampled peak {s.peak_bytes / 1024:.0f} KiB"
        )
    return lines
