"""Publishing to a real arlocal gateway: wallets, confirmed uploads tagged for GraphQL, incremental
uploads, confirmations, recovery from the CID alone in an empty home, and faults (a paused or
restarted gateway, a killed upload, a gateway that lies)."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from cairn.chunking.car import read_blocks, read_header
from cairn.chunking.cid import CID
from cairn.chunking.varint import encode_varint
from cairn.storage.arweave import new_jwk, write_jwk
from tests.cli.helpers import cairn, cairn_process
from tests.data import random_bytes, small_model, write_safetensors
from tests.services.arlocal import Arlocal

pytestmark = pytest.mark.arweave

Capsys = pytest.CaptureFixture[str]
FUNDS = 10**15  # winston (arlocal keeps balances as doubles: exact below 2**53); it asks ~65.6 M a kB
GRAPHQL = """query($tags: [TagFilter!]) { transactions(tags: $tags, first: 100) {
  edges { node { id data { size type } tags { name value } owner { address } } } } }"""


@pytest.fixture(scope="session")
def jwk_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA-4096 wallet for the session (generating one takes seconds)."""
    path = tmp_path_factory.mktemp("wallet") / "wallet.json"
    write_jwk(path, new_jwk())
    return path


@pytest.fixture
def ar_home(home: Path, arlocal: Arlocal, jwk_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capsys) -> str:
    """A home with the gateway configured and a funded wallet imported; returns its address."""
    monkeypatch.setenv("CAIRN_ARWEAVE_URL", arlocal.url)
    for name in ("WALLET", "TX_BYTES", "TIMEOUT", "RETRY_SECONDS"):
        monkeypatch.delenv(f"CAIRN_ARWEAVE_{name}", raising=False)
    imported = cairn(capsys, "wallet", "import", jwk_file)
    assert imported.code == 0, imported.err
    address = imported.last_line
    if arlocal.balance(address) < FUNDS // 2:  # one wallet for the session, topped up, kept below 2**53
        arlocal.mint(address, FUNDS - arlocal.balance(address))
    return address


def _publish(capsys: Capsys, path: Path, *extra: str) -> dict[str, Any]:
    result = cairn(capsys, "publish", path, "--json", *extra)
    assert result.code == 0, result.err
    return dict(result.json())


def _model(folder: Path, seed: int = 11, layers: int = 4) -> Path:
    write_safetensors(folder / "model.safetensors", small_model(seed=seed, layers=layers))
    (folder / "config.json").write_text('{"hidden": 256}')
    return folder


def _pin(capsys: Capsys, cid: str, *extra: str) -> dict[str, Any]:
    result = cairn(capsys, "pin", cid, "--to", "arweave", "--yes", "--json", *extra)
    assert result.code == 0, result.err
    return dict(result.json())


def _found(arlocal: Arlocal, **tags: str) -> list[dict[str, Any]]:
    variables = {"tags": [{"name": k.replace("_", "-"), "values": [v]} for k, v in tags.items()]}
    answer = httpx.post(f"{arlocal.url}/graphql", json={"query": GRAPHQL, "variables": variables}, timeout=30)
    return [edge["node"] for edge in answer.json()["data"]["transactions"]["edges"]]


def _index_rows(home: Path, query: str) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(home / "index.sqlite", timeout=5) as db:
            return db.execute(query).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def _block_bytes(home: Path, cid: str) -> dict[bytes, int]:
    """Every block of an artifact in ``home``, with its length (through the store's own walk)."""
    from cairn.lineage.repo import Repo
    from cairn.lineage.workflows.carfile import iter_artifact_blocks

    repo = Repo.open(home)
    try:
        return {c.raw: len(data) for c, data in iter_artifact_blocks(repo.store, CID.parse(cid))}
    finally:
        repo.close()


# -- wallet ----------------------------------------------------------------------------------------


def test_wallet_new_import_show_never_reveal_the_key(
    capsys: Capsys,
    home: Path,
    arlocal: Arlocal,
    jwk_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CAIRN_ARWEAVE_URL", arlocal.url)
    created = cairn(capsys, "wallet", "new")
    assert created.code == 0, created.err
    path = home / "keys" / "arweave.json"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    secret = json.loads(path.read_text())["d"]
    address = created.last_line
    assert len(address) == 43
    arlocal.mint(address, 12345)
    shown = cairn(capsys, "wallet", "show", "--json")
    assert shown.code == 0 and shown.json()["address"] == address and shown.json()["balance"] == 12345
    again = cairn(capsys, "wallet", "new")
    assert again.code == 2 and address in again.err  # never replaced silently
    imported = cairn(capsys, "wallet", "import", jwk_file, "--force")
    assert imported.code == 0 and imported.last_line != address
    assert cairn(capsys, "wallet", "show").last_line == imported.last_line
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({"kty": "RSA", "n": "x", "e": "AQAB", "d": "top-secret-value"}))
    refused = cairn(capsys, "wallet", "import", bogus, "--force")
    assert refused.code == 2 and len(refused.err.strip().splitlines()) == 1
    outputs = created.out + created.err + shown.out + shown.err + again.err + imported.out + imported.err + refused.err
    assert secret not in outputs and "top-secret-value" not in outputs
    assert json.loads(jwk_file.read_text())["d"] not in outputs


# -- pin: confirmation, price, tags ---------------------------------------------------------------


def test_pin_says_what_becomes_public_asks_then_uploads_tagged_cars(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    info = _publish(capsys, _model(tmp_path / "m"), "--name", "tagged-model", "--version", "2", "--license", "mit")
    before = arlocal.balance(ar_home)
    unanswered = cairn(capsys, "pin", info["cid"], "--to", "arweave")  # no terminal, no --yes
    assert unanswered.code == 2 and "--yes" in unanswered.err
    assert "public and permanent" in unanswered.err and "tagged-model 2 (model, license mit)" in unanswered.err
    declined = cairn_process("pin", info["cid"], "--to", "arweave", home=home, input="n\n")
    assert declined.code == 1 and "nothing was uploaded" in declined.err
    assert arlocal.balance(ar_home) == before and _index_rows(home, "SELECT * FROM arweave_txs") == []

    monkeypatch.setenv("CAIRN_ARWEAVE_TX_BYTES", str(1 << 20))  # several transactions
    accepted = cairn_process("pin", info["cid"], "--to", "arweave", "--json", home=home, input="y\n")
    assert accepted.code == 0, accepted.err
    result = accepted.json()
    cars = [t for t in result["transactions"] if t["role"] == "car"]
    assert len(cars) >= 3 and [t["role"] for t in result["transactions"]][-1] == "map"
    prices = [int(httpx.get(f"{arlocal.url}/price/{t['bytes']}").text) for t in result["transactions"]]
    assert result["price_winston"] == sum(prices) == sum(t["reward_winston"] for t in result["transactions"])
    assert f"price     {result['price_winston']} winston" in accepted.err
    assert before - arlocal.balance(ar_home) == result["price_winston"]
    secret = json.loads((home / "keys" / "arweave.json").read_text())["d"]
    assert secret not in accepted.out + accepted.err and secret.encode() not in (home / "index.sqlite").read_bytes()

    found = {node["id"]: node for node in _found(arlocal, Cairn_Root=info["cid"], App_Name="Cairn")}
    assert set(found) == {t["id"] for t in result["transactions"]}
    for car in cars:
        tags = {tag["name"]: tag["value"] for tag in found[car["id"]]["tags"]}
        assert tags["Content-Type"] == "application/vnd.ipld.car" and found[car["id"]]["data"]["size"] == str(
            car["bytes"]
        )
        assert (tags["Cairn-Kind"], tags["Cairn-Name"], tags["Cairn-License"], tags["Cairn-Type"]) == (
            "model",
            "tagged-model",
            "mit",
            "car",
        )
        assert tags["App-Version"] and tags["Cairn-Root"] == info["cid"]
    blocks: dict[bytes, int] = {}
    for car in cars:  # every part is a CAR v1 of the artifact whose blocks all check
        data = io.BytesIO(httpx.get(f"{arlocal.url}/{car['id']}").content)
        assert read_header(data).roots == [CID.parse(info["cid"])]
        blocks.update({cid.raw: len(block) for cid, block in read_blocks(data)})
    assert blocks == _block_bytes(home, info["cid"])


def test_private_artifacts_never_reach_arweave(
    capsys: Capsys, ar_home: str, arlocal: Arlocal, home: Path, tmp_path: Path
) -> None:
    (tmp_path / "secret.txt").write_text("internal")
    info = _publish(capsys, tmp_path / "secret.txt", "--private")
    refused = cairn(capsys, "pin", info["cid"], "--to", "arweave", "--yes")
    assert refused.code == 2 and "private" in refused.err
    assert _found(arlocal, Cairn_Root=info["cid"]) == [] and _index_rows(home, "SELECT * FROM arweave_txs") == []


def test_unpin_from_arweave_is_impossible(capsys: Capsys, ar_home: str, tmp_path: Path) -> None:
    info = _publish(capsys, _model(tmp_path / "m", seed=3, layers=1))
    _pin(capsys, info["cid"])
    result = cairn(capsys, "unpin", info["cid"], "--from", "arweave")
    assert result.code == 2 and "permanent" in result.err


# -- confirmations -----------------------------------------------------------------------------------


def test_pins_shows_each_transaction_pending_then_confirmed(
    capsys: Capsys, ar_home: str, arlocal: Arlocal, tmp_path: Path
) -> None:
    info = _publish(capsys, _model(tmp_path / "m", seed=5, layers=2))
    pinned = _pin(capsys, info["cid"])
    ids = [t["id"] for t in pinned["transactions"]]
    assert [t["state"] for t in pinned["transactions"]] == ["pending", "pending"]

    def listed() -> list[dict[str, Any]]:
        rows = [p for p in cairn(capsys, "pins", "--json").json() if p["remote"] == "arweave"]
        assert [(p["cid"], p["state"]) for p in rows] == [(info["cid"], "pinned")]
        assert [t["id"] for t in rows[0]["transactions"]] == ids
        return list(rows[0]["transactions"])

    assert {t["state"] for t in listed()} == {"pending"}
    arlocal.mine()
    first = listed()
    assert {t["state"] for t in first} == {"confirmed"}
    arlocal.mine(3)
    later = listed()
    assert [t["confirmations"] - f["confirmations"] for t, f in zip(later, first, strict=True)] == [3, 3]
    text = cairn(capsys, "pins").out
    assert f"confirmed ({later[0]['confirmations']} confirmations)" in text and ids[0] in text
    assert _pin(capsys, info["cid"])["transactions"] == []  # all there: nothing paid again


# -- incremental -------------------------------------------------------------------------------------


def _car_size(roots: list[str], blocks: dict[bytes, int]) -> int:
    from cairn.chunking.car import encode_header

    sections = sum(len(encode_varint(len(raw) + n)) + len(raw) + n for raw, n in blocks.items())
    return len(encode_header([CID.parse(r) for r in roots])) + sections


def test_fine_tune_uploads_only_its_changed_blocks(
    capsys: Capsys, ar_home: str, arlocal: Arlocal, home: Path, tmp_path: Path
) -> None:
    tensors = small_model(seed=21, layers=8)  # eight 1 MiB float32 tensors
    model = tmp_path / "base"
    write_safetensors(model / "model.safetensors", tensors, {"format": "pt"})
    (model / "config.json").write_text('{"hidden": 256, "layers": 8}')
    (model / "tokenizer.json").write_bytes(random_bytes(300_000, seed=22))
    base = _publish(capsys, model, "--name", "tiny-lm", "--version", "1", "--license", "apache-2.0")
    first = _pin(capsys, base["cid"])
    assert first["bytes_saved"] == 0 and first["bytes_sent"] >= base["bytes_total"]

    tuned = tmp_path / "tuned"
    tuned.mkdir()
    for name in ("config.json", "tokenizer.json"):
        (tuned / name).write_bytes((model / name).read_bytes())
    name = "layers.5.weight"
    tensors[name] = tensors[name] + np.float32(0.01)  # one tensor fine-tuned
    write_safetensors(tuned / "model.safetensors", tensors, {"format": "pt"})
    derived = _publish(
        capsys, tuned, "--name", "tiny-lm", "--version", "2", "--license", "apache-2.0", "--derived-from", base["cid"]
    )
    before = arlocal.balance(ar_home)
    second = _pin(capsys, derived["cid"])

    old_blocks = _block_bytes(home, base["cid"])
    new_blocks = {raw: n for raw, n in _block_bytes(home, derived["cid"]).items() if raw not in old_blocks}
    assert second["bytes_sent"] == _car_size([derived["cid"]], new_blocks)  # exactly the new blocks, as one CAR
    assert second["blocks_sent"] == len(new_blocks)
    cars = [t for t in second["transactions"] if t["role"] == "car"]
    assert sum(int(str(arlocal.tx(t["id"])["data_size"])) for t in cars) == second["bytes_sent"]
    changed = tensors[name].nbytes
    assert second["bytes_sent"] < changed + (64 << 10)  # the tensor, the header, a few DAG nodes and the record
    assert second["bytes_saved"] > base["bytes_total"] - changed - (64 << 10)
    assert before - arlocal.balance(ar_home) == second["price_winston"]
    print(
        f"\nincremental: base {first['bytes_sent']} B uploaded; fine-tune {second['bytes_sent']} B uploaded "
        f"(+{second['map_bytes']} B block map), {second['bytes_saved']} B saved; changed tensor {changed} B"
    )

    arlocal.mine()
    fresh = tmp_path / "fresh"
    pulled = cairn_process("pull", derived["cid"], "--from", "arweave", "-o", tmp_path / "out", home=fresh)
    assert pulled.code == 0, pulled.err
    for entry in derived["files"]:  # blocks of both uploads, found through the newest block map
        assert (tmp_path / "out" / entry["path"]).read_bytes() == (tuned / entry["path"]).read_bytes()


# -- recovery from the CID alone ------------------------------------------------------------------------


def test_recovery_in_an_empty_home_from_the_cid_and_a_gateway(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base_dir = tmp_path / "base"
    (base_dir / "data").mkdir(parents=True)
    (base_dir / "data" / "train.csv").write_bytes(random_bytes(900_000, seed=7))
    (base_dir / "README.md").write_text("a dataset")
    base = _publish(capsys, base_dir, "--name", "corpus", "--kind", "dataset", "--license", "cc-by-4.0")
    child = _publish(capsys, _model(tmp_path / "m", seed=8), "--name", "trained", "--derived-from", base["cid"])
    _pin(capsys, child["cid"], "--with-ancestors")
    arlocal.mine()

    for name, extra in (("fresh", ["--with-ancestors"]), ("plain", [])):
        home = tmp_path / name  # nothing but the CID and the gateway URL
        env = {"CAIRN_ARWEAVE_URL": arlocal.url}
        pulled = cairn_process(
            "pull", child["cid"], "--from", "arweave", *extra, "-o", tmp_path / f"{name}-out", home=home, env=env
        )
        assert pulled.code == 0, pulled.err
        for entry in child["files"]:
            assert (tmp_path / f"{name}-out" / entry["path"]).read_bytes() == (
                tmp_path / "m" / entry["path"]
            ).read_bytes()
        verified = cairn_process("verify", child["cid"], "--json", home=home, env=env)
        assert (verified.code == 0) == bool(extra), verified.out + verified.err  # ancestors are needed to verify
    listed = cairn_process("ls", "--json", home=tmp_path / "fresh").json()
    assert sorted(a["name"] for a in listed) == ["corpus", "trained"]
    ancestor = cairn_process(
        "pull",
        base["cid"],
        "--from",
        "arweave",
        "-o",
        tmp_path / "anc",
        home=tmp_path / "third",
        env={"CAIRN_ARWEAVE_URL": arlocal.url},
    )
    assert ancestor.code == 0, ancestor.err  # found by its own CID: the upload is tagged with every root
    assert (tmp_path / "anc" / "data" / "train.csv").read_bytes() == (base_dir / "data" / "train.csv").read_bytes()
    missing = cairn_process(
        "pull",
        "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
        "--from",
        "arweave",
        home=tmp_path / "fourth",
        env={"CAIRN_ARWEAVE_URL": arlocal.url},
    )
    assert missing.code == 1 and "not found on Arweave" in missing.err


# -- faults ----------------------------------------------------------------------------------------------


class _Gateway:
    """A proxy in front of arlocal that behaves as another gateway would: ``lie`` flips one byte in
    the middle of every CAR it serves; ``ranges`` answers ``Range`` requests with 206 and just
    those bytes (as arweave.net does, and arlocal does not)."""

    def __init__(self, upstream: str, mode: str) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.relay(self, "GET", None)

            def do_POST(self) -> None:
                proxy.relay(self, "POST", self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        self.upstream, self.mode = upstream, mode
        self.lied = self.partial = self.whole = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def relay(self, handler: BaseHTTPRequestHandler, method: str, body: bytes | None) -> None:
        headers = {k: v for k, v in handler.headers.items() if k.lower() == "content-type"}
        answer = httpx.request(method, self.upstream + handler.path, content=body, headers=headers, timeout=60)
        status, data, extra = answer.status_code, answer.content, {}
        is_car = answer.headers.get("content-type", "").startswith("application/vnd.ipld.car")
        if is_car and self.mode == "lie" and len(data) > 1000:
            flipped = bytearray(data)
            flipped[len(data) // 2] ^= 0xFF
            data = bytes(flipped)
            self.lied += 1
        wanted = handler.headers.get("Range", "")
        if is_car and self.mode == "ranges" and wanted.startswith("bytes="):
            first, last = (int(x) for x in wanted[6:].split("-"))
            last = min(last, len(data) - 1)
            status, extra = 206, {"Content-Range": f"bytes {first}-{last}/{len(data)}"}
            data = data[first : last + 1]
            self.partial += 1
        elif is_car:
            self.whole += 1
        handler.send_response(status)
        handler.send_header("Content-Type", answer.headers.get("content-type", "application/octet-stream"))
        for name, value in extra.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_gateway_returning_wrong_bytes_is_caught_and_nothing_is_written(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "weights.bin").write_bytes(random_bytes(3 << 20, seed=31))
    info = _publish(capsys, folder)
    _pin(capsys, info["cid"])
    liar = _Gateway(arlocal.url, "lie")
    try:
        fresh = tmp_path / "fresh"
        pulled = cairn_process(
            "pull",
            info["cid"],
            "--from",
            "arweave",
            "-o",
            tmp_path / "out",
            home=fresh,
            env={"CAIRN_ARWEAVE_URL": liar.url},
        )
    finally:
        liar.close()
    assert liar.lied > 0
    assert pulled.code == 1 and "do not match" in pulled.err and len(pulled.err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
    assert cairn_process("fsck", home=fresh).code == 0  # whatever was stored there checked out
    good = cairn_process(
        "pull",
        info["cid"],
        "--from",
        "arweave",
        "-o",
        tmp_path / "out",
        home=fresh,
        env={"CAIRN_ARWEAVE_URL": arlocal.url},
    )
    assert good.code == 0 and (tmp_path / "out" / "weights.bin").read_bytes() == (folder / "weights.bin").read_bytes()


def test_a_gateway_that_serves_ranges_is_read_in_ranges(
    capsys: Capsys, ar_home: str, arlocal: Arlocal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cairn.storage import arweave_store

    monkeypatch.setattr(arweave_store, "READ_AHEAD", 1 << 20)  # several windows for 6 MiB
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "a.bin").write_bytes(random_bytes(6 << 20, seed=41))
    info = _publish(capsys, folder)
    _pin(capsys, info["cid"])
    ranged = _Gateway(arlocal.url, "ranges")
    try:
        monkeypatch.setenv("CAIRN_ARWEAVE_URL", ranged.url)
        monkeypatch.setenv("CAIRN_HOME", str(tmp_path / "fresh"))
        pulled = cairn(capsys, "pull", info["cid"], "--from", "arweave", "-o", tmp_path / "out")
    finally:
        ranged.close()
    assert pulled.code == 0, pulled.err
    assert (tmp_path / "out" / "a.bin").read_bytes() == (folder / "a.bin").read_bytes()
    assert ranged.partial >= 6 and ranged.whole == 0  # windows of the CAR, never all of it


def test_an_unreachable_gateway_is_one_clear_error_at_once(
    capsys: Capsys, ar_home: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = _publish(capsys, _model(tmp_path / "m", seed=9, layers=1))
    monkeypatch.setenv("CAIRN_ARWEAVE_URL", "http://127.0.0.1:9")  # the discard port: nothing listens
    started = time.monotonic()
    pull = ("pull", info["cid"], "--from", "arweave", "--home", tmp_path / "fresh", "-o", tmp_path / "out")
    for args in (("pin", info["cid"], "--to", "arweave", "--yes"), pull):
        result = cairn(capsys, *args)
        assert result.code == 1 and len(result.err.strip().splitlines()) == 1, result.err
        assert "Arweave gateway is not reachable at http://127.0.0.1:9" in result.err
    assert time.monotonic() - started < 10  # no retrying a gateway that never answered
    assert not (tmp_path / "out").exists()


def _big_artifact(capsys: Capsys, tmp_path: Path, seed: int) -> dict[str, Any]:
    """6 MiB in two files: arlocal slows down with every chunk it holds (it reads them all to
    place each new one), so the fault tests upload only what they need to be interrupted."""
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(2):
        (folder / f"shard{i}.bin").write_bytes(random_bytes(3 << 20, seed=seed + i))
    return _publish(capsys, folder)


def _start_pin(home: Path, cid: str, env: dict[str, str]) -> subprocess.Popen[str]:
    full = {**os.environ, "CAIRN_HOME": str(home), **env}
    return subprocess.Popen(
        [sys.executable, "-m", "cairn.cli.main", "pin", cid, "--to", "arweave", "--yes", "--json"],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_chunks(home: Path, proc: subprocess.Popen[str], chunks: int) -> str:
    """Wait until some transaction is mid-upload with at least ``chunks`` chunks sent; its id."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        rows = _index_rows(home, "SELECT tx_id, chunks_done, chunks_total FROM arweave_txs WHERE state = 'uploading'")
        for tx_id, done, total in rows:
            if chunks <= done < total - 2:
                return str(tx_id)
        time.sleep(0.01)
    raise AssertionError(f"no upload reached {chunks} chunks (exit {proc.poll()})")


def _paid_once(arlocal: Arlocal, home: Path, cid: str, address: str, before: int) -> None:
    """Each transaction in the index is on the gateway once, and the wallet paid exactly for them."""
    rows = _index_rows(home, f"SELECT tx_id, reward, state FROM arweave_txs WHERE cid = '{cid}'")
    assert {state for _, _, state in rows} == {"pending"}
    assert sorted(node["id"] for node in _found(arlocal, Cairn_Root=cid)) == sorted(r[0] for r in rows)
    assert before - arlocal.balance(address) == sum(int(r[1]) for r in rows)


def _reads_back(arlocal: Arlocal, info: dict[str, Any], tmp_path: Path, source: Path) -> None:
    out = tmp_path / "readback"
    pulled = cairn_process(
        "pull",
        info["cid"],
        "--from",
        "arweave",
        "-o",
        out,
        home=tmp_path / "readback-home",
        env={"CAIRN_ARWEAVE_URL": arlocal.url},
    )
    assert pulled.code == 0, pulled.err
    for entry in info["files"]:
        assert (out / entry["path"]).read_bytes() == (source / entry["path"]).read_bytes()


def test_a_paused_gateway_stalls_the_upload_which_then_resumes(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    home: Path,
    tmp_path: Path,
) -> None:
    info = _big_artifact(capsys, tmp_path, seed=50)
    before = arlocal.balance(ar_home)
    proc = _start_pin(
        home,
        info["cid"],
        {"CAIRN_ARWEAVE_TX_BYTES": str(3 << 20), "CAIRN_ARWEAVE_TIMEOUT": "1", "CAIRN_ARWEAVE_RETRY_SECONDS": "60"},
    )
    _wait_for_chunks(home, proc, 3)
    with arlocal.paused():
        time.sleep(4)  # past the 1 s timeout: requests fail and are retried
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "not reachable" in err and "retrying" in err  # the pause was felt
    assert json.loads(out)["bytes_sent"] >= 6 << 20
    _paid_once(arlocal, home, info["cid"], ar_home, before)
    _reads_back(arlocal, info, tmp_path, tmp_path / "big")


def test_a_restarted_gateway_keeps_the_upload_and_the_next_pin_resumes_it(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    home: Path,
    tmp_path: Path,
) -> None:
    info = _big_artifact(capsys, tmp_path, seed=60)
    before = arlocal.balance(ar_home)
    env = {"CAIRN_ARWEAVE_TX_BYTES": str(3 << 20), "CAIRN_ARWEAVE_TIMEOUT": "2", "CAIRN_ARWEAVE_RETRY_SECONDS": "1"}
    proc = _start_pin(home, info["cid"], env)
    interrupted = _wait_for_chunks(home, proc, 3)
    arlocal.stop()
    try:
        _, err = proc.communicate(timeout=60)
        last = err.strip().splitlines()[-1]  # after the plan, and the notice that it was retrying
        assert proc.returncode == 1 and last.startswith("cairn: error: Arweave gateway is not reachable"), err
        listed = cairn(capsys, "pins", "--json").json()
        assert [(p["remote"], p["state"]) for p in listed] == [("arweave", "pinning")]
        assert any(
            t["id"] == interrupted and 0 < t["chunks_done"] < t["chunks_total"] for t in listed[0]["transactions"]
        )
    finally:
        arlocal.start()
    resumed = cairn_process("pin", info["cid"], "--to", "arweave", "--yes", "--json", home=home, env=env)
    assert resumed.code == 0, resumed.err
    assert interrupted in resumed.json()["resumed"] and f"resuming transaction {interrupted} at chunk" in resumed.err
    _paid_once(arlocal, home, info["cid"], ar_home, before)
    _reads_back(arlocal, info, tmp_path, tmp_path / "big")


def test_a_killed_upload_resumes_in_a_new_process_without_paying_again(
    capsys: Capsys,
    ar_home: str,
    arlocal: Arlocal,
    home: Path,
    tmp_path: Path,
) -> None:
    info = _big_artifact(capsys, tmp_path, seed=70)
    before = arlocal.balance(ar_home)
    env = {"CAIRN_ARWEAVE_TX_BYTES": str(16 << 20)}  # one transaction
    proc = _start_pin(home, info["cid"], env)
    interrupted = _wait_for_chunks(home, proc, 5)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    paid = before - arlocal.balance(ar_home)
    assert paid > 0  # the header was accepted and charged
    (done,) = _index_rows(home, f"SELECT chunks_done FROM arweave_txs WHERE tx_id = '{interrupted}'")[0]
    resumed = cairn_process("pin", info["cid"], "--to", "arweave", "--yes", "--json", home=home, env=env)
    assert resumed.code == 0, resumed.err
    result = resumed.json()
    assert result["resumed"] == [interrupted] and f"at chunk {done + 1} of" in resumed.err
    assert [t["role"] for t in result["transactions"]] == ["map"]  # the CAR was not signed (or paid for) again
    _paid_once(arlocal, home, info["cid"], ar_home, before)
    _reads_back(arlocal, info, tmp_path, tmp_path / "big")


@pytest.fixture(autouse=True)
def _no_stray_arlocal_pause(arlocal: Arlocal) -> Iterator[None]:
    """Whatever a fault test did, the next test finds the gateway running and awake."""
    yield
    if arlocal.running:
        arlocal.resume()
    else:
        arlocal.start()
