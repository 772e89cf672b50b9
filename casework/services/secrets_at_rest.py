"""Small helpers for values encrypted under the instance's (non-subject) key sets."""

from __future__ import annotations

from casework.services.keys import Keys
from crypto import decrypt_text, encrypt_text, field_context, field_key_version


def seal(keys: Keys, keyset: str, value: str, *, table: str, column: str, row: str) -> bytes:
    context = field_context(table=table, column=column, row=row, subject=f"{table}:{row}")
    return encrypt_text(keys.current(keyset), value, context=context)


def unseal(keys: Keys, keyset: str, token: bytes, *, table: str, column: str, row: str) -> str:
    context = field_context(table=table, column=column, row=row, subject=f"{table}:{row}")
    key = keys.version(keyset, field_key_version(token))
    return decrypt_text(key, token, context=context)
