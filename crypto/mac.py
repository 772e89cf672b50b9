"""HMAC-SHA256 helpers and the canonical, unambiguous byte encoding used everywhere.

``canonical`` exists because naive concatenation is ambiguous: ``"ab" + "c"`` and
``"a" + "bc"`` give the same bytes, so a ciphertext bound to table ``"ab"``/column ``"c"``
would also verify for table ``"a"``/column ``"bc"``. Each part therefore carries a type tag
and a length prefix; the encoding is a prefix code, so distinct sequences of parts always
produce distinct bytes.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["canonical", "mac", "mac_equal"]

# One-byte type tags keep b"1", "1" and 1 apart (they would otherwise encode identically).
_TAG_STR = b"s"
_TAG_BYTES = b"b"
_TAG_INT = b"i"
_MAX_PART = 0xFFFFFFFF


def canonical(*parts: str | bytes | int) -> bytes:
    """Encode ``parts`` as ``tag(1) || len(4, big-endian) || bytes`` for each part.

    ``str`` is UTF-8 encoded, ``int`` is encoded as its ASCII decimal form. ``bool`` is
    rejected because it is an ``int`` subclass and ``True`` would silently equal ``1``.
    """
    out: list[bytes] = []
    for part in parts:
        # Exact type checks first: this runs for every field encryption (hot path).
        if type(part) is bytes:
            tag, data = _TAG_BYTES, part
        elif isinstance(part, str):
            tag, data = _TAG_STR, part.encode("utf-8")
        elif isinstance(part, bool):
            raise TypeError("canonical() does not accept bool parts")
        elif isinstance(part, bytes | bytearray | memoryview):
            tag, data = _TAG_BYTES, bytes(part)
        elif isinstance(part, int):
            tag, data = _TAG_INT, str(part).encode("ascii")
        else:
            raise TypeError("canonical() accepts only str, bytes and int parts")
        if len(data) > _MAX_PART:
            raise ValueError("canonical() part is too long")
        out += (tag, len(data).to_bytes(4, "big"), data)
    return b"".join(out)


def mac(key: bytes, data: bytes) -> bytes:
    """Return the 32-byte HMAC-SHA256 of ``data`` under ``key``."""
    if len(key) < 16:
        # A short MAC key is almost always a bug (e.g. an empty config value).
        raise ValueError("MAC key must be at least 16 bytes")
    return hmac.new(key, data, hashlib.sha256).digest()


def mac_equal(a: bytes, b: bytes) -> bool:
    """Compare two MACs in constant time (a plain ``==`` leaks the matching prefix length)."""
    return hmac.compare_digest(a, b)
