"""`cairn demo`: the main job end to end on the embedded default, for a first look.

Builds a small safetensors model and a CSV dataset, publishes both, publishes a fine-tune with
one tensor changed (to show deduplication), pulls the model back, verifies it, and prints what
happened at each step.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from cairn.cli.options import HomeOption, open_home
from cairn.cli.output import human_bytes


def _write_model(folder: Path, seed: int, scale_layer: int | None = None) -> None:
    import numpy as np

    rng = np.random.default_rng(seed)
    tensors = {f"model.layers.{i}.mlp.weight": rng.standard_normal((512, 2048)).astype(np.float16) for i in range(8)}
    if scale_layer is not None:
        name = f"model.layers.{scale_layer}.mlp.weight"
        tensors[name] = (tensors[name] * 0.9).astype(np.float16)
    folder.mkdir(parents=True, exist_ok=True)
    save_safetensors(tensors, folder / "model.safetensors", metadata={"format": "pt"})
    (folder / "config.json").write_text('{"model_type": "demo", "hidden_size": 512, "num_layers": 8}\n')


def save_safetensors(tensors: dict[str, Any], path: Path, metadata: dict[str, str]) -> None:
    """Write numpy arrays as a safetensors file, as ``safetensors.numpy.save_file`` lays it out
    (an 8-byte little-endian header size, a JSON header padded with spaces to 8 bytes, the
    tensors' bytes largest item size first, then by name), so that the demo needs nothing beyond
    the base install."""
    dtypes = {"float16": "F16", "float32": "F32", "float64": "F64", "int32": "I32", "int64": "I64", "uint8": "U8"}
    header: dict[str, Any] = {"__metadata__": metadata}
    order = sorted(tensors, key=lambda name: (-tensors[name].dtype.itemsize, name))
    offset = 0
    for name in order:
        array = tensors[name]
        header[name] = {"dtype": dtypes[str(array.dtype)], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}  # fmt: skip
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(len(text).to_bytes(8, "little") + text)
        for name in order:
            handle.write(tensors[name].astype(tensors[name].dtype.newbyteorder("<"), copy=False).tobytes())


def _write_dataset(folder: Path) -> None:
    import numpy as np

    rng = np.random.default_rng(7)
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["id,text,label"] + [f"{i},sample {i} {rng.integers(1 << 30)},{i % 3}" for i in range(50_000)]
    (folder / "train.csv").write_text("\n".join(lines) + "\n")


def demo(home: HomeOption = None) -> None:
    """Publish, deduplicate, pull and verify a small model and dataset in this home."""
    cairn = open_home(home)
    print(f"Cairn home: {cairn.repo.home}")
    with tempfile.TemporaryDirectory(prefix="cairn-demo-") as tmp:
        work = Path(tmp)
        _write_dataset(work / "dataset")
        _write_model(work / "base", seed=1)
        _write_model(work / "tuned", seed=1, scale_layer=3)
        data = cairn.publish(work / "dataset", name="demo-data", version="1", kind="dataset")
        _report("dataset", data)
        base = cairn.publish(work / "base", name="demo-model", version="1", kind="model")
        _report("model", base)
        tuned = cairn.publish(work / "tuned", name="demo-model", version="2", kind="model",
                              derived_from=[base.cid, data.cid])  # fmt: skip
        _report("fine-tune (1 of 8 tensors changed)", tuned)
        out = work / "pulled"
        result = cairn.pull(tuned.cid, out)
        same = all((out / f.path).read_bytes() == (work / "tuned" / f.path).read_bytes() for f in result.files)
        print(f"pulled {len(result.files)} files, {human_bytes(result.bytes_written)}: byte-for-byte {same}")
        report = cairn.verify(tuned.cid)
        print(f"verified {report.blocks_checked} blocks and {len(report.signers)} signed records "
              f"(ancestors included): {'ok' if report.ok else report.failures[0]}")  # fmt: skip
    print(f"try: cairn ls --home {cairn.repo.home}   |   cairn show demo-model@2 --home {cairn.repo.home}")
    print(tuned.cid)


def _report(what: str, result: Any) -> None:
    print(f"published {what}: {result.cid}")
    print(f"  {len(result.files)} files, {human_bytes(result.bytes_total)} in all, {human_bytes(result.bytes_new)} new")
