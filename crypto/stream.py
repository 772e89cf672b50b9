"""Encrypted attachments: the STREAM construction over AES-256-GCM (as in age and Tink).

Layout::

    header  = b"SNMS" || 0x01 || salt (16) || nonce_prefix (7)          -- 28 bytes
    chunk_i = AES-256-GCM(subkey, nonce_i, plaintext_i, aad=header)    -- len + 16 bytes
    subkey  = HKDF-SHA256(file_key, salt, info=b"senim-stream-v1" || aad)
    nonce_i = nonce_prefix (7) || i (4, big-endian) || last (1: 0x00 or 0x01)

Every plaintext chunk is ``chunk_size`` bytes except the last, which holds 1..chunk_size
bytes (0 only for an empty file). The counter in the nonce detects reordering and
dropped chunks, the last-chunk flag detects truncation and appended data, and the random
salt/prefix in the authenticated header detect chunks spliced in from another file
encrypted under the same file key.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import CryptoError, SizeLimitError, StreamError

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "STREAM_HEADER_BYTES",
    "decrypt_stream",
    "decrypt_stream_to_bytes",
    "encrypt_stream",
    "encrypted_size",
]

_MAGIC = b"SNMS"
_FORMAT = 0x01
_SALT_BYTES = 16
_PREFIX_BYTES = 7
_TAG_BYTES = 16
STREAM_HEADER_BYTES = len(_MAGIC) + 1 + _SALT_BYTES + _PREFIX_BYTES
DEFAULT_CHUNK_SIZE = 65536
_MAX_CHUNKS = 1 << 32  # the counter is 4 bytes; reuse would repeat a nonce


def _subkey(file_key: bytes, salt: bytes, aad: bytes) -> AESGCM:
    if len(file_key) != 32:
        raise ValueError("file key must be 32 bytes")
    # A fresh salt per file gives a fresh subkey even if a caller reuses a file key.
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"senim-stream-v1" + aad)
    return AESGCM(hkdf.derive(file_key))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


def _check_chunk_size(chunk_size: int) -> None:
    if not 1 <= chunk_size <= 1 << 24:
        raise ValueError("chunk_size must be between 1 byte and 16 MiB")


def _read_exact(src: BinaryIO, n: int) -> bytes:
    """Read up to ``n`` bytes, looping over short reads; fewer only at end of stream."""
    parts: list[bytes] = []
    remaining = n
    while remaining > 0:
        part = src.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def encrypt_stream(
    file_key: bytes,
    src: BinaryIO,
    dst: BinaryIO,
    *,
    aad: bytes,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_bytes: int | None = None,
) -> int:
    """Encrypt ``src`` into ``dst`` and return the number of plaintext bytes.

    Raises :class:`SizeLimitError` as soon as more than ``max_bytes`` have been read; ``dst``
    then holds an incomplete stream that the caller must discard.
    """
    _check_chunk_size(chunk_size)
    salt, prefix = os.urandom(_SALT_BYTES), os.urandom(_PREFIX_BYTES)
    header = _MAGIC + bytes([_FORMAT]) + salt + prefix
    aead = _subkey(file_key, salt, aad)
    dst.write(header)
    total, counter = 0, 0

    def read_chunk() -> bytes:
        nonlocal total
        # Never read more than one byte past the limit, so an oversized upload stops here.
        want = chunk_size if max_bytes is None else min(chunk_size, max_bytes - total + 1)
        data = _read_exact(src, want) if want > 0 else b""
        total += len(data)
        if max_bytes is not None and total > max_bytes:
            raise SizeLimitError("attachment exceeds the size limit")
        return data

    # Read one chunk ahead: a chunk is final only if nothing follows it.
    current = read_chunk()
    while True:
        following = read_chunk() if len(current) == chunk_size else b""
        last = not following
        if counter >= _MAX_CHUNKS:
            raise CryptoError("attachment has too many chunks")
        dst.write(aead.encrypt(_nonce(prefix, counter, last), current, header))
        if last:
            return total
        current, counter = following, counter + 1


def decrypt_stream(
    file_key: bytes, src: BinaryIO, *, aad: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> Iterator[bytes]:
    """Yield verified plaintext chunks of a stream made by :func:`encrypt_stream`.

    Each yielded chunk is authentic, but truncation is only detectable at the end: do not
    act on the content (e.g. serve it as complete) until iteration finishes without a
    :class:`StreamError`. Use :func:`decrypt_stream_to_bytes` for small files.
    """
    _check_chunk_size(chunk_size)
    header = _read_exact(src, STREAM_HEADER_BYTES)
    if len(header) != STREAM_HEADER_BYTES or header[:4] != _MAGIC or header[4] != _FORMAT:
        raise StreamError("not a supported encrypted attachment")
    salt = header[5 : 5 + _SALT_BYTES]
    prefix = header[5 + _SALT_BYTES :]
    aead = _subkey(file_key, salt, aad)
    sealed_size = chunk_size + _TAG_BYTES
    counter = 0
    current = _read_exact(src, sealed_size)
    while True:
        following = _read_exact(src, sealed_size) if len(current) == sealed_size else b""
        last = not following
        if len(current) < _TAG_BYTES or (last and counter > 0 and len(current) == _TAG_BYTES):
            # Missing chunk, or an empty final chunk after data (our encoder never makes one).
            raise StreamError("attachment stream is truncated or malformed")
        try:
            plaintext = aead.decrypt(_nonce(prefix, counter, last), current, header)
        except InvalidTag:
            raise StreamError("attachment chunk failed authentication") from None
        yield plaintext
        if last:
            return
        current, counter = following, counter + 1
        if counter >= _MAX_CHUNKS:
            raise StreamError("attachment has too many chunks")


def decrypt_stream_to_bytes(
    file_key: bytes, src: BinaryIO, *, aad: bytes, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> bytes:
    """Decrypt a whole stream into memory; returns only after every chunk has verified."""
    return b"".join(decrypt_stream(file_key, src, aad=aad, chunk_size=chunk_size))


def encrypted_size(plaintext_size: int, chunk_size: int = DEFAULT_CHUNK_SIZE) -> int:
    """Return the exact ciphertext size for ``plaintext_size`` bytes of plaintext."""
    _check_chunk_size(chunk_size)
    if plaintext_size < 0:
        raise ValueError("plaintext_size must not be negative")
    chunks = max(1, -(-plaintext_size // chunk_size))
    return STREAM_HEADER_BYTES + plaintext_size + chunks * _TAG_BYTES
