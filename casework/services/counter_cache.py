"""The menu's counters, remembered for a few seconds per member of staff (issue 12).

Every page shows how many tasks, waiting items and unread notifications its viewer has;
counting them is one or two statements over a dozen tables on every page (with the
key-state check, 2.3 of a search's 18.4 million instructions per request in callgrind).
Counts change far less often than pages are viewed, so each process remembers a viewer's
counts:

* **Forgotten at once when this process writes** to any table the counting statements
  read (the set is worked out from the statements themselves, ``watch``): an INSERT,
  UPDATE or DELETE on such a table, whichever session or connection runs it, starts a
  new generation, and counts from an older generation are never shown.
* **Forgotten after ``TTL`` otherwise**: what another process wrote (the other web
  workers, the scheduler's escalations) shows within that time. The clock is the
  application's own (``now``), so a test that moves it moves the expiry too, and a clock
  that goes back forgets everything.
* Per process, bounded (``SIZE`` viewers, oldest dropped), numbers only: no field value,
  nothing about a person, and never shared between two members of staff.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, event

__all__ = ["SIZE", "TTL", "CounterCache", "watch"]

TTL = timedelta(seconds=10)
SIZE = 1024
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)',
                    re.IGNORECASE)

T = TypeVar("T")


class _Generation:
    """Bumped whenever a watched table is written in this process."""

    def __init__(self) -> None:
        self.value = 0
        self.tables: frozenset[str] = frozenset()

    def bump(self) -> None:
        self.value += 1  # a lost race only bumps once: still a new generation


_GENERATION = _Generation()


def _written(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any,
             _executemany: bool) -> None:
    if statement[:1] in ("S", "s"):  # nearly every statement: a SELECT
        return
    found = _WRITE.match(statement)
    if found is not None and found.group(1).lower() in _GENERATION.tables:
        _GENERATION.bump()


def watch(engine: Engine, tables: Iterable[str]) -> None:
    """Start a new generation whenever ``engine`` runs a write to one of ``tables``."""
    _GENERATION.tables = _GENERATION.tables | frozenset(tables)
    # Asked of the engine itself, not remembered by id(): a new engine may reuse the id of
    # one that was disposed of (tests make many apps), and must still be watched.
    if not event.contains(engine, "before_cursor_execute", _written):
        event.listen(engine, "before_cursor_execute", _written)


class CounterCache(Generic[T]):
    """Counts per member of staff, valid for one generation and ``TTL``."""

    def __init__(self, ttl: timedelta = TTL, size: int = SIZE) -> None:
        self.ttl, self.size = ttl, size
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, tuple[int, datetime, T]] = OrderedDict()

    def get(self, staff_id: int, now: datetime) -> T | None:
        with self._lock:
            entry = self._entries.get(staff_id)
        if entry is None:
            return None
        generation, at, value = entry
        if generation != _GENERATION.value or not at <= now < at + self.ttl:
            return None
        return value

    def generation(self) -> int:
        """Read before counting: counts are kept under the generation they started in, so
        a write that lands while they are being counted makes them stale at once."""
        return _GENERATION.value

    def put(self, staff_id: int, now: datetime, generation: int, value: T) -> None:
        with self._lock:
            self._entries[staff_id] = (generation, now, value)
            self._entries.move_to_end(staff_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
