"""The messages flashed to a signed-in member of staff, sealed for a cookie of their own.

Issue 12: "Saved." after a case note used to be written into the session's row, one more
transaction after the note's own, and taken off it again by the next page, a third: the
note page spent a fifth of its time keeping a message. The messages now travel in a
cookie, never in a database row:

- sealed with AES-256-GCM (``crypto.fields``) under a key derived from the current
  session-signing secret (HKDF-SHA256, its own label): a message may name an entry's
  reference or a colleague, and the browser only ever holds ciphertext;
- bound to the session it was flashed in (its associated data is the hash of the session
  id), so it means nothing to another session, signed in or not;
- stamped with the time it was sealed, and ignored once older than the idle limit.

A sealed cookie that does not open (altered, from another session, too old, sealed
under a retired secret) is dropped: the worst that happens is a message not shown.
Replaying an old cookie within the same session shows an old message again; it cannot
carry anything the session was not already told.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
from datetime import datetime, timedelta
from typing import Any

from casework.services.keys import Keys
from casework.services.sessions import hash_sid
from crypto import (
    CryptoError,
    SecretKey,
    canonical,
    decrypt_text,
    derive_subkey,
    encrypt_text,
    field_key_version,
)

__all__ = ["MAX_COOKIE", "open_flashes", "seal_flashes"]

# Browsers keep cookies of at least 4,096 bytes, name and attributes included.
MAX_COOKIE = 3800
_PURPOSE = "flash-cookie"


@functools.lru_cache(maxsize=8)
def _derived(secret: SecretKey) -> SecretKey:
    return derive_subkey(secret, purpose=_PURPOSE)


def _context(sid: str) -> bytes:
    return canonical("senim-flash-cookie-v1", hash_sid(sid))


def seal_flashes(keys: Keys, sid: str, flashes: list[Any], *, now: datetime) -> str | None:
    """The cookie value carrying ``flashes`` for session ``sid``; None if too large."""
    payload = json.dumps({"at": int(now.timestamp()), "flashes": flashes},
                         ensure_ascii=False, separators=(",", ":"))
    token = encrypt_text(_derived(keys.current("secret")), payload, context=_context(sid))
    value = base64.urlsafe_b64encode(token).decode("ascii").rstrip("=")
    return value if len(value) <= MAX_COOKIE else None


def open_flashes(keys: Keys, sid: str, value: str, *, now: datetime,
                 max_age: timedelta) -> list[Any]:
    """The messages in a cookie sealed by :func:`seal_flashes` for ``sid`` (else none)."""
    if not value or len(value) > MAX_COOKIE:
        return []
    try:
        token = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        # Only the versions already loaded: a forged version number must not make every
        # request re-read the key file.
        secret = keys.keyset("secret").get(field_key_version(token))
        payload = json.loads(decrypt_text(_derived(secret), token, context=_context(sid)))
    except (CryptoError, ValueError, binascii.Error, UnicodeError):
        return []
    if not isinstance(payload, dict):
        return []
    at, flashes = payload.get("at"), payload.get("flashes")
    if not isinstance(at, int) or not isinstance(flashes, list):
        return []
    age = now.timestamp() - at
    if age < -60 or age > max_age.total_seconds():  # a minute of clock skew between workers
        return []
    return [list(item) for item in flashes
            if isinstance(item, list) and len(item) == 2
            and all(isinstance(part, str) for part in item)]
