"""Secret keys, versioned key sets and AES-256-GCM key wrapping (envelope encryption).

A :class:`KeySet` holds every live version of the keys for one purpose (e.g. the casework
KEKs). New data is always protected under ``current``; older versions stay available for
decryption until they are retired with :meth:`KeySet.without`. Per-subject data keys (DEKs)
are random and only ever stored wrapped, which is what makes crypto-shredding possible.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from crypto.errors import CryptoError, DecryptionError, KeyNotFoundError
from crypto.mac import canonical

__all__ = [
    "KEY_BYTES",
    "KeySet",
    "SecretKey",
    "derive_subkey",
    "generate_key",
    "unwrap_key",
    "wrap_key",
    "wrapped_key_version",
]

KEY_BYTES = 32
_MAX_VERSION = 0xFFFFFFFF  # versions are stored as 4-byte big-endian integers
_WRAP_FORMAT = 0x01
_WRAP_HEADER = struct.Struct(">BI")  # format byte, KEK version
_NONCE_BYTES = 12
_TAG_BYTES = 16


def _check_version(version: int) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise TypeError("key version must be an int")
    if not 1 <= version <= _MAX_VERSION:
        raise ValueError("key version must be between 1 and 2**32-1")


@final
@dataclass(frozen=True, repr=False, slots=True)
class SecretKey:
    """A 256-bit symmetric key with its version number. ``repr`` never shows the material."""

    version: int
    material: bytes
    # The AES-256-GCM cipher for this key, built once: OpenSSL's key schedule costs more than
    # encrypting a 64-byte field, so it lives as long as the key object does (per-subject
    # keys only live in a per-request cache, casework/services/keycache.py).
    aead: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_version(self.version)
        if not isinstance(self.material, bytes) or len(self.material) != KEY_BYTES:
            raise ValueError("key material must be exactly 32 bytes")
        object.__setattr__(self, "aead", AESGCM(self.material))

    def fingerprint(self) -> str:
        """Return 8 hex chars identifying the key; safe to log (domain-separated hash)."""
        # The label keeps this hash from ever equalling a hash the key is used for elsewhere.
        digest = hashlib.sha256(canonical("senim-key-fingerprint-v1", self.material)).hexdigest()
        return digest[:8]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretKey):
            return NotImplemented
        return self.version == other.version and hmac.compare_digest(self.material, other.material)

    def __hash__(self) -> int:
        return hash((self.version, self.fingerprint()))

    def __repr__(self) -> str:
        return f"SecretKey(version={self.version}, fingerprint={self.fingerprint()})"


def derive_subkey(key: SecretKey, *, purpose: str) -> SecretKey:
    """A key for one purpose, derived from ``key`` with HKDF-SHA256 (info: the purpose's
    canonical label); it carries ``key``'s version, so a token sealed under it names the
    version of the key to derive it from again. One root key then never serves two
    algorithms (the session-signing secret signs with HMAC; a subkey of it encrypts)."""
    if not purpose:
        raise ValueError("a derived key needs a purpose")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None,
                info=canonical("senim-subkey-v1", purpose))
    return SecretKey(version=key.version, material=hkdf.derive(key.material))


def generate_key() -> bytes:
    """Return 32 fresh random bytes from the OS CSPRNG, suitable for AES-256 or HMAC."""
    return AESGCM.generate_key(bit_length=256)


class KeySet:
    """An immutable set of key versions for one purpose, one of which is current."""

    __slots__ = ("_current", "_keys")

    def __init__(self, keys: Mapping[int, bytes], current: int) -> None:
        built = {v: SecretKey(v, bytes(m)) for v, m in keys.items()}
        if current not in built:
            raise KeyNotFoundError("current key version is not in the key set")
        self._keys: Mapping[int, SecretKey] = MappingProxyType(dict(sorted(built.items())))
        self._current = current

    @property
    def current_key(self) -> SecretKey:
        """The key that new data must be protected with."""
        return self._keys[self._current]

    @property
    def versions(self) -> tuple[int, ...]:
        """All live versions in ascending order."""
        return tuple(self._keys)

    def get(self, version: int) -> SecretKey:
        """Return the key for ``version`` or raise :class:`KeyNotFoundError`."""
        try:
            return self._keys[version]
        except KeyError:
            raise KeyNotFoundError("unknown or retired key version") from None

    def with_new_version(self, material: bytes | None = None) -> KeySet:
        """Return a copy with a new version ``max + 1`` (random unless given) made current."""
        new_version = max(self._keys) + 1
        keys = {v: k.material for v, k in self._keys.items()}
        keys[new_version] = generate_key() if material is None else material
        return KeySet(keys, new_version)

    def with_current(self, version: int) -> KeySet:
        """Return a copy in which an existing ``version`` is current (the version another
        authority, the casework database, names as current; see docs/crypto.md §10)."""
        if version == self._current:
            return self
        self.get(version)  # raises KeyNotFoundError for unknown versions
        return KeySet({v: k.material for v, k in self._keys.items()}, version)

    def without(self, version: int) -> KeySet:
        """Return a copy with ``version`` retired; the current version cannot be retired."""
        if version == self._current:
            raise CryptoError("refusing to retire the current key version")
        self.get(version)  # raises KeyNotFoundError for unknown versions
        keys = {v: k.material for v, k in self._keys.items() if v != version}
        return KeySet(keys, self._current)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeySet):
            return NotImplemented
        return self._current == other._current and dict(self._keys) == dict(other._keys)

    def __hash__(self) -> int:
        return hash((self._current, tuple(self._keys.values())))

    def __repr__(self) -> str:
        fps = ", ".join(f"{v}:{k.fingerprint()}" for v, k in self._keys.items())
        return f"KeySet(current={self._current}, versions=[{fps}])"


def _wrap_aad(purpose: str, subject: str, kek_version: int) -> bytes:
    # Binding purpose and subject means a wrapped DEK copied to another victim's row (or
    # reused for another purpose) no longer unwraps, even though the KEK is the same.
    return canonical("senim-wrap-v1", purpose, subject, kek_version)


def wrap_key(kek: SecretKey, dek: bytes, *, subject: str, purpose: str) -> bytes:
    """Wrap a 32-byte data key under ``kek`` with AES-256-GCM.

    Output: ``0x01 || kek_version(4, BE) || nonce(12) || ciphertext+tag``.
    """
    if len(dek) != KEY_BYTES:
        raise ValueError("data key must be exactly 32 bytes")
    nonce = os.urandom(_NONCE_BYTES)
    sealed = kek.aead.encrypt(nonce, dek, _wrap_aad(purpose, subject, kek.version))
    return _WRAP_HEADER.pack(_WRAP_FORMAT, kek.version) + nonce + sealed


def wrapped_key_version(wrapped: bytes) -> int:
    """Return the KEK version embedded in a wrapped key (raises DecryptionError if malformed)."""
    if len(wrapped) != _WRAP_HEADER.size + _NONCE_BYTES + KEY_BYTES + _TAG_BYTES:
        raise DecryptionError("malformed wrapped key")
    fmt, version = _WRAP_HEADER.unpack_from(wrapped)
    if fmt != _WRAP_FORMAT:
        raise DecryptionError("unsupported wrapped key format")
    return int(version)


def unwrap_key(keks: KeySet, wrapped: bytes, *, subject: str, purpose: str) -> bytes:
    """Unwrap a data key with the KEK version named in its header.

    Raises :class:`KeyNotFoundError` if that version is unknown or retired and
    :class:`DecryptionError` if the token is malformed, tampered or bound to another
    subject/purpose.
    """
    version = wrapped_key_version(wrapped)
    kek = keks.get(version)
    start = _WRAP_HEADER.size
    nonce = wrapped[start : start + _NONCE_BYTES]
    try:
        dek = kek.aead.decrypt(
            nonce, wrapped[start + _NONCE_BYTES :], _wrap_aad(purpose, subject, version)
        )
    except InvalidTag:
        raise DecryptionError("wrapped key failed authentication") from None
    return dek
