"""The key file is replaced only by a writer that read what is on disk, and never with a
version list that lost a version (issue 16: two rotations each wrote their own v2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crypto import KeyFileChangedError, KeyFileProvider, KeySet

FAST_N = 2**4


def test_a_write_based_on_a_stale_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = KeyFileProvider(path, passphrase="pw", scrypt_n=FAST_N)
    original = provider.create()
    first = original.with_rotated("casework")  # operator A's v2
    second = original.with_rotated("casework")  # operator B's own v2, from the same read
    provider.save(first, expected=original)
    with pytest.raises(KeyFileChangedError):
        provider.save(second, expected=original)
    assert provider.load() == first  # A's v2 survives


def test_a_write_that_drops_a_version_is_refused_unless_retiring_it(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = KeyFileProvider(path, scrypt_n=FAST_N)
    rotated = provider.create().with_rotated("casework")
    provider.save(rotated)
    retired = rotated.with_retired("casework", 1)
    with pytest.raises(KeyFileChangedError):
        provider.save(retired)
    with pytest.raises(KeyFileChangedError):
        provider.save(retired, retired=("intel", 1))
    assert provider.load().casework.versions == (1, 2)
    provider.save(retired, expected=rotated, retired=("casework", 1))
    assert provider.load().casework.versions == (2,)


def test_the_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "keys.json"
    provider = KeyFileProvider(path, scrypt_n=FAST_N)
    material = provider.create()
    provider.save(material.with_rotated("audit"), expected=material)
    names = sorted(p.name for p in path.parent.iterdir())
    assert names == [".keys.json.lock", "keys.json"]
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_with_current_names_an_existing_version_only() -> None:
    keyset = KeySet({1: b"a" * 32, 2: b"b" * 32}, 2)
    assert keyset.with_current(1).current_key.version == 1
    assert keyset.with_current(1).versions == (1, 2)
    assert keyset.with_current(2) is keyset
    from crypto import KeyNotFoundError

    with pytest.raises(KeyNotFoundError):
        keyset.with_current(3)
