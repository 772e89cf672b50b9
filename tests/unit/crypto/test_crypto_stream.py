"""Encrypted attachment streams: round trips and every kind of tampering."""

from __future__ import annotations

import io
import os

import pytest

from crypto import (
    CryptoError,
    SizeLimitError,
    StreamError,
    decrypt_stream,
    decrypt_stream_to_bytes,
    encrypt_stream,
    encrypted_size,
    generate_key,
)

CHUNK = 64  # small chunks keep the tests fast; the construction is size-independent
HEADER = 28
SEALED = CHUNK + 16


def enc(key: bytes, data: bytes, aad: bytes = b"attachment:1") -> bytes:
    out = io.BytesIO()
    assert encrypt_stream(key, io.BytesIO(data), out, aad=aad, chunk_size=CHUNK) == len(data)
    return out.getvalue()


def dec(key: bytes, blob: bytes, aad: bytes = b"attachment:1") -> bytes:
    return decrypt_stream_to_bytes(key, io.BytesIO(blob), aad=aad, chunk_size=CHUNK)


def chunks(blob: bytes) -> tuple[bytes, list[bytes]]:
    body = blob[HEADER:]
    return blob[:HEADER], [body[i : i + SEALED] for i in range(0, len(body), SEALED)]


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK])
def test_roundtrip_sizes(size: int) -> None:
    key, data = generate_key(), os.urandom(size)
    blob = enc(key, data)
    assert blob[:5] == b"SNMS\x01"
    assert len(blob) == encrypted_size(size, CHUNK)
    assert dec(key, blob) == data


def test_default_chunk_size_roundtrip() -> None:
    key, data = generate_key(), os.urandom(65536 * 2 + 5)
    out = io.BytesIO()
    encrypt_stream(key, io.BytesIO(data), out, aad=b"x")
    assert len(out.getvalue()) == encrypted_size(len(data))
    assert b"".join(decrypt_stream(key, io.BytesIO(out.getvalue()), aad=b"x")) == data


def test_encrypted_size() -> None:
    assert encrypted_size(0) == 28 + 16
    assert encrypted_size(65536) == 28 + 65536 + 16
    assert encrypted_size(65537) == 28 + 65537 + 32


def test_truncated_stream_fails() -> None:
    key = generate_key()
    header, parts = chunks(enc(key, os.urandom(3 * CHUNK)))
    assert len(parts) == 3
    for keep in (0, 1, 2):
        with pytest.raises(StreamError):
            dec(key, header + b"".join(parts[:keep]))
    with pytest.raises(StreamError):
        dec(key, header + b"".join(parts)[:-1])
    with pytest.raises(StreamError):
        dec(key, header[:10])


def test_truncated_stream_fails_partway_through_iteration() -> None:
    key, data = generate_key(), os.urandom(3 * CHUNK)
    header, parts = chunks(enc(key, data))
    it = decrypt_stream(key, io.BytesIO(header + parts[0] + parts[1]), aad=b"attachment:1",
                        chunk_size=CHUNK)  # fmt: skip
    assert next(it) == data[:CHUNK]  # authentic so far ...
    with pytest.raises(StreamError):
        list(it)  # ... but the missing final chunk is detected


def test_reordered_chunks_fail() -> None:
    key = generate_key()
    header, parts = chunks(enc(key, os.urandom(3 * CHUNK)))
    with pytest.raises(StreamError):
        dec(key, header + parts[1] + parts[0] + parts[2])


def test_chunk_spliced_from_other_file_fails() -> None:
    key = generate_key()
    header_a, parts_a = chunks(enc(key, os.urandom(3 * CHUNK)))
    header_b, parts_b = chunks(enc(key, os.urandom(3 * CHUNK)))
    with pytest.raises(StreamError):
        dec(key, header_a + parts_a[0] + parts_b[1] + parts_a[2])
    with pytest.raises(StreamError):
        dec(key, header_b + b"".join(parts_a))


def test_appended_data_fails() -> None:
    key = generate_key()
    for size in (0, CHUNK, 2 * CHUNK + 3):
        blob = enc(key, os.urandom(size))
        for extra in (b"\x00", os.urandom(SEALED), blob[HEADER:]):
            with pytest.raises(StreamError):
                dec(key, blob + extra)


def test_header_and_body_tampering_fails() -> None:
    key = generate_key()
    blob = enc(key, os.urandom(CHUNK + 5))
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        with pytest.raises(StreamError):
            dec(key, bytes(bad))


def test_wrong_aad_and_wrong_key_fail() -> None:
    key = generate_key()
    blob = enc(key, b"evidence photo")
    with pytest.raises(StreamError):
        dec(key, blob, aad=b"attachment:2")
    with pytest.raises(StreamError):
        dec(generate_key(), blob)
    # The chunk size is a fixed format parameter (not stored): a mismatch fails closed.
    multi = enc(key, os.urandom(2 * CHUNK + 1))
    with pytest.raises(StreamError):
        decrypt_stream_to_bytes(key, io.BytesIO(multi), aad=b"attachment:1", chunk_size=CHUNK + 1)


def test_size_limit_stops_reading() -> None:
    key = generate_key()
    assert encrypt_stream(key, io.BytesIO(b"x" * 100), io.BytesIO(), aad=b"", chunk_size=CHUNK,
                          max_bytes=100) == 100  # fmt: skip
    src = io.BytesIO(os.urandom(10 * CHUNK))
    with pytest.raises(SizeLimitError):
        encrypt_stream(key, src, io.BytesIO(), aad=b"", chunk_size=CHUNK, max_bytes=100)
    assert src.tell() == 101  # stopped one byte past the limit, not at end of file
    assert issubclass(SizeLimitError, CryptoError)


class TrickleReader(io.RawIOBase):
    """A source that returns at most 3 bytes per read(), like a slow socket."""

    def __init__(self, data: bytes) -> None:
        self._buf = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._buf.read(min(size, 3) if size >= 0 else 3)


def test_short_reads_are_handled() -> None:
    key, data = generate_key(), os.urandom(3 * CHUNK + 7)
    out = io.BytesIO()
    encrypt_stream(key, TrickleReader(data), out, aad=b"a", chunk_size=CHUNK)  # type: ignore[arg-type]
    blob = out.getvalue()
    src = TrickleReader(blob)
    got = decrypt_stream_to_bytes(key, src, aad=b"a", chunk_size=CHUNK)  # type: ignore[arg-type]
    assert got == data


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        enc(b"short", b"data")
    with pytest.raises(ValueError):
        encrypt_stream(generate_key(), io.BytesIO(), io.BytesIO(), aad=b"", chunk_size=0)
    with pytest.raises(ValueError):
        encrypted_size(-1)
