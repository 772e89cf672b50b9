"""Senim cryptography: field encryption, key wrapping, blind indexes, attachments, signing.

Only the standard library and ``cryptography`` are used. Nothing here holds state: every
function takes its keys from the caller, who gets them from a :class:`KeyProvider`.
See docs/crypto.md for formats, key hierarchy and threat model.
"""

from __future__ import annotations

from crypto.blind_index import (
    blind_index,
    derive_index_key,
    index_bits_for,
    name_tokens,
    normalise_date,
    normalise_name,
    normalise_phone,
)
from crypto.errors import (
    CryptoError,
    DecryptionError,
    KeyFileChangedError,
    KeyFileError,
    KeyNotFoundError,
    SignatureError,
    SizeLimitError,
    StreamError,
)
from crypto.fields import (
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    field_context,
    field_key_version,
)
from crypto.keyfile import KeyFileProvider
from crypto.keymaterial import KEY_SET_NAMES, KeyMaterial, KeyProvider
from crypto.keys import (
    KeySet,
    SecretKey,
    derive_subkey,
    generate_key,
    unwrap_key,
    wrap_key,
    wrapped_key_version,
)
from crypto.mac import canonical, mac, mac_equal
from crypto.signing import (
    generate_signing_key,
    public_key,
    public_key_from_pem,
    public_key_pem,
    sign,
    verify,
)
from crypto.stream import decrypt_stream, decrypt_stream_to_bytes, encrypt_stream, encrypted_size

__all__ = [
    "KEY_SET_NAMES",
    "CryptoError",
    "DecryptionError",
    "KeyFileChangedError",
    "KeyFileError",
    "KeyFileProvider",
    "KeyMaterial",
    "KeyNotFoundError",
    "KeyProvider",
    "KeySet",
    "SecretKey",
    "SignatureError",
    "SizeLimitError",
    "StreamError",
    "blind_index",
    "canonical",
    "decrypt_field",
    "derive_subkey",
    "decrypt_stream",
    "decrypt_stream_to_bytes",
    "decrypt_text",
    "derive_index_key",
    "encrypt_field",
    "encrypt_stream",
    "encrypt_text",
    "encrypted_size",
    "field_context",
    "field_key_version",
    "generate_key",
    "generate_signing_key",
    "index_bits_for",
    "mac",
    "mac_equal",
    "name_tokens",
    "normalise_date",
    "normalise_name",
    "normalise_phone",
    "public_key",
    "public_key_from_pem",
    "public_key_pem",
    "sign",
    "unwrap_key",
    "verify",
    "wrap_key",
    "wrapped_key_version",
]
