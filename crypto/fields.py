"""Field-level encryption: AES-256-GCM tokens bound to their table/column/row/subject.

Token layout (all integers big-endian)::

    0x01 (format) || key_version (4) || nonce (12) || ciphertext || tag (16)

The associated data is ``canonical("senim-field-v1", header, context)`` so both the header
and the caller's context are authenticated: a token copied into another row, column, table
or subject, or relabelled with another key version, fails to decrypt.
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag

from crypto.errors import DecryptionError
from crypto.keys import KeySet, SecretKey
from crypto.mac import canonical

__all__ = [
    "FIELD_OVERHEAD",
    "decrypt_field",
    "decrypt_text",
    "encrypt_field",
    "encrypt_text",
    "field_context",
    "field_key_version",
]

_FORMAT = 0x01
_HEADER = struct.Struct(">BI")
_NONCE_BYTES = 12
_TAG_BYTES = 16
FIELD_OVERHEAD = _HEADER.size + _NONCE_BYTES + _TAG_BYTES  # 33 bytes per token
_HEADER_BYTES = _HEADER.size
_BODY_AT = _HEADER_BYTES + _NONCE_BYTES


def field_context(*, table: str, column: str, row: str, subject: str) -> bytes:
    """Return the canonical associated data that binds a token to where it is stored."""
    return canonical("senim-field-ctx-v1", table, column, row, subject)


# canonical(a, b, c) == canonical(a) + canonical(b) + canonical(c), and a bytes part is
# ``0x02 || len(4) || bytes``: the label and the fixed-size header's length prefix are
# precomputed, and the context's prefix is packed directly. The bytes are identical to
# ``canonical("senim-field-v1", header, context)`` (tests/unit/crypto/test_crypto_fields.py checks).
_AAD_LABEL = canonical("senim-field-v1")
_BYTES_TAG = canonical(b"")[:1]
_AAD_HEADER_PREFIX = _AAD_LABEL + canonical(b"\0" * _HEADER.size)[: -_HEADER.size]


def _aad(header: bytes, context: bytes) -> bytes:
    """The associated data; encrypt_field and decrypt_field build the same bytes inline
    (hot path), from the header table's precomputed prefix."""
    return b"".join((_AAD_HEADER_PREFIX, header, _BYTES_TAG,
                     len(context).to_bytes(4, "big"), context))


_HEADERS: dict[int, tuple[bytes, bytes]] = {}


def _header(version: int) -> tuple[bytes, bytes]:
    """The token header for ``version`` and the AAD's encoding up to the context's length:
    the header, then the tag that opens the context's bytes part."""
    try:
        return _HEADERS[version]
    except KeyError:
        header = _HEADER.pack(_FORMAT, version)
        # Key versions are few (one per rotation): the table stays tiny.
        return _HEADERS.setdefault(version, (header, _AAD_HEADER_PREFIX + header + _BYTES_TAG))


def encrypt_field(key: SecretKey, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` with a fresh random 96-bit nonce.

    Random nonces are safe here because each per-subject key encrypts far fewer than the
    2**32 messages after which AES-GCM nonce collisions become a concern.
    """
    header, prefix = _HEADERS.get(key.version) or _header(key.version)
    nonce = os.urandom(_NONCE_BYTES)
    # _aad, inlined: this runs for every encrypted field (hot path).
    aad = b"".join((prefix, len(context).to_bytes(4, "big"), context))
    return b"".join((header, nonce, key.aead.encrypt(nonce, plaintext, aad)))


def field_key_version(token: bytes) -> int:
    """Return the key version recorded in ``token`` (DecryptionError if malformed)."""
    if len(token) < FIELD_OVERHEAD:
        raise DecryptionError("malformed field token")
    fmt, version = _HEADER.unpack_from(token)
    if fmt != _FORMAT:
        raise DecryptionError("unsupported field token format")
    return int(version)


def decrypt_field(keys: KeySet | SecretKey, token: bytes, *, context: bytes) -> bytes:
    """Decrypt a token made by :func:`encrypt_field`.

    ``keys`` may be a single key (e.g. an unwrapped per-subject DEK) or a :class:`KeySet`,
    in which case the key is picked by the version in the header. Raises
    :class:`DecryptionError` on any integrity failure and :class:`KeyNotFoundError` if a
    key set does not contain the token's version.
    """
    # field_key_version, inlined, and slicing by constants: this runs for every decrypted
    # field (hot path; bench/crypto.py measures it against raw AES-GCM).
    if len(token) < FIELD_OVERHEAD:
        raise DecryptionError("malformed field token")
    header = token[:_HEADER_BYTES]
    if isinstance(keys, SecretKey):
        key = keys
        expected, prefix = _HEADERS.get(key.version) or _header(key.version)
        if header != expected:  # the format byte and the version at once
            if header[0] != _FORMAT:
                raise DecryptionError("unsupported field token format")
            # Same outcome as a wrong key, but without spending an AES-GCM attempt on it.
            raise DecryptionError("field token was encrypted under another key version")
    else:
        if header[0] != _FORMAT:
            raise DecryptionError("unsupported field token format")
        key = keys.get(int.from_bytes(header[1:], "big"))
        prefix = _header(key.version)[1]
    aad = b"".join((prefix, len(context).to_bytes(4, "big"), context))
    try:
        return key.aead.decrypt(token[_HEADER_BYTES:_BODY_AT], token[_BODY_AT:], aad)
    except InvalidTag:
        raise DecryptionError("field token failed authentication") from None


def encrypt_text(key: SecretKey, text: str, *, context: bytes) -> bytes:
    """Encrypt a string as UTF-8 with :func:`encrypt_field`."""
    return encrypt_field(key, text.encode("utf-8"), context=context)


def decrypt_text(keys: KeySet | SecretKey, token: bytes, *, context: bytes) -> str:
    """Decrypt a token made by :func:`encrypt_text` and decode it as UTF-8."""
    data = decrypt_field(keys, token, context=context)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Authenticated but not text: the caller used the wrong helper; do not echo bytes.
        raise DecryptionError("field token does not contain UTF-8 text") from None
