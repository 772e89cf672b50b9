"""Unwrapped data keys, kept for one unit of work only (issue 12, item 2).

A page that shows a person's record, screenings, interviews and notes decrypts many fields
under the same data key; unwrapping it again for every field costs a statement and an
AES-GCM operation each time. A :class:`KeyCache` lives on the service context of one
request (``casework.web.context``), one job run or one command, and is wiped when that
unit of work ends. There is deliberately no process-wide cache: an unwrapped data key must
not outlive the work that needed it, so a crash dump or a later request never finds it.

Entries are keyed by (kind, owner, version): a data-key rotation adds a version and the
old one is forgotten explicitly (``keyops.rotate_data_key``), as is every version of a
shredded subject (``shredding``). A KEK rotation rewraps the same key material, so cached
entries stay right.
"""

from __future__ import annotations

from collections import OrderedDict

from crypto import SecretKey

# Bounds the memory a long job (a nightly review over every person) keeps unwrapped: the
# least recently used key is dropped and unwrapped again if needed.
MAX_ENTRIES = 256

CacheKey = tuple[str, str, int]


class KeyCache:
    """At most :data:`MAX_ENTRIES` unwrapped keys for one unit of work."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        # Each key with the wrapped form it came from: a caller holding the stored row can
        # check that the entry still matches it (a rolled-back rotation would otherwise
        # leave a key the database no longer has).
        self._keys: OrderedDict[CacheKey, tuple[SecretKey, bytes]] = OrderedDict()
        self._max = max_entries
        self.unwraps = 0  # keys unwrapped through this cache (tests count them)

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, kind: str, owner: str, version: int, *,
            wrapped: bytes | None = None) -> SecretKey | None:
        """The cached key, if any (and, given ``wrapped``, only if unwrapped from it)."""
        entry = self._keys.get((kind, owner, version))
        if entry is None or (wrapped is not None and entry[1] != wrapped):
            return None
        self._keys.move_to_end((kind, owner, version))
        return entry[0]

    def put(self, kind: str, owner: str, key: SecretKey, *, wrapped: bytes) -> SecretKey:
        self.unwraps += 1
        self._keys[(kind, owner, key.version)] = (key, bytes(wrapped))
        self._keys.move_to_end((kind, owner, key.version))
        while len(self._keys) > self._max:
            self._keys.popitem(last=False)
        return key

    def forget(self, kind: str, owner: str, *, below: int | None = None) -> None:
        """Drop an owner's keys (all, or only versions below ``below``)."""
        for entry in [k for k in self._keys if k[0] == kind and k[1] == owner
                      and (below is None or k[2] < below)]:
            del self._keys[entry]

    def clear(self) -> None:
        """Drop every key (the end of the unit of work)."""
        self._keys.clear()
