"""The single exception hierarchy of the ``crypto`` package.

Every error raised on purpose by this package derives from :class:`CryptoError`, so the
application can catch one type at a trust boundary. Messages are fixed, generic strings:
they never contain key material, plaintext or ciphertext bytes, because exception text
ends up in logs, error pages and bug reports that are far less protected than the data.
"""

from __future__ import annotations

__all__ = [
    "CryptoError",
    "DecryptionError",
    "KeyFileChangedError",
    "KeyFileError",
    "KeyNotFoundError",
    "SignatureError",
    "SizeLimitError",
    "StreamError",
]


class CryptoError(Exception):
    """Base class for every error raised by the ``crypto`` package."""


class DecryptionError(CryptoError):
    """Integrity failure: wrong key, tampered token, or ciphertext moved to another context."""


class StreamError(DecryptionError):
    """An encrypted attachment stream was truncated, reordered, spliced, extended or tampered."""


class KeyNotFoundError(CryptoError):
    """A key version is unknown to the key set (never issued, or already retired)."""


class KeyFileError(CryptoError):
    """Key file missing, malformed, insecurely stored, or sealed with another passphrase."""


class KeyFileChangedError(KeyFileError):
    """The key file on disk is not the one a change was based on (another writer changed
    it), or the change would drop a key version that was not being retired."""


class SizeLimitError(CryptoError):
    """More plaintext was offered than the caller's size limit allows."""


class SignatureError(CryptoError):
    """An Ed25519 signature did not verify."""
