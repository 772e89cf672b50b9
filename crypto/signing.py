"""Ed25519 signing for packages and audit checkpoints (raw 32-byte keys).

Raw keys keep the key file format simple; :func:`public_key_pem` exports the public half
as SubjectPublicKeyInfo PEM so third parties (e.g. police receiving an export) can verify
with stock OpenSSL: ``openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in f -sigfile s``.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crypto.errors import SignatureError

__all__ = ["generate_signing_key", "public_key", "public_key_pem", "sign", "verify"]


def _private(private: bytes) -> Ed25519PrivateKey:
    if len(private) != 32:
        raise ValueError("Ed25519 private key must be 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(private)


def _public(public: bytes) -> Ed25519PublicKey:
    if len(public) != 32:
        raise ValueError("Ed25519 public key must be 32 bytes")
    return Ed25519PublicKey.from_public_bytes(public)


def generate_signing_key() -> bytes:
    """Return a new raw 32-byte Ed25519 private key (seed)."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key(private: bytes) -> bytes:
    """Return the raw 32-byte public key for a raw private key."""
    return _private(private).public_key().public_bytes_raw()


def sign(private: bytes, data: bytes) -> bytes:
    """Return the 64-byte Ed25519 signature of ``data``."""
    return _private(private).sign(data)


def verify(public: bytes, data: bytes, signature: bytes) -> None:
    """Verify ``signature`` over ``data``; raise :class:`SignatureError` if it is invalid."""
    try:
        _public(public).verify(signature, data)
    except (InvalidSignature, ValueError):
        raise SignatureError("signature verification failed") from None


def public_key_pem(private_or_public: bytes, *, is_private: bool = True) -> bytes:
    """Return the public key as SubjectPublicKeyInfo PEM, from a raw private or public key."""
    key = _private(private_or_public).public_key() if is_private else _public(private_or_public)
    return key.public_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def public_key_from_pem(pem: bytes) -> bytes:
    """Raw 32-byte Ed25519 public key from a SubjectPublicKeyInfo PEM (as exported above).

    :raises SignatureError: not a PEM Ed25519 public key.
    """
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError):
        raise SignatureError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("not an Ed25519 public key")
    return key.public_bytes_raw()
