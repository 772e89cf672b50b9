"""Field-level encryption: AES-256-GCM tokens bound to their table/column/row/subject.

Token layout (all integers big-endian)::

    0x02 (format) || key_version (4) || nonce (12) || ciphertext || tag (16)

The associated data is ``canonical("senim-field-v2", header) || context`` so both the header
and the caller's context are authenticated: a token copied into another row, column, table
or subject, or relabelled with another key version, fails to decrypt.
"""

from __future__ import annotations

import struct
from os import urandom

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

_FORMAT = 0x02
_LEGACY_FORMAT = 0x01  # tokens written before format 2: still decrypted, never written
_HEADER = struct.Struct(">BI")
_NONCE_BYTES = 12
_TAG_BYTES = 16
FIELD_OVERHEAD = _HEADER.size + _NONCE_BYTES + _TAG_BYTES  # 33 bytes per token
_HEADER_BYTES = _HEADER.size
_BODY_AT = _HEADER_BYTES + _NONCE_BYTES


def field_context(*, table: str, column: str, row: str, subject: str) -> bytes:
    """Return the canonical associated data that binds a token to where it is stored."""
    return canonical("senim-field-ctx-v1", table, column, row, subject)


def _aad(header: bytes, context: bytes) -> bytes:
    """The associated data of a token with ``header``, by its format.

    Format 2: ``canonical("senim-field-v2", header) || context``. The encoded label and
    header have a fixed length for a given format, and the context is the one variable part
    and runs to the end, so the encoding stays injective without a length prefix on the
    context; that keeps the hot path to one concatenation (bench/crypto.py).
    Format 1 (legacy, read only): ``canonical("senim-field-v1", header, context)``.
    encrypt_field and decrypt_field build the same bytes inline from ``_HEADERS``.
    """
    if header[0] == _LEGACY_FORMAT:
        return canonical("senim-field-v1", header, context)
    return canonical("senim-field-v2", header) + context


# Per key version: (format-2 header, its AAD prefix, format-1 header). Key versions are few
# (one per rotation), so the table stays tiny.
_HEADERS: dict[int, tuple[bytes, bytes, bytes]] = {}


def _header(version: int) -> tuple[bytes, bytes, bytes]:
    header = _HEADER.pack(_FORMAT, version)
    return _HEADERS.setdefault(version, (header, canonical("senim-field-v2", header),
                                         _HEADER.pack(_LEGACY_FORMAT, version)))


def encrypt_field(key: SecretKey, plaintext: bytes, *, context: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` with a fresh random 96-bit nonce.

    Random nonces are safe here because each per-subject key encrypts far fewer than the
    2**32 messages after which AES-GCM nonce collisions become a concern.
    """
    try:
        header, prefix, _ = _HEADERS[key.version]
    except KeyError:
        header, prefix, _ = _header(key.version)
    nonce = urandom(_NONCE_BYTES)
    return header + nonce + key.aead.encrypt(nonce, plaintext, prefix + context)


def field_key_version(token: bytes) -> int:
    """Return the key version recorded in ``token`` (DecryptionError if malformed)."""
    if len(token) < FIELD_OVERHEAD:
        raise DecryptionError("malformed field token")
    fmt, version = _HEADER.unpack_from(token)
    if fmt != _FORMAT and fmt != _LEGACY_FORMAT:
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
    if type(keys) is SecretKey:  # isinstance, for a final class, at lower cost
        key = keys
        try:
            expected, prefix, legacy = _HEADERS[key.version]
        except KeyError:
            expected, prefix, legacy = _header(key.version)
        if token.startswith(expected):  # the format byte and the version at once
            aad = prefix + context
        elif token.startswith(legacy):
            aad = _aad(legacy, context)
        elif token[0] != _FORMAT and token[0] != _LEGACY_FORMAT:
            raise DecryptionError("unsupported field token format")
        else:
            # Same outcome as a wrong key, but without spending an AES-GCM attempt on it.
            raise DecryptionError("field token was encrypted under another key version")
    else:
        if token[0] != _FORMAT and token[0] != _LEGACY_FORMAT:
            raise DecryptionError("unsupported field token format")
        key = keys.get(int.from_bytes(token[1:_HEADER_BYTES], "big"))
        aad = _aad(token[:_HEADER_BYTES], context)
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
