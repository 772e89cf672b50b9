"""canonical(), HMAC helpers, SecretKey, KeySet and key wrapping."""

from __future__ import annotations

import pytest

from crypto import (
    CryptoError,
    DecryptionError,
    KeyNotFoundError,
    KeySet,
    SecretKey,
    canonical,
    derive_subkey,
    generate_key,
    mac,
    mac_equal,
    unwrap_key,
    wrap_key,
    wrapped_key_version,
)


def test_canonical_is_unambiguous() -> None:
    assert canonical("ab", "c") != canonical("a", "bc")
    assert canonical("1") != canonical(b"1") != canonical(1)
    assert canonical("a") != canonical("a", "")
    assert canonical("x", 5) == canonical("x", 5)


def test_canonical_rejects_bool_and_other_types() -> None:
    with pytest.raises(TypeError):
        canonical(True)
    with pytest.raises(TypeError):
        canonical(1.5)  # type: ignore[arg-type]


def test_mac() -> None:
    k = generate_key()
    assert len(mac(k, b"x")) == 32
    assert mac_equal(mac(k, b"x"), mac(k, b"x"))
    assert not mac_equal(mac(k, b"x"), mac(k, b"y"))
    with pytest.raises(ValueError):
        mac(b"short", b"x")


def test_secret_key_validation_and_repr() -> None:
    material = generate_key()
    k = SecretKey(3, material)
    assert repr(k) == f"SecretKey(version=3, fingerprint={k.fingerprint()})"
    assert material.hex() not in repr(k)
    assert repr(material) not in repr(k)
    assert len(k.fingerprint()) == 8
    assert k == SecretKey(3, material)
    with pytest.raises(ValueError):
        SecretKey(1, b"\x00" * 31)
    with pytest.raises(ValueError):
        SecretKey(0, material)


def test_keyset_rotation_and_retirement(keyset: KeySet) -> None:
    assert keyset.versions == (1, 2)
    assert keyset.current_key.version == 2
    rotated = keyset.with_new_version()
    assert rotated.versions == (1, 2, 3)
    assert rotated.current_key.version == 3
    assert keyset.versions == (1, 2)  # immutable
    retired = rotated.without(1)
    assert retired.versions == (2, 3)
    with pytest.raises(KeyNotFoundError):
        retired.get(1)
    with pytest.raises(CryptoError):
        retired.without(3)
    with pytest.raises(KeyNotFoundError):
        KeySet({1: generate_key()}, current=2)
    assert "fingerprint" not in repr(keyset)
    assert keyset.get(1).fingerprint() in repr(keyset)


def test_wrap_unwrap_roundtrip_and_format(keyset: KeySet) -> None:
    dek = generate_key()
    wrapped = wrap_key(keyset.current_key, dek, subject="victim:42", purpose="dek")
    assert wrapped[0] == 1
    assert wrapped_key_version(wrapped) == 2
    assert len(wrapped) == 1 + 4 + 12 + 32 + 16
    assert unwrap_key(keyset, wrapped, subject="victim:42", purpose="dek") == dek


def test_unwrap_after_rotation_and_retirement(keyset: KeySet) -> None:
    dek = generate_key()
    old = wrap_key(keyset.get(1), dek, subject="s", purpose="dek")
    rotated = keyset.with_new_version()
    assert unwrap_key(rotated, old, subject="s", purpose="dek") == dek
    with pytest.raises(KeyNotFoundError):
        unwrap_key(rotated.without(1), old, subject="s", purpose="dek")


@pytest.mark.parametrize(("subject", "purpose"), [("victim:43", "dek"), ("victim:42", "intel")])
def test_unwrap_bound_to_subject_and_purpose(keyset: KeySet, subject: str, purpose: str) -> None:
    wrapped = wrap_key(keyset.current_key, generate_key(), subject="victim:42", purpose="dek")
    with pytest.raises(DecryptionError):
        unwrap_key(keyset, wrapped, subject=subject, purpose=purpose)


def test_unwrap_rejects_tampering_and_wrong_key(keyset: KeySet) -> None:
    wrapped = wrap_key(keyset.current_key, generate_key(), subject="s", purpose="p")
    for i in range(len(wrapped)):
        bad = bytearray(wrapped)
        bad[i] ^= 0x01
        with pytest.raises((DecryptionError, KeyNotFoundError)):
            unwrap_key(keyset, bytes(bad), subject="s", purpose="p")
    other = KeySet({2: generate_key()}, current=2)
    with pytest.raises(DecryptionError):
        unwrap_key(other, wrapped, subject="s", purpose="p")
    with pytest.raises(DecryptionError):
        unwrap_key(keyset, wrapped[:-1], subject="s", purpose="p")
    with pytest.raises(ValueError):
        wrap_key(keyset.current_key, b"short", subject="s", purpose="p")


# --- Derived subkeys (crypto.keys.derive_subkey) ------------------------------------------


def test_a_subkey_is_hkdf_of_its_root_per_purpose_and_keeps_the_version():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    root = SecretKey(3, bytes(range(32)))
    sub = derive_subkey(root, purpose="flash-cookie")
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=canonical("senim-subkey-v1", "flash-cookie")).derive(root.material)
    assert sub.version == 3 and sub.material == expected
    assert sub.material != root.material
    assert derive_subkey(root, purpose="flash-cookie") == sub  # deterministic
    assert derive_subkey(root, purpose="other").material != sub.material
    assert derive_subkey(SecretKey(3, bytes(32)), purpose="flash-cookie") != sub
    with pytest.raises(ValueError):
        derive_subkey(root, purpose="")
