"""The default key provider: a JSON key file, optionally sealed with a passphrase.

Layout of the file (UTF-8 JSON, mode 0600, directory 0700)::

    {"format": "senim-keyfile", "version": 1, "sealed": false, "keys": {...}}
    {"format": "senim-keyfile", "version": 1, "sealed": true,
     "kdf": {"name": "scrypt", "n": 131072, "r": 8, "p": 1, "salt": "<b64>"},
     "nonce": "<b64>", "ciphertext": "<b64 AES-256-GCM of the keys JSON>"}

``keys`` maps each key-set name to ``{"current": N, "keys": {"N": "<b64 32 bytes>"}}``.
Sealing makes a copied disk or backup alone useless; an unsealed file is for demo/dev and
is labelled ``"sealed": false`` so that is visible to anyone who inspects it.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from crypto.errors import CryptoError, KeyFileChangedError, KeyFileError
from crypto.keymaterial import KEY_SET_NAMES, KeyMaterial, KeyProvider
from crypto.keys import KeySet
from crypto.mac import canonical

# KeyMaterial and KeyProvider live in keymaterial.py (keeps modules small) and are
# re-exported here because callers think of them as part of the key-file API.
__all__ = ["KeyFileProvider", "KeyMaterial", "KeyProvider"]

_FORMAT = "senim-keyfile"
_VERSION = 1
_SCRYPT_R = 8
_SCRYPT_P = 1


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise KeyFileError("key file is malformed")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError("key file is malformed") from None


def _encode_keys(material: KeyMaterial) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in KEY_SET_NAMES:
        keyset: KeySet = getattr(material, name)
        out[name] = {
            "current": keyset.current_key.version,
            "keys": {str(v): _b64(keyset.get(v).material) for v in keyset.versions},
        }
    return out


def _decode_keys(data: object) -> KeyMaterial:
    try:
        if not isinstance(data, dict) or set(data) != set(KEY_SET_NAMES):
            raise KeyFileError("key file does not contain the expected key sets")
        sets = {
            name: KeySet(
                {int(v): _unb64(m) for v, m in data[name]["keys"].items()},
                int(data[name]["current"]),
            )
            for name in KEY_SET_NAMES
        }
    except (KeyError, TypeError, ValueError, AttributeError, CryptoError) as exc:
        if isinstance(exc, KeyFileError):
            raise
        raise KeyFileError("key file is malformed") from None
    return KeyMaterial(**sets)


def _sealing_aad(kdf: dict[str, Any]) -> bytes:
    # Authenticate the header so KDF parameters cannot be swapped without detection.
    return canonical(_FORMAT, _VERSION, "scrypt", kdf["n"], kdf["r"], kdf["p"], kdf["salt"])


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))


class KeyFileProvider:
    """Loads and saves :class:`KeyMaterial` in a local key file (implements KeyProvider)."""

    def __init__(self, path: Path, *, passphrase: str | None = None, scrypt_n: int = 2**17):
        if passphrase == "":
            raise KeyFileError("an empty passphrase is not allowed")
        if scrypt_n < 2 or scrypt_n & (scrypt_n - 1):
            raise ValueError("scrypt_n must be a power of two")
        self._path = Path(path)
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n

    def __repr__(self) -> str:
        return f"KeyFileProvider(path={str(self._path)!r}, sealed={self._passphrase is not None})"

    def exists(self) -> bool:
        """Return True if the key file exists."""
        return self._path.exists()

    def create(self) -> KeyMaterial:
        """Generate fresh key material, write it, and return it; never overwrites a file."""
        if self.exists():
            raise KeyFileError("key file already exists; refusing to overwrite it")
        material = KeyMaterial.generate()
        self._write(material, overwrite=False)
        return material

    def save(self, material: KeyMaterial, *, expected: KeyMaterial | None = None,
             retired: tuple[str, int] | None = None) -> None:
        """Atomically replace the key file with ``material`` (re-sealed with a new salt).

        Under an exclusive lock on ``<file>.lock`` the file is re-read first: if ``expected``
        is given and the file no longer holds exactly that (another process rotated or
        retired a key since the caller read it), :class:`KeyFileChangedError` is raised and
        nothing is written. A version on disk that ``material`` lacks is refused too, unless
        it is the one being ``retired`` (name, version): a key file never loses a version by
        accident (two rotations that each made their own v2, the last write winning).
        """
        with self._locked():
            on_disk = self.load() if self.exists() else None
            if expected is not None and on_disk != expected:
                raise KeyFileChangedError("the key file changed since it was read; "
                                          "nothing was written")
            if on_disk is not None:
                for name in KEY_SET_NAMES:
                    kept = set(getattr(material, name).versions)
                    lost = set(getattr(on_disk, name).versions) - kept
                    if retired is not None and retired[0] == name:
                        lost.discard(retired[1])
                    if lost:
                        raise KeyFileChangedError("refusing to write a key file that "
                                                  "loses a key version")
            self._write(material, overwrite=True)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive advisory lock (flock) beside the key file, across processes."""
        directory = self._path.parent
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True)
            os.chmod(directory, 0o700)
        if os.name != "posix":  # pragma: no cover - the key operation lock still applies
            yield
            return
        import fcntl

        fd = os.open(directory / f".{self._path.name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock, as does the process ending

    def load(self) -> KeyMaterial:
        """Read, check and (if sealed) decrypt the key file."""
        try:
            st = self._path.stat()
            raw = self._path.read_bytes()
        except FileNotFoundError:
            raise KeyFileError("key file not found") from None
        except OSError:
            raise KeyFileError("key file could not be read") from None
        if os.name == "posix" and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            # Refuse rather than warn: other local users must never be able to read keys.
            raise KeyFileError("key file is accessible by group or others; chmod 600 it")
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise KeyFileError("key file is not valid JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
            raise KeyFileError("not a Senim key file")
        if doc.get("version") != _VERSION:
            raise KeyFileError("unsupported key file version")
        sealed = doc.get("sealed")
        if sealed is False:
            if self._passphrase is not None:
                # A passphrase was configured, so an unsealed file may have been substituted.
                raise KeyFileError("key file is not sealed but a passphrase was configured")
            return _decode_keys(doc.get("keys"))
        if sealed is not True:
            raise KeyFileError("key file is malformed")
        if self._passphrase is None:
            raise KeyFileError("key file is sealed; a passphrase is required")
        return _decode_keys(self._unseal(doc, self._passphrase))

    def _unseal(self, doc: dict[str, Any], passphrase: str) -> object:
        kdf = doc.get("kdf")
        if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
            raise KeyFileError("key file is malformed")
        try:
            n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
            key = _derive(passphrase, _unb64(kdf["salt"]), n, r, p)
            aad = _sealing_aad(kdf)
            plain = AESGCM(key).decrypt(
                _unb64(doc.get("nonce")), _unb64(doc.get("ciphertext")), aad
            )
        except InvalidTag:
            raise KeyFileError("wrong passphrase or corrupted key file") from None
        except (KeyError, TypeError, ValueError, OverflowError, MemoryError):
            raise KeyFileError("key file is malformed") from None
        try:
            return json.loads(plain.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise KeyFileError("key file is malformed") from None

    def _serialise(self, material: KeyMaterial) -> bytes:
        keys = _encode_keys(material)
        doc: dict[str, Any] = {"format": _FORMAT, "version": _VERSION}
        if self._passphrase is None:
            doc |= {"sealed": False, "keys": keys}
        else:
            salt = os.urandom(16)
            kdf = {"name": "scrypt", "n": self._scrypt_n, "r": _SCRYPT_R, "p": _SCRYPT_P,
                   "salt": _b64(salt)}  # fmt: skip
            key = _derive(self._passphrase, salt, self._scrypt_n, _SCRYPT_R, _SCRYPT_P)
            nonce = os.urandom(12)
            inner = json.dumps(keys, sort_keys=True).encode("utf-8")
            sealed = AESGCM(key).encrypt(nonce, inner, _sealing_aad(kdf))
            doc |= {"sealed": True, "kdf": kdf, "nonce": _b64(nonce), "ciphertext": _b64(sealed)}
        return json.dumps(doc, indent=2, sort_keys=True).encode("utf-8") + b"\n"

    def _write(self, material: KeyMaterial, *, overwrite: bool) -> None:
        data = self._serialise(material)
        directory = self._path.parent
        if not directory.exists():
            directory.mkdir(mode=0o700, parents=True)
            os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
        tmp = directory / f".{self._path.name}.{secrets.token_hex(8)}.tmp"
        # O_EXCL: never follow or reuse a file an attacker pre-created at the temp name.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            if overwrite:
                os.replace(tmp, self._path)
            else:
                try:
                    os.link(tmp, self._path)  # atomic and fails if the target exists
                except FileExistsError:
                    raise KeyFileError(
                        "key file already exists; refusing to overwrite it"
                    ) from None
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    # Make the rename durable; not supported on Windows, where os.replace is enough.
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
