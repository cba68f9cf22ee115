"""Helpers for scripts/gateway-conformance.sh: load the suite's fixture CARs, summarise its report.

    python -m tests.api.conformance load URL TOKEN DIR   # every DIR/**/*.car into a running `cairn serve`
    python -m tests.api.conformance summary REPORT.json FLOOR  # counts; exit 1 below FLOOR passed checks

Loading goes through the REST API a user would use: ``POST /v1/car`` first. Cairn refuses a CAR
whose roots are not whole or that holds codecs it does not read, and the suite ships both on
purpose (``file-3k-and-3-blocks-missing-block.car`` lacks a block to test ``entity-bytes``); such
CARs are then stored block by block with ``PUT /v1/blocks/{cid}``, which checks every block but not
completeness, skipping blocks whose CID Cairn cannot parse. The summary counts the outcomes in the
suite's ``go test -json`` report, both per request case and per single check.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx

from cairn.chunking.car import MAX_SECTION
from cairn.chunking.cid import CID
from cairn.chunking.varint import decode_varint
from cairn.errors import BadInput


@dataclass
class LoadReport:
    whole: list[str] = field(default_factory=list)
    by_block: list[str] = field(default_factory=list)
    skipped_blocks: int = 0
    failed: list[str] = field(default_factory=list)


def _sections(stream: BinaryIO) -> Iterator[bytes]:
    """The raw ``CID | block`` sections after the header, without judging any CID (roots included)."""
    rest = stream.read()
    header_size, pos = decode_varint(rest, 0)
    pos += header_size
    while pos < len(rest):
        size, pos = decode_varint(rest, pos)
        if size == 0 or size > MAX_SECTION:
            raise BadInput(f"CAR section of {size} bytes")
        yield rest[pos : pos + size]
        pos += size


def _put_blocks(client: httpx.Client, auth: dict[str, str], car: Path, report: LoadReport) -> None:
    with car.open("rb") as stream:
        for section in _sections(stream):
            try:
                cid, offset = CID.decode_prefix(section)
            except BadInput:
                report.skipped_blocks += 1  # a codec or hash Cairn does not read (dag-json, identity, ...)
                continue
            answer = client.put(f"/v1/blocks/{cid}", content=section[offset:], headers=auth)
            answer.raise_for_status()


def load(url: str, token: str, folder: Path) -> LoadReport:
    report = LoadReport()
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=120) as client:
        for car in sorted(folder.rglob("*.car")):
            answer = client.post("/v1/car", content=car.read_bytes(), headers=auth)
            if answer.status_code == 201:
                report.whole.append(car.name)
                continue
            try:
                _put_blocks(client, auth, car, report)
                report.by_block.append(f"{car.name} ({answer.json().get('detail', answer.status_code)})")
            except (httpx.HTTPError, BadInput) as exc:
                report.failed.append(f"{car.name}: {exc}")
    return report


@dataclass
class Summary:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def line(self, what: str) -> str:
        return f"{what}: passed={len(self.passed)} failed={len(self.failed)} skipped={len(self.skipped)}"


def outcomes(report: Path) -> dict[str, str]:
    """The final action (pass, fail, skip) of every test and subtest in a ``go test -json`` report."""
    found: dict[str, str] = {}
    for line in report.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        test, action = event.get("Test"), event.get("Action")
        if isinstance(test, str) and action in ("pass", "fail", "skip"):
            found[test] = action
    return found


def summarise(found: dict[str, str], depth: int | None = None) -> Summary:
    """Count the leaves: tests without subtests, or with ``depth`` the names at most that deep.

    The suite nests ``TestX/case/check``: leaves count single checks (a header, the body), depth 2
    counts request cases (one request and everything checked about its answer).
    """
    names = {name: action for name, action in found.items() if depth is None or name.count("/") < depth}
    groups = {name.rsplit("/", 1)[0] for name in names if "/" in name}
    summary = Summary()
    for name, action in sorted(names.items()):
        if name not in groups:
            {"pass": summary.passed, "fail": summary.failed, "skip": summary.skipped}[action].append(name)
    return summary


def report_main(report: Path, floor: int) -> int:
    """Print failures and counts; exit 1 when fewer checks passed than ``floor`` (or none ran)."""
    found = outcomes(report)
    checks, cases = summarise(found), summarise(found, depth=2)
    for name in cases.failed:
        print(f"FAIL {name}")
    print(cases.line("cases"))
    print(checks.line("checks"))
    if not checks.passed or len(checks.passed) < floor:
        print(f"below the floor: {len(checks.passed)} checks passed, at least {floor} must", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "load":
        report = load(argv[1], argv[2], Path(argv[3]))
        print(f"fixtures: {len(report.whole)} CARs imported whole, {len(report.by_block)} block by block")
        for line in report.by_block:
            print(f"  block by block: {line}")
        print(f"  blocks skipped (codec or hash Cairn does not read): {report.skipped_blocks}")
        for line in report.failed:
            print(f"  FAILED: {line}")
        return 1 if report.failed else 0
    if len(argv) == 3 and argv[0] == "summary" and argv[2].isdigit():
        return report_main(Path(argv[1]), int(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
