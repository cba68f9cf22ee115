"""At-rest compression: real float weights shrink about as much as with ZipNN, CIDs and pulled
bytes never change, a block that does not shrink is stored as is, and a damaged or hostile
payload is an error, never a wrong byte or a huge allocation."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cairn.chunking.cid import CID, RAW
from cairn.chunking.multihash import BLAKE3
from cairn.errors import IntegrityError
from cairn.storage.compression import MAX_BLOCK, BlockCompressor, Codec, decompress
from cairn.storage.packstore import PackStore
from tests.cli.helpers import cairn
from tests.data import random_bytes, real_model_as

BLOCK = 256 << 10


def _tensor_bytes(dtype: str, tmp_path: Path) -> bytes:
    path = real_model_as(dtype, tmp_path / f"{dtype}.safetensors")
    data = path.read_bytes()
    (length,) = struct.unpack_from("<Q", data)
    return data[8 + length :]


@pytest.mark.parametrize(("dtype", "at_least"), [("BF16", 1.45), ("F16", 1.15), ("F32", 1.18)])
def test_real_weights_shrink_by_their_float_codec_and_come_back_exactly(
    tmp_path: Path, dtype: str, at_least: float
) -> None:
    """ZipNN 0.5 on the same bytes (bench/compression.py): 1.50, 1.18, 1.22."""
    weights = _tensor_bytes(dtype, tmp_path)
    compressor = BlockCompressor()
    stored = 0.0
    for start in range(0, len(weights), BLOCK):
        block = weights[start : start + BLOCK + 3]  # odd lengths too: a tail past the last whole word
        packed = compressor.compress(block, dtype)
        assert packed is not None and packed[0] in (Codec.FLOAT16, Codec.FLOAT32)
        assert decompress(*packed) == block
        stored += len(packed[1]) * len(weights[start : start + BLOCK]) / len(block)
    assert len(weights) / stored >= at_least


def test_plain_zstd_for_other_blocks_and_raw_when_it_does_not_pay() -> None:
    compressor = BlockCompressor()
    text = b"id,name,city\n" + b"".join(b"%d,airport %d,somewhere\n" % (i, i) for i in range(20_000))
    packed = compressor.compress(text, None)
    assert packed is not None and packed[0] == Codec.ZSTD and decompress(*packed) == text
    assert compressor.compress(random_bytes(BLOCK), None) is None
    assert compressor.compress(random_bytes(BLOCK), "BF16") is None  # noise is noise in any layout
    assert compressor.compress(b"tiny", None) is None


def test_a_compressed_home_publishes_the_same_cids_and_pulls_the_same_bytes(
    capsys, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = real_model_as("BF16", tmp_path / "model" / "model.safetensors").parent
    (model / "config.json").write_text('{"hidden_size": 384}' * 50)
    plain = cairn(capsys, "publish", model, "--json", "--home", tmp_path / "plain").json()
    monkeypatch.setenv("CAIRN_COMPRESSION", "zstd")
    packed = cairn(capsys, "publish", model, "--json").json()
    assert packed["files"] == plain["files"]  # same file CIDs (the manifests differ: each home signs its own)
    assert packed["bytes_total"] == plain["bytes_total"]  # counted uncompressed
    assert _pack_bytes(home) < _pack_bytes(tmp_path / "plain") / 1.4
    assert cairn(capsys, "pull", packed["cid"], "-o", tmp_path / "out").code == 0
    for name in ("model.safetensors", "config.json"):
        assert (tmp_path / "out" / name).read_bytes() == (model / name).read_bytes()
    assert cairn(capsys, "fsck").code == 0 and cairn(capsys, "verify", packed["cid"]).code == 0
    assert cairn(capsys, "gc").code == 0  # a repack re-reads and re-stores compressed blocks
    assert cairn(capsys, "verify", packed["cid"]).code == 0


def test_a_damaged_compressed_block_is_caught_on_read_and_by_fsck(
    capsys, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAIRN_COMPRESSION", "zstd")
    model = real_model_as("F16", tmp_path / "model" / "model.safetensors").parent
    cid = cairn(capsys, "publish", model).last_line
    store = PackStore(home / "blocks")
    raw, offset, length, flags = store.db.execute(
        "SELECT cid, offset, length, flags FROM blocks WHERE flags != 0 ORDER BY length DESC LIMIT 1"
    ).fetchone()
    pack = next((home / "blocks" / "packs").glob("*.pack"))
    with open(pack, "r+b") as handle:
        handle.seek(offset + length // 2)
        byte = handle.read(1)
        handle.seek(offset + length // 2)
        handle.write(bytes([byte[0] ^ 0x55]))
    with pytest.raises(IntegrityError):
        store.get(CID(raw))
    store.close()
    assert flags in (Codec.FLOAT16, Codec.ZSTD)
    assert cairn(capsys, "fsck").code == 1
    assert cairn(capsys, "pull", cid, "-o", tmp_path / "out").code == 1
    assert not (tmp_path / "out").exists()


def test_a_payload_claiming_a_huge_block_is_refused_before_allocating() -> None:
    claim = struct.pack("<I", 0xFFFF_FFF0) + struct.pack("<BI", 0, 4) + b"abcd"
    with pytest.raises(IntegrityError, match="claims"):
        decompress(Codec.FLOAT16, claim)
    import zstandard

    bomb = zstandard.ZstdCompressor(level=19).compress(b"\0" * (MAX_BLOCK * 4))
    with pytest.raises(IntegrityError, match="claims"):
        decompress(Codec.ZSTD, bomb)  # the frame states its size: refused before allocating it
    unsized = zstandard.ZstdCompressor(level=19, write_content_size=False).compress(b"\0" * (MAX_BLOCK * 4))
    with pytest.raises(IntegrityError):
        decompress(Codec.ZSTD, unsized)  # no stated size: decoding stops at the limit


def test_an_unknown_codec_or_setting_is_an_error(capsys, home: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    with pytest.raises(IntegrityError, match="unknown compression"):
        decompress(9, b"whatever")
    monkeypatch.setenv("CAIRN_COMPRESSION", "brotli")
    (tmp_path / "a.txt").write_text("a")
    result = cairn(capsys, "publish", tmp_path / "a.txt")
    assert result.code == 2 and "compression must be one of off, zstd" in result.err


@settings(max_examples=3000, deadline=None)
@given(codec=st.sampled_from([1, 2, 3]), payload=st.binary(max_size=2048))
def test_decompress_never_crashes_on_arbitrary_payloads(codec: int, payload: bytes) -> None:
    try:
        out = decompress(codec, payload)
    except IntegrityError:
        return
    assert len(out) <= MAX_BLOCK


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=512, max_size=8192), dtype=st.sampled_from([None, "BF16", "F16", "F32", "I8"]))
def test_every_codec_round_trips_any_bytes(data: bytes, dtype: str | None) -> None:
    packed = BlockCompressor().compress(data, dtype)
    if packed is not None:
        assert len(packed[1]) < len(data) and decompress(*packed) == data


def test_blocks_written_before_compression_was_turned_on_still_read(tmp_path: Path) -> None:
    data = np.arange(100_000, dtype=np.float32).tobytes()
    cid = CID.build(RAW, BLAKE3, __import__("blake3").blake3(data).digest())
    plain = PackStore(tmp_path / "blocks")
    plain.put(cid, data)
    plain.close()
    packed = PackStore(tmp_path / "blocks", compression=True)
    assert packed.get(cid) == data and packed.size(cid) == len(data)


def _pack_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in (home / "blocks" / "packs").glob("*.pack"))
