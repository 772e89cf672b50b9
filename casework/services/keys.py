"""Access to the instance's key material for the rest of the application.

The key file is the only place keys live (``crypto.KeyFileProvider``); this module loads it
once per process and hands out the key sets that services need. Nothing here caches
plaintext data, only keys.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from crypto import KeyFileProvider, KeyMaterial, KeyNotFoundError, KeySet, SecretKey

log = logging.getLogger("senim.keys")


class Keys:
    """The process's view of the key file, reloadable after a rotation elsewhere."""

    def __init__(self, provider: KeyFileProvider) -> None:
        self._provider = provider
        self._lock = threading.Lock()
        self._material: KeyMaterial | None = None

    @property
    def material(self) -> KeyMaterial:
        with self._lock:
            if self._material is None:
                self._material = self._provider.load()
            return self._material

    def reload(self) -> KeyMaterial:
        """Re-read the key file (another process may have rotated a key)."""
        with self._lock:
            self._material = self._provider.load()
            return self._material

    def save(self, material: KeyMaterial) -> None:
        with self._lock:
            self._provider.save(material)
            self._material = material

    def keyset(self, name: str) -> KeySet:
        keyset: KeySet = getattr(self.material, name)
        return keyset

    def current(self, name: str) -> SecretKey:
        return self.keyset(name).current_key

    def version(self, name: str, version: int) -> SecretKey:
        """A specific key version, re-reading the file once if it is newer than ours."""
        try:
            return self.keyset(name).get(version)
        except KeyNotFoundError:
            log.info("event=keys.reload reason=unknown_version")
            keyset: KeySet = getattr(self.reload(), name)
            return keyset.get(version)


def open_keys(key_file: Path, *, passphrase: str | None, scrypt_n: int,
              create_if_missing: bool) -> Keys:
    """Open (and in development, create) the instance key file."""
    provider = KeyFileProvider(key_file, passphrase=passphrase, scrypt_n=scrypt_n)
    if not provider.exists():
        if not create_if_missing:
            raise FileNotFoundError("key file missing: run `flask --app wsgi senim init`")
        provider.create()
        log.info("event=keys.created")
    return Keys(provider)
