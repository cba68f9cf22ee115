"""`cairn gc` racing every kind of writer never takes a block a writer stored or relied on (issue 17).

gc drops every block that no index row reaches. A writer stores its blocks first and writes the
index rows that name them (the roots gc keeps) last, so between the two nothing reaches its blocks;
and a writer that finds a block already stored (deduplication) relies on a block that may be
garbage until its own rows land. The property: whenever a gc starts, it collects none of these.
Writers hold a write session from their first block to their last index row; gc waits for every
session to end and reads its roots only then (docs/architecture.md, "Writers and gc").

Each round starts, side by side on one home, one writer of every kind, each its own process:

- `cairn publish` of a fresh folder;
- `cairn pull CID --from PEER` of an artifact that only a peer server holds (a real `cairn serve`);
- `cairn tensor CID FILE NAME --from PEER` of that same artifact: what it fetches is kept in the
  local store (the cache), unindexed, so the pull may find those blocks there and rely on them;
- `cairn show CID --from PEER` of an artifact nobody pulls: the blocks it caches stay garbage,
  which some gc must collect (so the test cannot pass by gc doing nothing);
- `cairn car import` of a CAR exported from another home;
- `cairn name set` pointing a new name at an artifact of the home (a name record, then its row);
- `POST /v1/artifacts` and `POST /v1/car` to a `cairn serve` of the home (REST uploads);

and, until all of them have finished, `cairn gc` again and again on two lanes, each run started at
a random moment. After every round:

- every writer succeeded, and so did every gc: no writer fails because gc ran;
- what each writer made is there: its artifact listed, the pulled files and the tensor equal to the
  peer's, the new name resolving to its target;
- `cairn fsck` exits 0: every block whole, every listed artifact whole, every name backed by its record;
- every listed artifact verifies (`cairn verify`), each new one in the round it first appears;
- nothing listed before is gone.

A last gc runs once the writers are done, the same checks after it, and the gc runs must have
collected something (at least what the `show` runs cached).

The race runs with the home's index in SQLite and in a PostgreSQL database (the shared index of
docs/architecture.md; the peer keeps its own). ``CAIRN_GC_RACE_ROUNDS`` sets the number of rounds
(CI: 4, and half as many on PostgreSQL: about 80 s together on two busy cores);
``CAIRN_GC_RACE_ROUNDS=100 .venv/bin/pytest tests/hardening/test_gc_races.py`` is a long run.
"""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.api.server import CairnServer, running_server
from tests.cli.helpers import cairn, cairn_process
from tests.data import small_model, write_safetensors
from tests.hardening.summary import SUMMARY

ROUNDS = int(os.environ.get("CAIRN_GC_RACE_ROUNDS", "4"))
GC_LANES = 2
GC_GAP = 0.25  # seconds: each gc lane waits up to this long, at random, before its next gc
TENSOR = "layers.1.weight"
PEER_SEED = 3000  # the peer's artifact of round r is made from seed PEER_SEED + r


# --- inputs ---------------------------------------------------------------------------------------


def make_folder(path: Path, seed: int) -> Path:
    """A small model folder: 4 MiB of safetensors (so a writer takes a while), a config, and a file
    every folder shares (deduplicated against the artifacts stored before)."""
    path.mkdir(parents=True)
    write_safetensors(path / "model.safetensors", small_model(seed=seed, layers=4))
    (path / "config.json").write_text(f'{{"seed": {seed}}}')
    (path / "shared.txt").write_text("the same in every folder\n" * 2000)
    return path


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}  # fmt: skip


@dataclass
class Inputs:
    """What every round's writers need, made before the race starts."""

    publish: list[Path] = field(default_factory=list)
    upload: list[Path] = field(default_factory=list)
    peer: list[tuple[str, Path]] = field(default_factory=list)  # artifacts only the peer holds, pulled
    cached: list[str] = field(default_factory=list)  # artifacts only the peer holds, only shown
    car: list[tuple[Path, str]] = field(default_factory=list)  # a CAR file and its root, for `car import`
    rest_car: list[tuple[bytes, str]] = field(default_factory=list)  # a CAR body and its root, for POST /v1/car


def make_inputs(work: Path, peer_home: Path, rounds: int) -> Inputs:
    from cairn import Cairn

    inputs = Inputs()
    with Cairn(home=peer_home) as peer, Cairn(home=work / "car-source") as source:
        for r in range(rounds):
            inputs.publish.append(make_folder(work / "in" / f"publish-{r}", 1000 + r))
            inputs.upload.append(make_folder(work / "in" / f"upload-{r}", 2000 + r))
            folder = make_folder(work / "in" / f"peer-{r}", PEER_SEED + r)
            inputs.peer.append((str(peer.publish(folder, name=f"peer-{r}").cid), folder))
            shown = make_folder(work / "in" / f"shown-{r}", 6000 + r)
            inputs.cached.append(str(peer.publish(shown, name=f"shown-{r}").cid))
            for kind, seed in (("car", 4000 + r), ("rest-car", 5000 + r)):
                cid = source.publish(make_folder(work / "in" / f"{kind}-{r}", seed), name=f"{kind}-{r}").cid
                car = work / "in" / f"{kind}-{r}.car"
                source.export_car(cid, car)
                if kind == "car":
                    inputs.car.append((car, str(cid)))
                else:
                    inputs.rest_car.append((car.read_bytes(), str(cid)))
    return inputs


# --- writers: each started, then waited for; ``check`` says what it made and whether it is there --


class Writer:
    what = ""
    made: str | None = None  # the CID of the artifact it stored, once it succeeded

    def start(self) -> None:
        raise NotImplementedError

    def running(self) -> bool:
        raise NotImplementedError

    def finish(self) -> str | None:
        """Wait for the writer; a failure's description, or None."""
        raise NotImplementedError

    def check(self, home: Path) -> str | None:
        """After the round: whether what it made is still all there (beyond fsck and verify)."""
        return None


class CliWriter(Writer):
    """A `cairn` command, as its own process on the home."""

    def __init__(self, home: Path, *args: str | Path) -> None:
        self.home, self.args = home, args
        self.proc: subprocess.Popen[str] | None = None
        self.out = ""

    def start(self) -> None:
        env = {**os.environ, "CAIRN_HOME": str(self.home)}
        self.proc = subprocess.Popen([sys.executable, "-m", "cairn.cli.main", *map(str, self.args)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def finish(self) -> str | None:
        assert self.proc is not None
        self.out, err = self.proc.communicate(timeout=300)
        if self.proc.returncode != 0:
            return f"`cairn {' '.join(map(str, self.args))}` exited {self.proc.returncode}: {err.strip()[-400:]}"
        return self.succeeded()

    def succeeded(self) -> str | None:
        return None


class Publish(CliWriter):
    what = "publish"

    def __init__(self, home: Path, folder: Path) -> None:
        super().__init__(home, "publish", folder, "--name", folder.name, "--json")

    def succeeded(self) -> str | None:
        import json

        self.made = json.loads(self.out)["cid"]
        return None


class Pull(CliWriter):
    what = "pull --from a peer"

    def __init__(self, home: Path, peer: CairnServer, cid: str, source: Path, out: Path) -> None:
        super().__init__(home, "pull", cid, "--from", peer.url, "-o", out)
        self.cid, self.source, self.target = cid, source, out

    def succeeded(self) -> str | None:
        if digest(self.target) != digest(self.source):
            return f"pulled {self.target} differs from the peer's {self.source.name}"
        self.made = self.cid
        return None


class Tensor(CliWriter):
    what = "tensor --from a peer (the block cache)"

    def __init__(self, home: Path, peer: CairnServer, cid: str, seed: int, out: Path) -> None:
        super().__init__(home, "tensor", cid, "model.safetensors", TENSOR, "-o", out, "--from", peer.url)
        self.seed, self.target = seed, out

    def succeeded(self) -> str | None:
        if not np.array_equal(np.load(self.target), small_model(seed=self.seed, layers=4)[TENSOR]):
            return f"the tensor read into {self.target} is not the peer's"
        return None


class Show(CliWriter):
    what = "show --from a peer (cached, never kept)"

    def __init__(self, home: Path, peer: CairnServer, cid: str) -> None:
        super().__init__(home, "show", cid, "--from", peer.url, "--json")
        self.cid = cid

    def succeeded(self) -> str | None:
        import json

        shown = json.loads(self.out)["cid"]
        return None if shown == self.cid else f"show answered {shown}, not {self.cid}"


class CarImport(CliWriter):
    what = "car import"

    def __init__(self, home: Path, car: Path, root: str) -> None:
        super().__init__(home, "car", "import", car, "--json")
        self.root = root

    def succeeded(self) -> str | None:
        import json

        artifacts = json.loads(self.out)["artifacts"]
        if artifacts != [self.root]:
            return f"car import registered {artifacts}, not {self.root}"
        self.made = self.root
        return None


class NameSet(CliWriter):
    what = "name set"

    def __init__(self, home: Path, name: str, target: str) -> None:
        super().__init__(home, "name", "set", name, target, "--json")
        self.name, self.target = name, target

    def check(self, home: Path) -> str | None:
        claims = cairn_process("name", "list", self.name, "--json", home=home)
        resolved = [c["target"] for c in claims.json() if c["resolves"]] if claims.code == 0 else claims.err
        return None if resolved == [self.target] else f"name {self.name} resolves to {resolved}, not {self.target}"


class Http(Writer):
    """One request to the home's own `cairn serve`, on a thread."""

    def __init__(self, what: str, send: Callable[[], httpx.Response], root: Callable[[Any], str]) -> None:
        self.what, self.send, self.root = what, send, root
        self.reply: httpx.Response | BaseException | None = None
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            self.reply = self.send()
        except BaseException as exc:  # handed to finish()
            self.reply = exc

    def start(self) -> None:
        self.thread.start()

    def running(self) -> bool:
        return self.thread.is_alive()

    def finish(self) -> str | None:
        self.thread.join(300)
        if not isinstance(self.reply, httpx.Response) or self.reply.status_code != 201:
            text = self.reply.text[-400:] if isinstance(self.reply, httpx.Response) else ""
            return f"{self.what} failed: {self.reply!r} {text}"
        self.made = self.root(self.reply.json())
        return None


def upload(server: CairnServer, token: str, folder: Path) -> Http:
    files = [("files", (p.name, p.read_bytes())) for p in sorted(folder.iterdir())]
    auth = {"Authorization": f"Bearer {token}"}
    return Http("POST /v1/artifacts",
                lambda: httpx.post(f"{server.url}/v1/artifacts", files=files, data={"name": folder.name},
                                   headers=auth, timeout=300),
                lambda answer: answer["cid"])  # fmt: skip


def post_car(server: CairnServer, token: str, body: bytes) -> Http:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/vnd.ipld.car"}
    return Http("POST /v1/car",
                lambda: httpx.post(f"{server.url}/v1/car", content=body, headers=headers, timeout=300),
                lambda answer: answer["artifacts"][0])  # fmt: skip


# --- gc, at random moments, until the writers are done --------------------------------------------


@dataclass
class GcLanes:
    """``GC_LANES`` threads, each running `cairn gc` (a process) after a random pause, again and
    again, until the round's writers are done."""

    home: Path
    rng: random.Random
    runs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def _lane(self, seed: int) -> None:
        rng = random.Random(seed)
        env = {**os.environ, "CAIRN_HOME": str(self.home)}
        while True:
            time.sleep(rng.uniform(0, GC_GAP))
            if self.done.is_set():
                return
            self.runs.append(subprocess.run([sys.executable, "-m", "cairn.cli.main", "gc", "--json"], env=env,
                                            capture_output=True, text=True, timeout=300))  # fmt: skip

    def __enter__(self) -> GcLanes:
        self.threads = [threading.Thread(target=self._lane, args=(self.rng.random(),)) for _ in range(GC_LANES)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()


# --- the race -------------------------------------------------------------------------------------


@dataclass
class Race:
    rounds: int
    home: Path
    work: Path
    inputs: Inputs
    peer: CairnServer
    server: CairnServer
    token: str
    rng: random.Random
    listed: set[str] = field(default_factory=set)
    verified: set[str] = field(default_factory=set)
    gcs: int = 0
    blocks_removed: int = 0

    def writers(self, r: int) -> list[Writer]:
        peer_cid, peer_folder = self.inputs.peer[r]
        car, car_root = self.inputs.car[r]
        body, _ = self.inputs.rest_car[r]
        out = self.work / "out" / str(r)
        out.mkdir(parents=True)
        writers: list[Writer] = [
            Publish(self.home, self.inputs.publish[r]),
            Pull(self.home, self.peer, peer_cid, peer_folder, out / "pulled"),
            Tensor(self.home, self.peer, peer_cid, PEER_SEED + r, out / "tensor.npy"),
            Show(self.home, self.peer, self.inputs.cached[r]),
            CarImport(self.home, car, car_root),
            NameSet(self.home, f"tag-{r}", self.rng.choice(sorted(self.listed))),
            upload(self.server, self.token, self.inputs.upload[r]),
            post_car(self.server, self.token, body),
        ]
        self.rng.shuffle(writers)  # who starts first, and so who is writing when a gc starts, varies
        return writers

    def play(self, r: int, capsys: pytest.CaptureFixture[str]) -> None:
        writers = self.writers(r)
        with GcLanes(self.home, self.rng) as lanes:
            for writer in writers:
                writer.start()
                time.sleep(self.rng.uniform(0, 0.05))
            failures = [f"{w.what}: {problem}" for w in writers if (problem := w.finish())]
        failures += [f"`cairn gc` exited {run.returncode}: {run.stderr.strip()[-400:]}"
                     for run in lanes.runs if run.returncode != 0]  # fmt: skip
        self.gcs += len(lanes.runs)
        self.blocks_removed += sum(_removed(run) for run in lanes.runs if run.returncode == 0)
        failures += self.check(writers, capsys)
        assert not failures, f"round {r + 1} of {self.rounds}, {len(lanes.runs)} gc runs:\n" + "\n".join(failures)

    def check(self, writers: list[Writer], capsys: pytest.CaptureFixture[str]) -> list[str]:
        """The home after the round: the real commands, through the CLI's entry point."""
        problems = [f"{w.what}: {problem}" for w in writers if (problem := w.check(self.home))]
        fsck = cairn(capsys, "fsck", "--json")
        if fsck.code != 0:
            problems.append(f"`cairn fsck` exited {fsck.code}: {fsck.out[-1500:]} {fsck.err[-300:]}")
        listed = {row["cid"] for row in cairn(capsys, "ls", "--json").json()}
        problems += [f"{cid}, listed before, is gone" for cid in sorted(self.listed - listed)]
        problems += [f"{w.what} made {w.made}, which is not listed" for w in writers if w.made and w.made not in listed]
        made_by = {w.made: w.what for w in writers if w.made}
        for cid in sorted(listed - self.verified):
            verified = cairn(capsys, "verify", cid)
            if verified.code != 0:
                maker = made_by.get(cid, "an earlier round, or a writer that failed")
                problems.append(f"{cid} (made by {maker}) does not verify: {verified.err.strip()[-400:]}")
            else:
                self.verified.add(cid)
        self.listed = listed
        return problems

    def last_gc(self, capsys: pytest.CaptureFixture[str]) -> None:
        """One more gc once every writer is done (so the last round's cache goes too), then the checks."""
        run = cairn_process("gc", "--json", home=self.home)
        assert run.code == 0, run.err
        self.gcs += 1
        self.blocks_removed += int(run.json()["blocks_removed"])
        problems = self.check([], capsys)
        assert not problems, "after the last gc:\n" + "\n".join(problems)


def _removed(run: subprocess.CompletedProcess[str]) -> int:
    import json

    return int(json.loads(run.stdout)["blocks_removed"])


@pytest.fixture
def race(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path, tmp_path: Path,
         index_url: str | None) -> Iterator[Race]:  # fmt: skip
    """The home (its index as ``index_url`` says), a peer server with its own home and index, the
    home's own server, a write token, a first artifact, and every round's inputs."""
    peer_home = tmp_path / "peer"
    rounds = ROUNDS if index_url is None else max(1, ROUNDS // 2)
    with monkeypatch.context() as peer_env:
        peer_env.delenv("CAIRN_INDEX_URL", raising=False)  # the peer keeps its own index
        inputs = make_inputs(tmp_path, peer_home, rounds)
    token = cairn(capsys, "token", "new", "--scope", "write").last_line
    first = make_folder(tmp_path / "in" / "baseline", 1)
    published = cairn(capsys, "publish", first, "--json")
    assert published.code == 0, published.err
    baseline = published.json()["cid"]
    with running_server(peer_home, env={"CAIRN_INDEX_URL": ""}) as peer, running_server(home) as server:
        yield Race(rounds, home, tmp_path, inputs, peer, server, token, random.Random(17), {baseline})


@pytest.mark.timeout(900)
def test_gc_racing_every_writer_loses_nothing(race: Race, capsys: pytest.CaptureFixture[str],
                                              index_url: str | None) -> None:  # fmt: skip
    started = time.monotonic()
    for r in range(race.rounds):
        race.play(r, capsys)
    race.last_gc(capsys)
    assert race.blocks_removed > 0, "no gc collected anything, not even the blocks `show --from` cached"
    backend = "SQLite" if index_url is None else "PostgreSQL"
    SUMMARY.append(f"gc races ({backend} index): {race.rounds} rounds of 8 writers, {race.gcs} gc runs"
                   f" ({race.blocks_removed} blocks collected), {len(race.listed)} artifacts listed and verified,"
                   f" {time.monotonic() - started:.0f}s")  # fmt: skip
