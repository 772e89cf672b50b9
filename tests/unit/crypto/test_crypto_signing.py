"""Ed25519 signing and OpenSSL interoperability of the exported public key."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from crypto import (
    CryptoError,
    SignatureError,
    generate_signing_key,
    public_key,
    public_key_pem,
    sign,
    verify,
)


def test_sign_verify_roundtrip() -> None:
    private = generate_signing_key()
    public = public_key(private)
    assert len(private) == 32
    assert len(public) == 32
    sig = sign(private, b"manifest")
    assert len(sig) == 64
    verify(public, b"manifest", sig)
    with pytest.raises(SignatureError):
        verify(public, b"manifest!", sig)
    with pytest.raises(SignatureError):
        verify(public_key(generate_signing_key()), b"manifest", sig)
    with pytest.raises(SignatureError):
        verify(public, b"manifest", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert issubclass(SignatureError, CryptoError)


def test_pem_from_private_and_public_match() -> None:
    private = generate_signing_key()
    pem = public_key_pem(private)
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    assert pem == public_key_pem(public_key(private), is_private=False)
    with pytest.raises(ValueError):
        public_key_pem(b"short")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_verifies_signature(tmp_path: Path) -> None:
    private = generate_signing_key()
    manifest = tmp_path / "manifest"
    manifest.write_bytes(b"sha256 abc  export.age\n")
    (tmp_path / "sig").write_bytes(sign(private, manifest.read_bytes()))
    (tmp_path / "pub.pem").write_bytes(public_key_pem(private))
    cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin",
           "-in", "manifest", "-sigfile", "sig"]  # fmt: skip
    ok = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
    if "rawin" in ok.stderr and ok.returncode != 0 and "Unknown" in ok.stderr:
        pytest.skip("this openssl build lacks -rawin (needs OpenSSL >= 3.0)")
    assert ok.returncode == 0, ok.stderr
    manifest.write_bytes(b"sha256 abd  export.age\n")
    bad = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode != 0
