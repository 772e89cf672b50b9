"""Access to the instance's key material for the rest of the application.

The key file is the only place keys live (``crypto.KeyFileProvider``); this module loads it
once per process and hands out the key sets that services need. Nothing here caches
plaintext data, only keys.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from crypto import KeyFileProvider, KeyMaterial, KeyNotFoundError, KeySet, SecretKey

log = logging.getLogger("senim.keys")


class Keys:
    """The process's view of the key file, reloadable after a rotation elsewhere.

    ``material`` is the key file as read, except that the current version of a key set is
    the one the casework database names (``pin``, from ``keystate.follow`` at the start of
    every unit of work): a process never protects new data under a version that is no
    longer current, even before it has re-read the key file.
    """

    def __init__(self, provider: KeyFileProvider) -> None:
        self._provider = provider
        self._lock = threading.Lock()
        self._file: KeyMaterial | None = None
        self._material: KeyMaterial | None = None
        self._pins: dict[str, int] = {}
        # Identifies this process (this app instance) in the key_users table.
        self.process_id = secrets.token_hex(16)
        self.acked: tuple[str, datetime] | None = None
        self.migrated_engines: set[int] = set()  # databases known to have key_state
        # The key_state rows keystate.follow last adopted, and the key file it checked them
        # against (the very object: a re-read or a save replaces it).
        self.followed: tuple[Sequence[Any], KeyMaterial] | None = None
        self.versions_memo: tuple[KeyMaterial, str] | None = None  # keystate._versions

    @property
    def material(self) -> KeyMaterial:
        with self._lock:
            if self._material is None:
                self._set_file(self._provider.load())
            assert self._material is not None
            return self._material

    def file_material(self) -> KeyMaterial:
        """The key file as last read, current versions as the file says."""
        self.material  # noqa: B018 - loads the file on first use
        assert self._file is not None
        return self._file

    def reload(self) -> KeyMaterial:
        """Re-read the key file (another process may have rotated a key)."""
        with self._lock:
            self._set_file(self._provider.load())
            assert self._material is not None
            return self._material

    def save(self, material: KeyMaterial, *, retired: tuple[str, int] | None = None) -> None:
        """Write the key file, refused if it changed since this process read it."""
        with self._lock:
            self._provider.save(material, expected=self._file, retired=retired)
            self._set_file(material)

    def pin(self, current: Mapping[str, int]) -> None:
        """Use these versions as current (raises KeyNotFoundError if the file lacks one)."""
        with self._lock:
            if self._file is None:
                self._file = self._provider.load()
            previous = self._pins
            self.followed = None  # pinned by someone: keystate.follow checks afresh
            self._pins = dict(current)
            try:
                self._material = _pinned(self._file, self._pins)
            except KeyNotFoundError:
                self._pins = previous
                raise

    def remember_followed(self, rows: Sequence[Any], file: KeyMaterial) -> None:
        """Note that ``rows`` of key_state were adopted against ``file``, unless the key file
        was re-read or replaced since (then the next unit of work checks afresh)."""
        with self._lock:
            if self._file is file:
                self.followed = (rows, file)

    def pins(self) -> dict[str, int]:
        with self._lock:
            return dict(self._pins)

    def _set_file(self, material: KeyMaterial) -> None:
        self._file = material
        self.followed = None
        try:
            self._material = _pinned(material, self._pins)
        except KeyNotFoundError:
            # The new file lacks a pinned version: use the file's own current versions
            # until keystate.follow next checks them against the database.
            self._pins = {}
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


def _pinned(material: KeyMaterial, pins: Mapping[str, int]) -> KeyMaterial:
    changes = {name: getattr(material, name).with_current(version)
               for name, version in pins.items()}
    return dataclasses.replace(material, **changes) if changes else material


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
