#!/usr/bin/env python3
"""Crash safety by SIGKILL: run real `cairn` work, kill it at random moments, check the home.

Each round starts, side by side on one home: `cairn publish` of a fresh folder, `cairn pull` of a
stored artifact, `cairn pin --to ipfs` of one not yet pinned (a real Kubo), `cairn pin --to
arweave` of one not yet there (a real arlocal, every other round), `cairn anchor` of the records
not yet anchored (a real anvil), and every third round two uploads to `cairn serve` (POST
/v1/artifacts and POST /v1/car at once). Each process gets its
own kill moment, drawn uniformly from that operation's usual duration, and is sent SIGKILL then
(for uploads, the server is). Only a process still running when the signal goes out counts as a
kill. After every round:

- `cairn fsck` exits 0, and `cairn ls --json` lists what the index holds (the real commands,
  through the CLI's entry point; the loop also runs ``cairn.lineage.workflows.maintenance.fsck`` itself);
- no artifact is half-visible: every listed artifact verifies (each is verified in full the first
  time it is listed; fsck then re-hashes every block and walks every listed artifact each round);
- nothing stored before is lost: every artifact completed in earlier rounds is still listed;
- no leftovers pile up: fsck removed the staging folders of uploads whose server was killed;
- each killed operation, run again, completes: a publish lists its artifact, a pull matches its
  source byte for byte and writes nothing beside its target, a pin ends `pinned` with Kubo holding
  the pin, the uploads are accepted by the restarted server;
- nothing is paid twice: the wallet paid exactly the rewards of the Arweave transactions the index
  knows, and the anchor contract holds exactly the roots of the index's anchored batches, no record
  in two of them.

    .venv/bin/python scripts/kill-loop.py --kills 100                     # the CI variant (~1-2 min)
    .venv/bin/python scripts/kill-loop.py --kills 3000 --size-mb 16       # the long variant
    .venv/bin/python scripts/kill-loop.py --ipfs-api http://127.0.0.1:5001 --work /tmp/kl

Without ``--ipfs-api`` a throwaway Kubo is started (tests/services/kubo.py), without
``--arweave-url`` a throwaway arlocal and without ``--chain-rpc`` a throwaway anvil (its first
dev key; pass ``--chain-key`` with a URL); ``--no-ipfs``, ``--no-arweave`` and ``--no-anchor``
skip those jobs. The last line reads ``kills survived: N``; the exit status is 1 at the first failed check
(the work folder is then kept for a look).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

if TYPE_CHECKING:
    from cairn.chunking.cid import CID

# seconds, until re-runs measure them
FIRST_GUESS = {"publish": 1.0, "pull": 0.8, "pin": 1.5, "serve": 1.0, "arweave": 2.0, "anchor": 1.5}
SERVE_EVERY = 3  # rounds; a server restart costs more than a CLI run
ARWEAVE_EVERY = 2  # rounds; an Arweave pin signs with RSA-4096 and uploads in 256 KiB chunks
KILL_WINDOW = 0.85  # kill moments fall in the first 85% of an operation's usual (re-run) duration


class CheckFailed(Exception):
    """A property of the home did not hold after a kill."""


@dataclass
class Stored:
    """An artifact that completed: it must stay listed, and a pull of it must match ``source``."""

    cid: str
    source: Path


@dataclass
class Arweave:
    """The gateway, and what the wallet held before the loop: it must have paid exactly for the
    transactions the index knows."""

    url: str
    address: str = ""
    funded: int = 0


@dataclass
class Chain:
    """The chain, the key that pays, and the anchor contract the loop deployed."""

    rpc: str
    key: str
    contract: str = ""


@dataclass
class Loop:
    work: Path
    rng: random.Random
    size_mb: float
    ipfs_api: str | None
    arweave: Arweave | None = None
    chain: Chain | None = None
    stored: list[Stored] = field(default_factory=list)
    verified: set[CID] = field(default_factory=set)
    pinned: set[str] = field(default_factory=set)
    on_arweave: set[str] = field(default_factory=set)
    ledger: dict[str, str] = field(default_factory=dict)  # what the paid-once checks last found
    kills: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    durations: dict[str, float] = field(default_factory=lambda: dict(FIRST_GUESS))
    server: Server | None = None
    token: str = ""
    car_sources: dict[str, Path] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.work / "home"

    @property
    def env(self) -> dict[str, str]:
        env = {**os.environ, "CAIRN_HOME": str(self.home), "PYTHONPATH": str(ROOT)}
        if self.ipfs_api:
            env["CAIRN_IPFS_API"] = self.ipfs_api
        if self.arweave:
            env["CAIRN_ARWEAVE_URL"] = self.arweave.url
        if self.chain:
            env |= {"CAIRN_CHAIN_RPC": self.chain.rpc, "CAIRN_CHAIN_KEY": self.chain.key}
            if self.chain.contract:
                env["CAIRN_CHAIN_CONTRACT"] = self.chain.contract
        return env

    def measured(self, operation: str, seconds: float) -> None:
        self.durations[operation] = 0.7 * self.durations[operation] + 0.3 * seconds


# --- inputs ----------------------------------------------------------------------------------------


def make_folder(path: Path, seed: int, size_mb: float) -> Path:
    """A model-like folder: a safetensors file of three tensors, a binary blob, small text files,
    and one file every folder shares (so deduplication is on the path too)."""
    rng = np.random.default_rng(seed)
    path.mkdir(parents=True)
    floats = int(size_mb * (1 << 20) * 0.6) // 12
    _write_safetensors(path / "model.safetensors", [rng.standard_normal(floats).astype(np.float32) for _ in range(3)])
    (path / "blob.bin").write_bytes(rng.integers(0, 256, int(size_mb * (1 << 20) * 0.4), dtype=np.uint8).tobytes())
    (path / "config.json").write_text(json.dumps({"seed": seed, "hidden": 64}))
    (path / "shared.txt").write_text("the same in every folder\n" * 1000)
    (path / "notes").mkdir()
    for i in range(8):
        (path / "notes" / f"{i}.txt").write_text(f"note {i} of folder {seed}\n")
    return path


def _write_safetensors(path: Path, arrays: list[Any]) -> None:
    header: dict[str, Any] = {}
    offset = 0
    for i, array in enumerate(arrays):
        header[f"layer.{i}.weight"] = {"dtype": "F32", "shape": list(array.shape),
                                       "data_offsets": [offset, offset + array.nbytes]}  # fmt: skip
        offset += array.nbytes
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(len(text).to_bytes(8, "little") + text)
        for array in arrays:
            out.write(array.tobytes())


def folder_digest(path: Path) -> dict[str, str]:
    files = (p for p in path.rglob("*") if p.is_file())
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def fresh_folder(loop: Loop, kind: str) -> Path:
    seed = loop.rounds * 10 + {"publish": 1, "serve": 2, "car": 3}[kind]
    return make_folder(loop.work / "inputs" / f"{kind}-{loop.rounds}", seed, loop.size_mb)


# --- processes -----------------------------------------------------------------------------------


def cairn_argv(*args: str | Path | int) -> list[str]:
    return [sys.executable, "-m", "cairn.cli.main", *map(str, args)]


def run_cairn(loop: Loop, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cairn_argv(*args), env=loop.env, capture_output=True, text=True, cwd=ROOT, timeout=600)


def expect_ok(done: subprocess.CompletedProcess[str], what: str) -> str:
    if done.returncode != 0:
        raise CheckFailed(f"{what} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return done.stdout


# --- the checks ----------------------------------------------------------------------------------


def check_home(loop: Loop, with_cli: bool) -> None:
    """fsck is clean, every newly listed artifact verifies, every stored one is still listed."""
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.maintenance import fsck
    from cairn.lineage.workflows.verify import verify

    repo = Repo.open(loop.home)
    try:
        report = fsck(repo)
        if not report.ok:
            raise CheckFailed(f"fsck: {report.problems[:3]}")
        listed = {row.cid for row in repo.index.artifacts()}
        for cid in sorted(listed - loop.verified, key=str):
            result = verify(repo.store, cid)
            if not result.ok:
                raise CheckFailed(f"listed artifact {cid} does not verify: {result.failures[:3]}")
            loop.verified.add(cid)
    finally:
        repo.close()
    listed_text = {str(cid) for cid in listed}  # the index gives CIDs; the loop keeps the text it was printed
    lost = [s.cid for s in loop.stored if s.cid not in listed_text]
    if lost:
        raise CheckFailed(f"artifacts stored before are gone: {lost}")
    leftovers = list((loop.home / "tmp").glob("upload-*"))  # fsck removes a killed server's staging
    if leftovers:
        raise CheckFailed(f"fsck left upload staging folders behind: {leftovers}")
    if with_cli:
        shown = fsck_and_ls(loop)
        if shown != listed_text:
            raise CheckFailed(f"`cairn ls --json` and the index disagree: {sorted(shown ^ listed_text)}")


# The real commands, `cairn fsck` then `cairn ls --json`, through the CLI's own entry point in one
# process (one interpreter start a round instead of two).
_FSCK_AND_LS = (
    "import sys; from cli.main import run; code = run(['fsck']); print('\\x00', flush=True);"
    " sys.exit(code or run(['ls', '--json']))"
)


def fsck_and_ls(loop: Loop) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _FSCK_AND_LS], env=loop.env, capture_output=True, text=True,
                          cwd=ROOT, timeout=600)  # fmt: skip
    if done.returncode != 0:
        raise CheckFailed(f"`cairn fsck` or `cairn ls --json` failed: {done.stdout[-500:]} {done.stderr[-500:]}")
    listing = done.stdout.split("\x00\n", 1)[1]
    return {row["cid"] for row in json.loads(listing)}


# --- jobs: one operation each, started, maybe killed, then run again ---------------------------


class Job:
    """One operation of a round: ``start`` it, ``kill`` it if it still runs, ``rerun`` it."""

    operation = ""

    def start(self) -> None:
        raise NotImplementedError

    def running(self) -> bool:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    def wait(self) -> None:
        raise NotImplementedError

    def rerun(self) -> None:
        """Do the work again to the end and check its outcome; raise ``CheckFailed`` if not."""
        raise NotImplementedError


class CliJob(Job):
    """A `cairn` command as its own process."""

    def __init__(self, loop: Loop, args: tuple[str | Path, ...]) -> None:
        self.loop, self.args = loop, args
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(cairn_argv(*self.args), env=self.loop.env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, cwd=ROOT)  # fmt: skip

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)

    def wait(self) -> None:
        assert self.proc is not None
        self.proc.wait()

    def run_again(self) -> subprocess.CompletedProcess[str]:
        start = time.monotonic()
        done = run_cairn(self.loop, *self.args)
        self.loop.measured(self.operation, time.monotonic() - start)
        return done


class PublishJob(CliJob):
    operation = "publish"

    def __init__(self, loop: Loop) -> None:
        self.folder = fresh_folder(loop, "publish")
        super().__init__(loop, ("publish", self.folder, "--name", self.folder.name, "--version", "1", "--json"))

    def rerun(self) -> None:
        cid = json.loads(expect_ok(self.run_again(), "publish re-run"))["cid"]
        self.loop.stored.append(Stored(cid, self.folder))


class PullJob(CliJob):
    operation = "pull"

    def __init__(self, loop: Loop) -> None:
        self.artifact = loop.rng.choice(loop.stored)
        self.pulls = loop.work / f"pulls-{loop.rounds}"
        self.pulls.mkdir()
        self.target = self.pulls / "out"
        super().__init__(loop, ("pull", self.artifact.cid, "-o", self.target))

    def rerun(self) -> None:
        done = self.run_again()
        finished_before = done.returncode == 2 and "not empty" in done.stderr and self._complete()
        if done.returncode != 0 and not finished_before:  # a pull killed after its last rename is done
            raise CheckFailed(f"pull re-run exited {done.returncode}: {done.stderr.strip()[-300:]}")
        if not self._complete():
            raise CheckFailed(f"pulled {self.target} differs from {self.artifact.source}")
        beside = [p.name for p in self.pulls.iterdir() if p != self.target]
        if beside:
            raise CheckFailed(f"pull left files beside its target: {beside}")
        shutil.rmtree(self.pulls)

    def _complete(self) -> bool:
        return self.target.is_dir() and folder_digest(self.target) == folder_digest(self.artifact.source)


class PinJob(CliJob):
    operation = "pin"

    def __init__(self, loop: Loop, cid: str) -> None:
        self.cid = cid
        super().__init__(loop, ("pin", cid, "--to", "ipfs"))

    def rerun(self) -> None:
        from cairn.chunking.cid import CID
        from cairn.storage.kubo import KuboClient

        expect_ok(self.run_again(), "pin re-run")
        pins = json.loads(expect_ok(run_cairn(self.loop, "pins", "--json"), "pins"))
        # The IPFS row: an Arweave pin of the same CID may be running in this round too.
        state = next((row["state"] for row in pins if row["cid"] == self.cid and row["remote"] == "ipfs"), None)
        if state != "pinned":
            raise CheckFailed(f"after the pin re-run, {self.cid} is {state!r}, not pinned")
        assert self.loop.ipfs_api is not None
        client = KuboClient(self.loop.ipfs_api)
        try:
            if client.pin_ls(CID.parse(self.cid), type="recursive").get(CID.parse(self.cid)) != "recursive":
                raise CheckFailed(f"Kubo holds no recursive pin on {self.cid}")
        finally:
            client.close()
        self.loop.pinned.add(self.cid)


class ArweavePinJob(CliJob):
    operation = "arweave"

    def __init__(self, loop: Loop, cid: str) -> None:
        self.cid = cid
        super().__init__(loop, ("pin", cid, "--to", "arweave", "--yes"))

    def rerun(self) -> None:
        expect_ok(self.run_again(), "arweave pin re-run")
        rows = _with_repo(self.loop, lambda repo: repo.index.arweave_txs())
        mine = [row for row in rows if str(row.cid) == self.cid]
        if not mine or any(row.state in ("signed", "uploading") for row in mine):
            raise CheckFailed(f"after the arweave re-run, {self.cid} has transactions {[r.state for r in mine]}")
        self.loop.on_arweave.add(self.cid)


def check_paid_once_on_arweave(loop: Loop) -> None:
    """The wallet paid exactly the rewards of the transactions the index knows as sent."""
    assert loop.arweave is not None
    rows = _with_repo(loop, lambda repo: repo.index.arweave_txs())
    known = sum(int(row.reward) for row in rows if row.state != "signed")
    paid = loop.arweave.funded - _arweave_balance(loop.arweave)
    if paid != known:
        raise CheckFailed(f"the wallet paid {paid} winston, the index knows of {known}")
    loop.ledger["arweave"] = f"{len(rows)} Arweave transactions, {paid} winston paid = the index's rewards"


def _arweave_balance(arweave: Arweave) -> int:
    return int(httpx.get(f"{arweave.url}/wallet/{arweave.address}/balance", timeout=30).text)


class AnchorJob(CliJob):
    operation = "anchor"

    def __init__(self, loop: Loop) -> None:
        super().__init__(loop, ("anchor",))

    def rerun(self) -> None:
        expect_ok(self.run_again(), "anchor re-run")


def check_paid_once_on_chain(loop: Loop) -> None:
    """The contract holds exactly the roots of the index's anchored batches, and no record sits
    in two of them: a batch sent before a kill was adopted, not paid for again."""
    from web3 import Web3

    from cairn.lineage.index.catalog import ANCHORED_STATES

    assert loop.chain is not None
    w3 = Web3(Web3.HTTPProvider(loop.chain.rpc))
    logs = w3.eth.get_logs({"address": Web3.to_checksum_address(loop.chain.contract), "fromBlock": 0})
    chain_id, contract = str(w3.eth.chain_id), loop.chain.contract

    def batches(repo: Any) -> tuple[list[Any], list[Any]]:
        anchored = repo.index.anchors(chain_id, contract, ANCHORED_STATES)
        proofs = [p for row in repo.index.artifacts() for p in repo.index.record_proofs(row.cid)]
        return anchored, proofs

    anchored, proofs = _with_repo(loop, batches)
    if len(logs) != len(anchored):
        raise CheckFailed(f"{len(logs)} roots on chain, {len(anchored)} anchored batches in the index")
    loop.ledger["chain"] = f"{len(logs)} roots on chain = the index's anchored batches"
    in_force = Counter(p.cid for p in proofs if p.anchor.state in ANCHORED_STATES)
    twice = [cid for cid, count in in_force.items() if count > 1]
    if twice:
        raise CheckFailed(f"records anchored in two batches: {twice[:3]}")


def _with_repo(loop: Loop, read: Callable[[Any], Any]) -> Any:
    from cairn.lineage.repo import Repo

    repo = Repo.open(loop.home)
    try:
        return read(repo)
    finally:
        repo.close()


# --- serve: uploads to a server that is killed ---------------------------------------------------


class Server:
    """`cairn serve` on a free port."""

    def __init__(self, loop: Loop) -> None:
        from tests.services.kubo import free_port

        self.url = f"http://127.0.0.1:{free_port()}"
        log = open(loop.work / "serve.log", "ab")  # noqa: SIM115 - the process owns it
        self.proc = subprocess.Popen(cairn_argv("serve", "--port", self.url.rsplit(":", 1)[1]), env=loop.env,
                                     stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/v1/health", timeout=1).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise CheckFailed("cairn serve exited at start")
            time.sleep(0.05)
        raise CheckFailed("cairn serve did not answer")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


Reply = httpx.Response | BaseException


class ServeJob(Job):
    """An artifact uploaded as multipart files and another as a CAR, to a server that is killed."""

    operation = "serve"

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.folder = fresh_folder(loop, "serve")
        self.car, self.car_root = _car_of(loop, fresh_folder(loop, "car"))
        self.threads: list[threading.Thread] = []
        self.replies: list[Reply] = []
        self.killed = False

    def start(self) -> None:
        if self.loop.server is None:
            self.loop.server = Server(self.loop)
        self.replies = self._send(self.loop.server)

    def running(self) -> bool:
        return any(thread.is_alive() for thread in self.threads)

    def kill(self) -> None:
        assert self.loop.server is not None
        self.loop.server.proc.send_signal(signal.SIGKILL)
        self.killed = True

    def wait(self) -> None:
        for thread in self.threads:
            thread.join()
        if self.killed:  # else the uploads ended before their kill moment, and the server lives on
            assert self.loop.server is not None
            self.loop.server.proc.wait()
            self.loop.server = None

    def rerun(self) -> None:
        if self.loop.server is None:
            self.loop.server = Server(self.loop)
        start = time.monotonic()  # the uploads' duration, not the restart's
        replies = self._send(self.loop.server)
        for thread in self.threads:
            thread.join()
        self.loop.measured("serve", time.monotonic() - start)
        for what, reply in zip(("POST /v1/artifacts", "POST /v1/car"), replies, strict=True):
            if not isinstance(reply, httpx.Response) or reply.status_code != 201:
                raise CheckFailed(f"{what} sent again after the kill failed: {reply!r} {getattr(reply, 'text', '')}")
        upload = replies[0]
        assert isinstance(upload, httpx.Response)
        self.loop.stored += [Stored(upload.json()["cid"], self.folder),
                             Stored(self.car_root, self.loop.car_sources[self.car_root])]  # fmt: skip

    def _send(self, server: Server) -> list[Reply]:
        replies: list[Reply] = [RuntimeError("not sent"), RuntimeError("not sent")]
        auth = {"Authorization": f"Bearer {self.loop.token}"}
        files = [("files", (str(p.relative_to(self.folder)), p.read_bytes())) for p in _files(self.folder)]

        form = {"name": self.folder.name}

        def upload() -> None:
            replies[0] = _call(lambda: httpx.post(f"{server.url}/v1/artifacts", files=files, data=form,
                                                  headers=auth, timeout=120))  # fmt: skip

        def car() -> None:
            headers = {**auth, "Content-Type": "application/vnd.ipld.car"}
            replies[1] = _call(lambda: httpx.post(f"{server.url}/v1/car", content=self.car, headers=headers,
                                                  timeout=120))  # fmt: skip

        self.threads = [threading.Thread(target=upload), threading.Thread(target=car)]
        for thread in self.threads:
            thread.start()
        return replies


def _call(request: Callable[[], httpx.Response]) -> Reply:
    try:
        return request()
    except httpx.HTTPError as exc:
        return exc


def _files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file()]


def _car_of(loop: Loop, folder: Path) -> tuple[bytes, str]:
    """Publish ``folder`` in a separate home and export it: a CAR of a whole artifact."""
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.carfile import export_car
    from cairn.lineage.workflows.publish import PublishOptions, publish

    repo = Repo.open(loop.work / "car-source")
    try:
        result = publish(repo, [folder], PublishOptions(name=folder.name))
        buffer = io.BytesIO()
        export_car(repo.store, result.cid, buffer)
    finally:
        repo.close()
    loop.car_sources[str(result.cid)] = folder
    return buffer.getvalue(), str(result.cid)


# --- the loop ------------------------------------------------------------------------------------


def round_jobs(loop: Loop) -> list[Job]:
    jobs: list[Job] = [PublishJob(loop), PullJob(loop)]
    unpinned = [s.cid for s in loop.stored if s.cid not in loop.pinned]
    if loop.ipfs_api and unpinned:
        jobs.append(PinJob(loop, loop.rng.choice(unpinned)))
    not_on_arweave = [s.cid for s in loop.stored if s.cid not in loop.on_arweave]
    if loop.arweave and not_on_arweave and loop.rounds % ARWEAVE_EVERY == 0:
        jobs.append(ArweavePinJob(loop, loop.rng.choice(not_on_arweave)))
    if loop.chain:
        jobs.append(AnchorJob(loop))
    if loop.rounds % SERVE_EVERY == 0:
        jobs.append(ServeJob(loop))
    return jobs


def play_round(loop: Loop) -> None:
    """Start every job, kill each at its own moment if it still runs, check, run the killed again."""
    jobs = round_jobs(loop)
    started = time.monotonic()
    moments = [(started + loop.rng.uniform(0, KILL_WINDOW * loop.durations[job.operation]), job) for job in jobs]
    for _, job in moments:
        job.start()
    for moment, job in sorted(moments, key=lambda pair: pair[0]):
        time.sleep(max(0.0, moment - time.monotonic()))
        if job.running():
            job.kill()
            loop.kills[job.operation] += 1
    for job in jobs:
        job.wait()
    check_home(loop, with_cli=True)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_collect, args=(job.rerun, errors)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    if loop.arweave:
        check_paid_once_on_arweave(loop)
    if loop.chain:
        check_paid_once_on_chain(loop)


def _collect(work: Callable[[], None], errors: list[BaseException]) -> None:
    try:
        work()
    except BaseException as exc:  # handed to the loop's thread, which raises the first one
        errors.append(exc)


def run_loop(loop: Loop, kills: int) -> None:
    loop.token = expect_ok(run_cairn(loop, "token", "new", "--scope", "write"), "token new").strip().splitlines()[-1]
    if loop.arweave:
        loop.arweave.address = expect_ok(run_cairn(loop, "wallet", "new"), "wallet new").strip().splitlines()[-1]
        httpx.get(f"{loop.arweave.url}/mint/{loop.arweave.address}/{10**15}", timeout=30).raise_for_status()
        loop.arweave.funded = _arweave_balance(loop.arweave)
    if loop.chain:
        loop.chain.contract = expect_ok(run_cairn(loop, "anchor", "deploy"), "anchor deploy").strip().splitlines()[-1]
    seed = make_folder(loop.work / "inputs" / "baseline", 424242, loop.size_mb)
    baseline = json.loads(expect_ok(run_cairn(loop, "publish", seed, "--json"), "baseline publish"))["cid"]
    loop.stored.append(Stored(baseline, seed))
    started = time.monotonic()
    while sum(loop.kills.values()) < kills:
        loop.rounds += 1
        play_round(loop)
        if loop.rounds % 5 == 0:
            print(f"round {loop.rounds}: {sum(loop.kills.values())} kills {dict(loop.kills)},"
                  f" {len(loop.stored)} artifacts, {time.monotonic() - started:.0f}s", flush=True)  # fmt: skip
    check_home(loop, with_cli=True)


@contextlib.contextmanager
def arweave_gateway(args: argparse.Namespace) -> Iterator[Arweave | None]:
    if args.no_arweave or args.arweave_url:
        yield None if args.no_arweave else Arweave(args.arweave_url)
        return
    from tests.services.arlocal import running_arlocal

    with tempfile.TemporaryDirectory(prefix="kill-loop-arlocal-") as base, running_arlocal(Path(base)) as gateway:
        yield Arweave(gateway.url)


@contextlib.contextmanager
def evm_chain(args: argparse.Namespace) -> Iterator[Chain | None]:
    if args.no_anchor or args.chain_rpc:
        yield None if args.no_anchor else Chain(args.chain_rpc, args.chain_key)
        return
    from tests.services.anvil import running_anvil

    with tempfile.TemporaryDirectory(prefix="kill-loop-anvil-") as base, running_anvil(Path(base)) as anvil:
        yield Chain(anvil.rpc_url, anvil.key)


@contextlib.contextmanager
def kubo_api(args: argparse.Namespace) -> Iterator[str | None]:
    if args.no_ipfs or args.ipfs_api:
        yield None if args.no_ipfs else args.ipfs_api
        return
    from tests.services.kubo import running_kubo

    with tempfile.TemporaryDirectory(prefix="kill-loop-kubo-") as base, running_kubo(Path(base)) as daemon:
        yield daemon.api_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100, help="stop once this many processes were killed")
    parser.add_argument("--seed", type=int, default=1, help="random seed (kill moments, what is pulled)")
    parser.add_argument("--size-mb", type=float, default=1.5, help="size of each published folder")
    parser.add_argument("--work", type=Path, help="work folder (default: a new temporary one, removed on success)")
    parser.add_argument("--ipfs-api", help="Kubo RPC URL (default: start a throwaway Kubo)")
    parser.add_argument("--no-ipfs", action="store_true", help="skip pins to IPFS")
    parser.add_argument("--arweave-url", help="Arweave gateway URL, arlocal (default: start a throwaway arlocal)")
    parser.add_argument("--no-arweave", action="store_true", help="skip pins to Arweave")
    parser.add_argument("--chain-rpc", help="EVM RPC URL (default: start a throwaway anvil)")
    parser.add_argument("--chain-key", help="0x private key that pays for anchors (with --chain-rpc)")
    parser.add_argument("--no-anchor", action="store_true", help="skip `cairn anchor`")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="cairn-kill-loop-"))
    started = time.monotonic()
    with kubo_api(args) as api, arweave_gateway(args) as arweave, evm_chain(args) as chain:
        loop = Loop(work, random.Random(args.seed), args.size_mb, api, arweave, chain)
        try:
            run_loop(loop, args.kills)
        except CheckFailed as exc:
            print(f"FAILED after {sum(loop.kills.values())} kills, in round {loop.rounds}: {exc} (work kept in {work})")
            return 1
        finally:
            if loop.server is not None:
                loop.server.stop()
    print(f"{loop.rounds} rounds in {time.monotonic() - started:.0f}s; kills by operation: {dict(loop.kills)};"
          f" {len(loop.stored)} artifacts stored, all listed and verified")  # fmt: skip
    print("; ".join(loop.ledger.values()) or "no ledger checked")
    print(f"kills survived: {sum(loop.kills.values())}")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
