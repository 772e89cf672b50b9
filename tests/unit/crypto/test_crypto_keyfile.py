"""Key file provider: create, load, seal, permissions, rotation and error hygiene."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from crypto import (
    KEY_SET_NAMES,
    CryptoError,
    KeyFileError,
    KeyFileProvider,
    KeyMaterial,
    KeyNotFoundError,
    KeyProvider,
    public_key,
    sign,
    verify,
)

FAST_N = 2**10  # production uses 2**17; tests only need the code path
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def test_create_and_load_unsealed(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "senim.json"
    provider = KeyFileProvider(path)
    assert not provider.exists()
    material = provider.create()
    assert provider.exists()
    assert provider.load() == material
    doc = json.loads(path.read_text())
    assert doc["sealed"] is False
    assert set(doc["keys"]) == set(KEY_SET_NAMES)
    signing = material.signing.current_key.material
    verify(public_key(signing), b"m", sign(signing, b"m"))


@posix_only
def test_file_and_directory_modes(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "senim.json"
    KeyFileProvider(path).create()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["senim.json"]  # no temp files left


def test_create_refuses_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    first = KeyFileProvider(path).create()
    with pytest.raises(KeyFileError):
        KeyFileProvider(path).create()
    assert KeyFileProvider(path).load() == first


def test_sealed_roundtrip_and_wrong_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    material = KeyFileProvider(path, passphrase="correct horse", scrypt_n=FAST_N).create()
    raw = path.read_text()
    doc = json.loads(raw)
    assert doc["sealed"] is True
    assert doc["kdf"] == {**doc["kdf"], "n": FAST_N, "r": 8, "p": 1}
    assert material.casework.current_key.material.hex() not in raw
    # n is read from the file, so any provider with the right passphrase can open it
    assert KeyFileProvider(path, passphrase="correct horse").load() == material
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        KeyFileProvider(path, passphrase="wrong horse").load()
    with pytest.raises(KeyFileError, match="passphrase is required"):
        KeyFileProvider(path).load()


def test_tampered_kdf_params_rejected(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    KeyFileProvider(path, passphrase="pw", scrypt_n=FAST_N).create()
    doc = json.loads(path.read_text())
    doc["kdf"]["n"] = FAST_N * 2
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError):
        KeyFileProvider(path, passphrase="pw").load()


def test_unsealed_file_refused_when_passphrase_configured(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    KeyFileProvider(path).create()
    with pytest.raises(KeyFileError, match="not sealed"):
        KeyFileProvider(path, passphrase="pw", scrypt_n=FAST_N).load()


@posix_only
def test_group_or_world_readable_refused(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    KeyFileProvider(path).create()
    for mode in (0o644, 0o640, 0o604):
        path.chmod(mode)
        with pytest.raises(KeyFileError, match="group or others"):
            KeyFileProvider(path).load()
    path.chmod(0o600)
    KeyFileProvider(path).load()


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[]", b'{"format": "other"}',
     b'{"format": "senim-keyfile", "version": 99, "sealed": false}',
     b'{"format": "senim-keyfile", "version": 1, "sealed": false, "keys": {}}',
     b'{"format": "senim-keyfile", "version": 1, "sealed": "yes"}'],
)  # fmt: skip
def test_malformed_files_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "senim.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content)
    os.close(fd)
    with pytest.raises(KeyFileError):
        KeyFileProvider(path).load()


def test_bad_key_length_in_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    KeyFileProvider(path).create()
    doc = json.loads(path.read_text())
    doc["keys"]["audit"]["keys"]["1"] = "AAAA"
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError, match="malformed"):
        KeyFileProvider(path).load()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="not found"):
        KeyFileProvider(tmp_path / "nope.json").load()


def test_rotate_retire_and_save(tmp_path: Path) -> None:
    path = tmp_path / "senim.json"
    provider: KeyProvider = KeyFileProvider(path, passphrase="pw", scrypt_n=FAST_N)
    assert isinstance(provider, KeyFileProvider)
    material = provider.create()
    rotated = material.with_rotated("casework").with_rotated("signing")
    assert rotated.casework.versions == (1, 2)
    assert rotated.casework.current_key.version == 2
    assert rotated.intel == material.intel
    provider.save(rotated)
    loaded = provider.load()
    assert loaded == rotated
    retired = loaded.with_retired("casework", 1)
    assert retired.casework.versions == (2,)
    with pytest.raises(CryptoError):
        retired.with_retired("casework", 2)
    with pytest.raises(KeyNotFoundError):
        retired.with_retired("casework", 7)
    with pytest.raises(ValueError):
        material.with_rotated("nonsense")


def test_reprs_do_not_leak(tmp_path: Path) -> None:
    material = KeyMaterial.generate()
    text = repr(material) + str(material)
    for name in KEY_SET_NAMES:
        key = getattr(material, name).current_key
        assert key.material.hex() not in text
        assert repr(key.material) not in text
    assert "hunter2" not in repr(KeyFileProvider(tmp_path / "k", passphrase="hunter2-x"))


def test_empty_passphrase_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError):
        KeyFileProvider(tmp_path / "k", passphrase="")
