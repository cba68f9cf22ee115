"""Fuzzing every decoder of untrusted bytes: CAR, dag-pb with UnixFS and HAMT links, UnixFS DAGs
as readers walk them, DAG-CBOR, the safetensors header.

Each test draws a well-formed input, checks it is accepted and round-trips, then runs its mutants
through ``exercise`` (no crash, no hang, no blow-up) and checks every mutant that is accepted:
re-encoding gives it back (or, where the format allows several encodings of one value, a fixpoint).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cairn.chunking import dagcbor
from cairn.chunking.dag import BalancedFileBuilder, DagEntry, emit_directory
from cairn.chunking.dagpb import PBNode, decode_node, encode_node
from cairn.chunking.hamt import emit_hamt_directory, parse_link
from cairn.chunking.multihash import BLAKE3
from cairn.chunking.safetensors import SafetensorsHeader
from cairn.chunking.unixfs import UnixFSData
from cairn.storage.dagwalk import walk
from cairn.storage.unixfs_read import iter_range
from tests.fuzz import strategies as fs
from tests.fuzz.harness import EXAMPLES, MUTANTS, TEST_TIMEOUT, exercise, fuzz_settings
from tests.fuzz.mutate import mutants
from tests.fuzz.targets import (
    MemoryStore,
    car_header_keys,
    read_car,
    read_cbor,
    read_pb,
    read_safetensors,
    write_car,
)

pytestmark = pytest.mark.timeout(TEST_TIMEOUT)
seeds = st.integers(0, (1 << 32) - 1)


# --- CAR -------------------------------------------------------------------------------------


def _check_car(data: bytes) -> None:
    result = exercise("car", read_car, data)
    if result is not None and car_header_keys(data) == {"roots", "version"}:
        assert write_car(*result.value) == data, "an accepted CAR does not re-encode to its bytes"


@fuzz_settings()
@given(drawn=fs.cars(), seed=seeds)
def test_car_reader(drawn: tuple[bytes, bool], seed: int) -> None:
    car, well_formed = drawn
    result = exercise("car", read_car, car)
    if well_formed:
        assert result is not None, "a well-formed CAR was refused"
        assert write_car(*result.value) == car
    for mutant in mutants(car, seed, MUTANTS):
        _check_car(mutant)


# --- dag-pb, UnixFS, HAMT links ---------------------------------------------------------------


def _check_pb(data: bytes) -> None:
    accepted = exercise("dag-pb+unixfs", read_pb, data)
    if accepted is None:
        return
    read = accepted.value
    again = encode_node(read.node)
    assert encode_node(read_pb(again).node) == again, "dag-pb re-encoding is not a fixpoint"
    if read.unixfs is not None:
        assert UnixFSData.decode(read.unixfs.encode()) == read.unixfs, "UnixFS re-encoding changed it"
    for link in read.shard or ():
        assert 0 <= link.slot < (read.unixfs.fanout if read.unixfs and read.unixfs.fanout else 0)


@fuzz_settings()
@given(node=fs.pb_nodes(), seed=seeds)
def test_dagpb_unixfs_hamt(node: PBNode, seed: int) -> None:
    data = encode_node(node)
    assert decode_node(data) == node, "a canonical dag-pb node does not round-trip"
    read = exercise("dag-pb+unixfs", read_pb, data)
    if read is not None:  # may be refused for UnixFS or HAMT reasons (drawn types and fanouts may be wrong)
        assert read.value.node == node
    for mutant in mutants(data, seed, MUTANTS):
        _check_pb(mutant)


@fuzz_settings(EXAMPLES // 4)
@given(name=st.one_of(fs.names, st.text(max_size=6)), fanout=st.sampled_from((256, 8, 16, 1024)))
def test_hamt_link_names(name: str, fanout: int) -> None:
    parsed = exercise("dag-pb+unixfs", lambda raw: parse_link(raw.decode(), fanout), name.encode())
    if parsed is not None:
        slot, entry = parsed.value
        assert 0 <= slot < fanout and (entry is None or name.endswith(entry))


# --- UnixFS DAGs as pull and the API read them -------------------------------------------------


@st.composite
def directory_dags(draw: st.DrawFn) -> tuple[MemoryStore, DagEntry]:
    """A directory of files (one raw leaf, or a small balanced tree) and subfolders, plain or HAMT."""
    store = MemoryStore()
    return store, _directory(draw, store, depth=0)


def _file(draw: st.DrawFn, store: MemoryStore) -> DagEntry:
    from cairn.chunking.cid import CID, RAW

    leaves = draw(st.lists(st.binary(min_size=1, max_size=16), min_size=1, max_size=5))
    builder = BalancedFileBuilder(BLAKE3, draw(st.sampled_from((2, 3, 174))), store.put)
    for leaf in leaves:
        cid = CID.of(RAW, BLAKE3, leaf)
        store.put(cid, leaf)
        builder.add_leaf(DagEntry(cid, len(leaf), len(leaf)))
    return builder.finish()


def _directory(draw: st.DrawFn, store: MemoryStore, depth: int) -> DagEntry:
    hamt = draw(st.integers(0, 3)) == 0
    names = draw(st.lists(fs.names, max_size=4, unique=hamt))  # a plain directory may name two entries alike
    entries = [
        (name, _directory(draw, store, depth + 1) if depth < 2 and draw(st.booleans()) else _file(draw, store))
        for name in names
    ]
    if hamt:
        return emit_hamt_directory(entries, BLAKE3, store.put)
    return emit_directory(entries, BLAKE3, store.put)


def _read_dag(store: MemoryStore, root: DagEntry) -> list[str]:
    """What pull and the file routes do with a DAG: list its files, read each, walk every block."""
    from cairn.storage.checkout import list_files

    files, _ = list_files(store, root.cid)
    for ref in files:
        for _ in iter_range(store, ref.cid, 0, min(ref.size, 1 << 16)):
            pass
    for _ in walk(store, root.cid):
        pass
    return [ref.path for ref in files]


def _check_paths(paths: list[str]) -> None:
    """Paths a pull may write: relative, no empty, dot or dot-dot part, each once, none inside a file."""
    assert len(set(paths)) == len(paths), paths
    assert not {p.rsplit("/", 1)[0] for p in paths if "/" in p} & set(paths), paths
    for path in paths:
        parts = path.split("/")
        assert not path.startswith("/") and all(p not in ("", ".", "..") and "\\" not in p for p in parts), path


@fuzz_settings(EXAMPLES // 2)
@given(dag=directory_dags(), seed=seeds, pick=st.integers(0, 1 << 16))
def test_unixfs_dag_readers(dag: tuple[MemoryStore, DagEntry], seed: int, pick: int) -> None:
    store, root = dag
    paths = exercise("unixfs-dag", lambda _: _read_dag(store, root), b"")
    _check_paths(paths.value if paths else [])
    victims = sorted(store.blocks)
    victim = victims[pick % len(victims)]
    original = store.blocks[victim]
    for mutant in mutants(original, seed, MUTANTS):
        store.blocks[victim] = mutant
        paths = exercise("unixfs-dag", lambda _: _read_dag(store, root), mutant)
        _check_paths(paths.value if paths else [])
    store.blocks[victim] = original


# --- DAG-CBOR --------------------------------------------------------------------------------


def _check_cbor(data: bytes) -> None:
    value = exercise("dag-cbor", read_cbor, data)
    if value is not None:
        assert dagcbor.encode(value.value) == data, "accepted DAG-CBOR that is not canonical"


@fuzz_settings()
@given(value=fs.dagcbor_values, seed=seeds)
def test_dagcbor_decoder(value: object, seed: int) -> None:
    data = dagcbor.encode(value)
    decoded = exercise("dag-cbor", read_cbor, data)
    assert decoded is not None and dagcbor.encode(decoded.value) == data
    for mutant in mutants(data, seed, MUTANTS):
        _check_cbor(mutant)


# --- safetensors header ------------------------------------------------------------------------


def _check_regions(header: SafetensorsHeader, size: int) -> None:
    """The regions Cairn cuts separately must partition the file: no byte twice, none left out."""
    regions = header.regions(size)
    assert regions[0][0] == 0 and regions[-1][1] == size
    assert all(start < end for start, end in regions)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(regions))


@fuzz_settings()
@given(data=fs.safetensors_files(), seed=seeds)
def test_safetensors_header(data: bytes, seed: int) -> None:
    header = exercise("safetensors", read_safetensors, data)
    if header is not None:
        _check_regions(header.value, len(data))
    for mutant in mutants(data, seed, MUTANTS):
        header = exercise("safetensors", read_safetensors, mutant)
        if header is not None:
            _check_regions(header.value, len(mutant))
