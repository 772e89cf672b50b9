"""The application's complete key material and the provider protocol that supplies it.

Keys are grouped by purpose, one :class:`KeySet` each, so that compromise or rotation of one
purpose never touches another (e.g. intelligence KEKs are separate from casework KEKs).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

from crypto.keys import KeySet, generate_key
from crypto.signing import generate_signing_key

__all__ = ["KEY_SET_NAMES", "KeyMaterial", "KeyProvider"]

KEY_SET_NAMES: tuple[str, ...] = (
    "casework",  # KEKs wrapping per-victim data keys
    "intel",  # KEKs for the intelligence database, separate so access can be split
    "index_root",  # root of all blind-index keys
    "audit",  # HMAC key for the hash-chained audit log
    "secret",  # Flask SECRET_KEY material (session signing)
    "staff",  # encrypts staff TOTP secrets
    "signing",  # Ed25519 private keys (raw 32 bytes) for signing packages/checkpoints
)


@dataclass(frozen=True)
class KeyMaterial:
    """All key sets the application needs. Immutable: rotation returns a new object."""

    casework: KeySet
    intel: KeySet
    index_root: KeySet
    audit: KeySet
    secret: KeySet
    staff: KeySet
    signing: KeySet

    @classmethod
    def generate(cls) -> KeyMaterial:
        """Return fresh random material with version 1 of every key set."""
        sets = {name: KeySet({1: _new_material(name)}, 1) for name in KEY_SET_NAMES}
        return cls(**sets)

    def with_rotated(self, name: str) -> KeyMaterial:
        """Return a copy where key set ``name`` has a new current version."""
        keyset = self._get(name)
        return dataclasses.replace(self, **{name: keyset.with_new_version(_new_material(name))})

    def with_retired(self, name: str, version: int) -> KeyMaterial:
        """Return a copy where ``version`` of key set ``name`` is removed (not the current)."""
        return dataclasses.replace(self, **{name: self._get(name).without(version)})

    def _get(self, name: str) -> KeySet:
        if name not in KEY_SET_NAMES:
            raise ValueError("unknown key set name")
        keyset: KeySet = getattr(self, name)
        return keyset


def _new_material(name: str) -> bytes:
    # Ed25519 seeds are 32 random bytes too, but go through the library for clarity.
    return generate_signing_key() if name == "signing" else generate_key()


class KeyProvider(Protocol):
    """Anything that can load and store :class:`KeyMaterial` (key file, KMS, Vault...)."""

    def load(self) -> KeyMaterial:
        """Return the current key material."""
        ...

    def save(self, material: KeyMaterial) -> None:
        """Persist ``material`` (e.g. after a rotation)."""
        ...
