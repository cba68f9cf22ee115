"""GGUF files built byte by byte, so tests can make both well-formed ones and every kind of lie."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

F32, F16, Q8_0, BF16 = 0, 1, 8, 30
UINT32, STRING, ARRAY = 4, 8, 9


@dataclass
class Tensor:
    name: str
    dims: tuple[int, ...]
    ggml_type: int
    data: bytes
    offset: int | None = None  # relative to the data section; None: next aligned position


@dataclass
class GGUF:
    tensors: list[Tensor]
    metadata: list[tuple[str, int, bytes]] = field(default_factory=list)  # key, value type, encoded value
    alignment: int | None = None  # written as general.alignment when set
    version: int = 3
    tensor_count: int | None = None  # None: the real count
    kv_count: int | None = None

    def encode(self) -> bytes:
        metadata = list(self.metadata)
        if self.alignment is not None:
            metadata.append(("general.alignment", UINT32, struct.pack("<I", self.alignment)))
        align = self.alignment or 32
        out = bytearray(b"GGUF" + struct.pack("<I", self.version))
        out += struct.pack("<QQ", _or(self.tensor_count, len(self.tensors)), _or(self.kv_count, len(metadata)))
        for key, kind, value in metadata:
            out += string(key) + struct.pack("<I", kind) + value
        data, offsets = bytearray(), []
        for tensor in self.tensors:
            data += b"\0" * (-len(data) % align)
            offsets.append(len(data) if tensor.offset is None else tensor.offset)
            data += tensor.data
        for tensor, offset in zip(self.tensors, offsets, strict=True):
            out += string(tensor.name) + struct.pack("<I", len(tensor.dims))
            out += b"".join(struct.pack("<Q", d) for d in tensor.dims) + struct.pack("<IQ", tensor.ggml_type, offset)
        out += b"\0" * (-len(out) % align)
        return bytes(out + data)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def f32_tensor(name: str, shape: tuple[int, ...], seed: int = 0) -> Tensor:
    """A float32 tensor; GGUF lists dimensions fastest-varying first, the reverse of numpy."""
    array = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return Tensor(name, tuple(reversed(shape)), F32, array.tobytes())


def small_gguf(layers: int = 4, width: int = 64, seed: int = 0) -> GGUF:
    """A well-formed little model: metadata of every value kind, F32/F16/Q8_0 tensors."""
    rng = np.random.default_rng(seed)
    metadata = [
        ("general.architecture", STRING, string("llama")),
        ("general.name", STRING, string(f"tiny-{seed}")),
        ("llama.block_count", UINT32, struct.pack("<I", layers)),
        ("tokenizer.ggml.tokens", ARRAY, struct.pack("<IQ", STRING, 3) + string("a") + string("b") + string("c")),
        ("tokenizer.ggml.scores", ARRAY, struct.pack("<IQ", 6, 3) + np.ones(3, np.float32).tobytes()),
    ]
    tensors = [f32_tensor("token_embd.weight", (16, width), seed)]
    for layer in range(layers):
        tensors.append(Tensor(f"blk.{layer}.attn_norm.weight", (width,), F16,
                              rng.standard_normal(width).astype(np.float16).tobytes()))  # fmt: skip
        tensors.append(Tensor(f"blk.{layer}.ffn.weight", (width, width), Q8_0,
                              rng.integers(0, 256, width * width // 32 * 34, np.uint8).tobytes()))  # fmt: skip
    return GGUF(tensors, metadata)
