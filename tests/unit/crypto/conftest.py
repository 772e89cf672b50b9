"""Shared fixtures for the crypto unit tests (no app, no database)."""

from __future__ import annotations

import pytest

from crypto import KeySet, SecretKey, generate_key


@pytest.fixture
def key() -> SecretKey:
    return SecretKey(1, generate_key())


@pytest.fixture
def keyset() -> KeySet:
    return KeySet({1: generate_key(), 2: generate_key()}, current=2)
