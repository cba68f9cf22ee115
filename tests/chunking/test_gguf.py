"""The GGUF header: regions for real files, one clear error for every lie a header can tell."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.chunking.gguf import parse_gguf
from cairn.chunking.importer import file_regions, import_file, import_path_for_cid
from cairn.chunking.profiles import get_profile
from cairn.errors import CorruptInput, UnsupportedFormat
from tests.cli.helpers import cairn
from tests.data import real_gguf_file
from tests.data.gguf import ARRAY, F32, GGUF, STRING, UINT32, Tensor, f32_tensor, small_gguf, string
from tests.fuzz.harness import exercise, fuzz_settings
from tests.fuzz.mutate import mutants

# What native-v1 gave for small_gguf(layers=8, width=512) before GGUF was parsed at all.
NATIVE_V1_SMALL_GGUF = "bafyb4ibbcvoeyamjmoesji4ni5kkws5wazmro7djoa44mmpnljgim3qcwq"


def _regions(data: bytes) -> list[tuple[int, int, str | None]]:
    return parse_gguf(data, len(data)).typed_regions(len(data))


def _assert_partition(regions: list[tuple[int, int, str | None]], size: int) -> None:
    assert regions[0][0] == 0 and regions[-1][1] == size
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(regions))


def test_real_gguf_regions_are_the_header_then_each_tensor_where_gguf_py_finds_it() -> None:
    import gguf

    path = real_gguf_file()
    data = path.read_bytes()
    header = parse_gguf(data, len(data))
    regions = header.typed_regions(len(data))
    _assert_partition(regions, len(data))
    assert regions[0] == (0, header.data_start, None)
    reference = gguf.GGUFReader(str(path))
    assert {t.name: (t.start, t.size) for t in header.tensors} == {
        t.name: (int(t.data_offset), int(t.n_bytes)) for t in reference.tensors
    }
    assert [start for start, _, _ in regions[1:]] == [t.start for t in header.tensors]
    assert {dtype for _, _, dtype in regions} == {None, "F32"}  # K-quants unlabelled, norms F32


def test_float_tensors_are_labelled_with_their_dtype() -> None:
    data = small_gguf().encode()
    header = parse_gguf(data, len(data))
    labels = {t.name: dtype for t, (_, _, dtype) in zip(header.tensors, _regions(data)[1:], strict=True)}
    assert labels["token_embd.weight"] == "F32"
    assert labels["blk.0.attn_norm.weight"] == "F16"
    assert labels["blk.0.ffn.weight"] is None


def test_alignment_comes_from_general_alignment() -> None:
    model = GGUF([f32_tensor("a", (3,)), f32_tensor("b", (5,))], alignment=256)
    data = model.encode()
    header = parse_gguf(data, len(data))
    assert header.alignment == 256 and header.data_start % 256 == 0
    assert [t.start - header.data_start for t in header.tensors] == [0, 256]


def test_a_file_without_tensors_is_one_header_region_and_its_tail() -> None:
    data = GGUF([], [("general.name", STRING, string("empty"))]).encode() + b"tail"
    assert _regions(data) == [(0, len(data) - 4, None), (len(data) - 4, len(data), None)]


def test_a_metadata_only_file_may_end_without_padding() -> None:
    data = GGUF([], [("general.name", STRING, string("vocab"))]).encode().rstrip(b"\0")
    assert len(data) % 32 and _regions(data) == [(0, len(data), None)]


# --- hostile headers ---------------------------------------------------------------------------


def _tensor(offset: int | None = None, dims: tuple[int, ...] = (8,)) -> Tensor:
    return Tensor("t", dims, F32, b"\0" * 32, offset)


HOSTILE = {
    "bad magic": b"GGUG" + small_gguf().encode()[4:],
    "huge tensor count": GGUF([_tensor()], tensor_count=1 << 60).encode(),
    "huge metadata count": GGUF([_tensor()], kv_count=(1 << 64) - 1).encode(),
    "huge key length": b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1 << 62),
    "huge string value": GGUF([], [("k", STRING, struct.pack("<Q", 1 << 62))]).encode(),
    "huge array": GGUF([], [("k", ARRAY, struct.pack("<IQ", UINT32, 1 << 61))]).encode(),
    "huge string array": GGUF([], [("k", ARRAY, struct.pack("<IQ", STRING, 1 << 40))]).encode(),
    "deep arrays": GGUF([], [("k", ARRAY, struct.pack("<IQ", ARRAY, 1) * 40)]).encode(),
    "unknown value type": GGUF([], [("k", 99, b"\0" * 8)]).encode(),
    "offset past the end": GGUF([_tensor(offset=1 << 40)]).encode(),
    "tensor past the end": GGUF([_tensor(dims=(1 << 20,))]).encode(),
    "huge dims": GGUF([_tensor(dims=(1 << 62, 1 << 62, 1 << 62))]).encode(),
    "too many dims": GGUF([_tensor(dims=(1,) * 5)]).encode(),
    "overlapping tensors": GGUF([_tensor(offset=0), Tensor("u", (8,), F32, b"\0" * 32, 0)]).encode(),
    "misaligned offset": GGUF([_tensor(offset=4)]).encode(),
    "duplicate names": GGUF([_tensor(), _tensor()]).encode(),
    "alignment not a power of two": GGUF([_tensor()], alignment=24).encode(),
    "alignment zero": GGUF([_tensor()], alignment=0).encode(),
    "alignment of the wrong type": GGUF([], [("general.alignment", STRING, string("32"))]).encode(),
    "key not UTF-8": b"GGUF" + struct.pack("<IQQQ", 3, 0, 1, 1) + b"\xff" + struct.pack("<II", UINT32, 0),
    "empty file": b"",
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_headers_are_refused_with_one_clear_error(case: str) -> None:
    data = HOSTILE[case]
    with pytest.raises(CorruptInput) as error:
        parse_gguf(data, len(data))
    assert "GGUF" in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("version", [1, 4, 0x03000000])  # 0x03000000: a big-endian v3 file
def test_other_versions_are_unsupported_not_guessed(version: int) -> None:
    data = b"GGUF" + struct.pack("<I", version) + small_gguf().encode()[8:]
    with pytest.raises(UnsupportedFormat, match="version"):
        parse_gguf(data, len(data))


def test_every_truncation_of_the_header_is_refused() -> None:
    data = small_gguf(layers=1, width=32).encode()
    header_end = parse_gguf(data, len(data)).infos_end
    for cut in range(header_end):
        with pytest.raises(CorruptInput):
            parse_gguf(data[:cut], cut)


def test_a_file_cut_inside_a_tensor_is_refused() -> None:
    data = small_gguf().encode()
    with pytest.raises(CorruptInput, match="past the end"):
        parse_gguf(data[:-10], len(data) - 10)


# --- profiles ------------------------------------------------------------------------------------


def test_native_v1_still_cuts_a_gguf_as_one_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "small.gguf"
    path.write_bytes(small_gguf(layers=8, width=512).encode())
    v1 = import_path_for_cid(path, get_profile("native-v1"), lambda cid, data: None).root.cid
    v2 = import_path_for_cid(path, get_profile("native-v2"), lambda cid, data: None).root.cid
    assert str(v1) == NATIVE_V1_SMALL_GGUF
    assert v2 != v1


def test_native_v2_cuts_gguf_regions_and_only_gguf_files(tmp_path: Path) -> None:
    data = small_gguf().encode()
    view = memoryview(data)
    assert file_regions("m.gguf", view, get_profile("native-v2")) == _regions(data)
    assert file_regions("m.gguf", view, get_profile("native-v1")) == [(0, len(data), None)]
    assert file_regions("m.bin", view, get_profile("native-v2")) == [(0, len(data), None)]


def test_a_gguf_round_trips_byte_for_byte_with_native_v2(capsys, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.gguf").write_bytes(small_gguf(layers=8, width=512).encode())
    info = cairn(capsys, "publish", folder, "--name", "g", "--profile", "native-v2", "--json").json()
    expected = cairn(capsys, "cid", folder / "model.gguf", "--profile", "native-v2").last_line
    assert info["files"][0]["cid"] == expected
    assert cairn(capsys, "pull", "g", "-o", tmp_path / "out").code == 0
    assert (tmp_path / "out" / "model.gguf").read_bytes() == (folder / "model.gguf").read_bytes()


def test_a_corrupt_gguf_is_refused_by_publish_with_exit_2(capsys, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.gguf").write_bytes(HOSTILE["offset past the end"])
    result = cairn(capsys, "publish", tmp_path / "bad.gguf", "--profile", "native-v2")
    assert result.code == 2


# --- fuzz ----------------------------------------------------------------------------------------


def _check(data: bytes) -> None:
    result = exercise("gguf", lambda raw: _regions(raw), data)
    if result is not None:
        _assert_partition(result.value, len(data))


@fuzz_settings(examples=150)
@given(layers=st.integers(0, 3), width=st.sampled_from([32, 64]), seed=st.integers(0, (1 << 32) - 1),
       alignment=st.sampled_from([None, 16, 64]))  # fmt: skip
def test_fuzzed_headers_end_in_regions_or_a_cairn_error(
    layers: int, width: int, seed: int, alignment: int | None
) -> None:
    model = small_gguf(layers, width, seed % 1000)
    model.alignment = alignment
    data = model.encode()
    _check(data)
    for mutant in mutants(data[:4096], seed, 25):  # mutate the header; the tensor data follows it
        _check(mutant + data[4096:])


def test_native_v2_cids_do_not_depend_on_the_thread_count(tmp_path: Path) -> None:
    path = tmp_path / "small.gguf"
    path.write_bytes(small_gguf(layers=8, width=512).encode())
    profile = get_profile("native-v2")
    cids = {import_file(path, profile, lambda cid, data: None, threads=threads).cid for threads in (1, 2, 3, 8)}
    assert len(cids) == 1
