"""CipherSweet-style blind indexes: truncated HMAC-SHA256 of a normalised value.

A blind index lets the database answer "which rows might have this name?" without ever
seeing the name. Indexes are deliberately truncated so that every index value is shared by
several rows (coincidences): that bounds what an attacker with the database can learn,
and every candidate row is decrypted and re-checked by the application.
"""

from __future__ import annotations

import math

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.mac import canonical, mac
from crypto.normalise import name_tokens, normalise_date, normalise_name, normalise_phone

__all__ = [
    "MAX_INDEX_BITS",
    "MIN_INDEX_BITS",
    "blind_index",
    "derive_index_key",
    "index_bits_for",
    "name_tokens",
    "normalise_date",
    "normalise_name",
    "normalise_phone",
]

MIN_INDEX_BITS = 8
MAX_INDEX_BITS = 32


def derive_index_key(root: bytes, *, table: str, column: str) -> bytes:
    """Derive the 32-byte HMAC key for one indexed column from the blind-index root key.

    One key per (table, column) means equal values in different columns give unrelated
    index values, so indexes cannot be joined across columns.
    """
    if len(root) != 32:
        raise ValueError("index root key must be 32 bytes")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=canonical("senim-bidx-v1", table, column),
    )
    return hkdf.derive(root)


def index_bits_for(expected_rows: int) -> int:
    """Return the index width L for a column expected to hold ``expected_rows`` rows.

    Rule: the largest L with ``expected_rows / 2**L >= 2`` (each index value is shared by at
    least two rows on average), i.e. ``L = floor(log2(R / 2))``, clamped to [8, 32]. For
    R >= 2**9 this also satisfies CipherSweet's upper bound ``R / 2**L < sqrt(R)``.
    """
    if expected_rows < 1:
        raise ValueError("expected_rows must be positive")
    bits = math.floor(math.log2(expected_rows / 2)) if expected_rows >= 2 else 0
    # Integer correction: log2 of large ints can round up across a power of two.
    while bits > 0 and expected_rows < 2 * (1 << bits):
        bits -= 1
    return max(MIN_INDEX_BITS, min(MAX_INDEX_BITS, bits))


def blind_index(key: bytes, normalised_value: str, *, bits: int) -> bytes:
    """Return HMAC-SHA256(key, value) truncated to ``bits`` bits.

    The result has ``ceil(bits / 8)`` bytes; unused low bits of the last byte are zero so the
    value is stable and comparable with ``==`` in SQL.
    """
    if not MIN_INDEX_BITS <= bits <= 256:
        raise ValueError("bits must be between 8 and 256")
    digest = mac(key, canonical("senim-bidx-value-v1", normalised_value))
    out = bytearray(digest[: (bits + 7) // 8])
    spare = (8 - bits % 8) % 8
    out[-1] &= (0xFF << spare) & 0xFF
    return bytes(out)
