"""No error raised by the crypto package carries key material, plaintext or ciphertext."""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from crypto import (
    CryptoError,
    KeySet,
    SecretKey,
    decrypt_stream_to_bytes,
    decrypt_text,
    encrypt_stream,
    encrypt_text,
    field_context,
    generate_key,
    unwrap_key,
    wrap_key,
)
from crypto.keyfile import KeyFileProvider

CANARY = "CANARY-Aigul-Sadykova-7f3a"
CANARY_KEY = SecretKey(1, b"K" * 32)  # recognisable material: b"KKKK..." / 4b4b4b...
CTX = field_context(table="victim", column="name", row="1", subject="victim:1")


def _assert_clean(exc: BaseException, *secrets: bytes) -> None:
    text = "".join(traceback.format_exception(exc)) + repr(exc.args)
    assert CANARY not in text
    for secret in (CANARY_KEY.material, *secrets):
        assert secret.hex() not in text
        assert repr(secret) not in text
        assert secret.decode("latin-1") not in text


def _field_wrong_context() -> tuple[Callable[[], object], bytes]:
    token = encrypt_text(CANARY_KEY, CANARY, context=CTX)
    return (lambda: decrypt_text(CANARY_KEY, token, context=CTX + b"x")), token


def _field_wrong_key() -> tuple[Callable[[], object], bytes]:
    token = encrypt_text(CANARY_KEY, CANARY, context=CTX)
    other = KeySet({1: generate_key()}, 1)
    return (lambda: decrypt_text(other, token, context=CTX)), token


def _unwrap_wrong_subject() -> tuple[Callable[[], object], bytes]:
    dek = b"D" * 32
    wrapped = wrap_key(CANARY_KEY, dek, subject="victim:1", purpose="dek")
    keks = KeySet({1: CANARY_KEY.material}, 1)
    return (lambda: unwrap_key(keks, wrapped, subject="victim:2", purpose="dek")), wrapped + dek


def _stream_wrong_aad() -> tuple[Callable[[], object], bytes]:
    out = io.BytesIO()
    encrypt_stream(CANARY_KEY.material, io.BytesIO(CANARY.encode()), out, aad=b"a")
    blob = out.getvalue()
    return (lambda: decrypt_stream_to_bytes(CANARY_KEY.material, io.BytesIO(blob), aad=b"b")), blob


@pytest.mark.parametrize(
    "case", [_field_wrong_context, _field_wrong_key, _unwrap_wrong_subject, _stream_wrong_aad]
)
def test_decryption_errors_are_clean(
    case: Callable[[], tuple[Callable[[], object], bytes]],
) -> None:
    action, extra = case()
    with pytest.raises(CryptoError) as info:
        action()
    _assert_clean(info.value, extra)


def test_wrong_passphrase_error_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    KeyFileProvider(path, passphrase=CANARY, scrypt_n=2**10).create()
    with pytest.raises(CryptoError) as info:
        KeyFileProvider(path, passphrase=CANARY + "x").load()
    _assert_clean(info.value)
