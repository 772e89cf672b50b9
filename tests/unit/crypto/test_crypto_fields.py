"""Field encryption: round trips, context binding, tampering and key versions."""

from __future__ import annotations

import pytest

from crypto import (
    DecryptionError,
    KeyNotFoundError,
    KeySet,
    SecretKey,
    decrypt_field,
    decrypt_text,
    encrypt_field,
    encrypt_text,
    field_context,
    field_key_version,
    generate_key,
)

CANARY = "CANARY-Aigul-Sadykova-7f3a"
CTX = {"table": "victim", "column": "legal_name", "row": "42", "subject": "victim:42"}


def ctx(**overrides: str) -> bytes:
    return field_context(**{**CTX, **overrides})


def test_roundtrip_and_format(key: SecretKey) -> None:
    token = encrypt_field(key, b"secret", context=ctx())
    assert token[0] == 2  # format 2; format 1 is read only (test_format_1_tokens_still_read)
    assert field_key_version(token) == 1
    assert len(token) == 1 + 4 + 12 + len(b"secret") + 16
    assert decrypt_field(key, token, context=ctx()) == b"secret"
    assert encrypt_field(key, b"secret", context=ctx()) != token  # fresh nonce


def test_text_roundtrip(key: SecretKey) -> None:
    token = encrypt_text(key, "Айгүл Нұрсұлтанқызы", context=ctx())
    assert decrypt_text(key, token, context=ctx()) == "Айгүл Нұрсұлтанқызы"
    assert decrypt_text(key, encrypt_text(key, "", context=ctx()), context=ctx()) == ""


def test_text_rejects_non_utf8(key: SecretKey) -> None:
    token = encrypt_field(key, b"\xff\xfe", context=ctx())
    with pytest.raises(DecryptionError):
        decrypt_text(key, token, context=ctx())


@pytest.mark.parametrize(
    "moved",
    [
        {"row": "43"},
        {"column": "alias"},
        {"subject": "victim:43"},
        {"table": "intel_person"},
        {"table": "victimlegal_name", "column": ""},  # naive concatenation would collide
    ],
)
def test_ciphertext_moved_elsewhere_fails(key: SecretKey, moved: dict[str, str]) -> None:
    token = encrypt_field(key, b"secret", context=ctx())
    with pytest.raises(DecryptionError):
        decrypt_field(key, token, context=ctx(**moved))


def test_flipped_bit_anywhere_fails(keyset: KeySet) -> None:
    token = encrypt_field(keyset.current_key, b"secret value", context=ctx())
    for i in range(len(token)):
        for bit in (0x01, 0x80):
            bad = bytearray(token)
            bad[i] ^= bit
            with pytest.raises((DecryptionError, KeyNotFoundError)):
                decrypt_field(keyset, bytes(bad), context=ctx())


def test_wrong_key_and_malformed(key: SecretKey) -> None:
    token = encrypt_field(key, b"secret", context=ctx())
    with pytest.raises(DecryptionError):
        decrypt_field(SecretKey(1, generate_key()), token, context=ctx())
    with pytest.raises(DecryptionError):
        decrypt_field(SecretKey(2, key.material), token, context=ctx())  # version mismatch
    for bad in (b"", token[:32], b"\x03" + token[1:], b"\x00" + token[1:]):
        with pytest.raises(DecryptionError):
            decrypt_field(key, bad, context=ctx())


def test_keyset_versions(keyset: KeySet) -> None:
    old = encrypt_field(keyset.get(1), b"old", context=ctx())
    new = encrypt_field(keyset.current_key, b"new", context=ctx())
    assert decrypt_field(keyset, old, context=ctx()) == b"old"
    assert decrypt_field(keyset, new, context=ctx()) == b"new"
    with pytest.raises(KeyNotFoundError):
        decrypt_field(keyset.without(1), old, context=ctx())


def test_errors_do_not_leak(key: SecretKey) -> None:
    token = encrypt_text(key, CANARY, context=ctx())
    with pytest.raises(DecryptionError) as info:
        decrypt_text(key, token, context=ctx(row="1"))
    text = str(info.value) + repr(info.value)
    assert CANARY not in text
    assert key.material.hex() not in text
    assert token.hex() not in text
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


@pytest.mark.parametrize("context", [b"", b"x", bytes(range(256)) * 3])
def test_associated_data_is_the_documented_encoding(key: SecretKey, context: bytes) -> None:
    # The hot path builds the AAD by hand; stored tokens depend on it being byte-identical
    # to docs/crypto.md: canonical("senim-field-v2", header) || context.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from crypto import fields
    from crypto.mac import canonical

    header = fields._HEADER.pack(2, key.version)
    assert fields._aad(header, context) == canonical("senim-field-v2", header) + context
    token = encrypt_field(key, b"v", context=context)
    assert token[:5] == header
    nonce, body = token[5:17], token[17:]
    assert AESGCM(key.material).decrypt(
        nonce, body, canonical("senim-field-v2", token[:5]) + context) == b"v"


def _format_1_token(key: SecretKey, plaintext: bytes, context: bytes) -> bytes:
    """A token as written before format 2, built from docs/crypto.md rather than the code."""
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from crypto.mac import canonical

    header = bytes([1]) + key.version.to_bytes(4, "big")
    nonce = os.urandom(12)
    aad = canonical("senim-field-v1", header, context)
    return header + nonce + AESGCM(key.material).encrypt(nonce, plaintext, aad)


def test_format_1_tokens_still_read(keyset: KeySet) -> None:
    key = keyset.current_key
    old = _format_1_token(key, b"written in 2025", ctx())
    assert field_key_version(old) == key.version
    assert decrypt_field(key, old, context=ctx()) == b"written in 2025"
    assert decrypt_field(keyset, old, context=ctx()) == b"written in 2025"
    for moved in ({"row": "43"}, {"column": "alias"}):
        with pytest.raises(DecryptionError):
            decrypt_field(key, old, context=ctx(**moved))
    # Relabelling a format-1 token as format 2 (or back) changes its AAD: it fails.
    with pytest.raises(DecryptionError):
        decrypt_field(key, b"\x02" + old[1:], context=ctx())
    new = encrypt_field(key, b"v", context=ctx())
    with pytest.raises(DecryptionError):
        decrypt_field(keyset, b"\x01" + new[1:], context=ctx())


def test_context_cannot_slide_into_the_header() -> None:
    # Format 2 puts the context last without a length prefix. Everything before it has one
    # length for every key version, so no two (header, context) pairs share an AAD, even
    # contexts that start with bytes a header could end with.
    from crypto import fields

    versions = (1, 2, 256, 65536, 2**32 - 1)
    contexts = (b"", b"\x00", b"\x01", b"\x00\x01", b"\x00\x00\x01\x00", b"ctx", b"\x01ctx")
    pairs = [(fields._HEADER.pack(2, v), c) for v in versions for c in contexts]
    aads = [fields._aad(header, context) for header, context in pairs]
    assert len(set(aads)) == len(pairs)
    assert {len(aad) - len(context) for aad, (_, context) in zip(aads, pairs, strict=True)} \
        == {29}  # canonical("senim-field-v2") 19 + canonical(header) 10


def test_cached_cipher_is_the_keys_own(key: SecretKey) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = bytes(12)
    sealed = key.aead.encrypt(nonce, b"payload", b"ad")
    assert AESGCM(key.material).decrypt(nonce, sealed, b"ad") == b"payload"
    assert "AESGCM" not in repr(key) and key == SecretKey(key.version, key.material)
