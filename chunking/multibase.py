"""The two text encodings Cairn reads and writes: base32 lower (``b``) and base58btc (``z``)."""

from __future__ import annotations

import base64
import binascii

from cairn.errors import InvalidCID

_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {ch: i for i, ch in enumerate(_B58_ALPHABET)}


def b32_encode(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=").lower()


def b32_decode(text: str) -> bytes:
    padded = text.upper() + "=" * (-len(text) % 8)
    try:
        return base64.b32decode(padded)
    except (binascii.Error, ValueError) as exc:
        raise InvalidCID(f"not base32: {text[:20]!r}") from exc


def b58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = []
    while number:
        number, rem = divmod(number, 58)
        out.append(_B58_ALPHABET[rem])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(out))


def b58_decode(text: str) -> bytes:
    number = 0
    for ch in text:
        if ch not in _B58_INDEX:
            raise InvalidCID(f"not base58btc: {text[:20]!r}")
        number = number * 58 + _B58_INDEX[ch]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body
