"""When an old key version may be destroyed (issue 16): pure rules, no I/O.

A version is retired only when nothing can still need it: it is not current, no stored row
is protected by it, it stopped being current long enough ago that no unit of work begun
before the rotation can still be running, and no running process has reported (within
that same bound) that it still protects new data with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision

# The longest a unit of work (a request, a job run, a CLI step) may take plus the longest
# a process goes without refreshing its acknowledgement (ACK_EVERY).
GRACE = timedelta(minutes=5)
ACK_EVERY = timedelta(seconds=60)


class KeyReason(str, Enum):
    IN_USE = "key_version_in_use"
    CURRENT = "key_version_current"
    UNKNOWN = "key_version_unknown"
    NOT_ROTATABLE = "key_set_not_rotatable"
    RECENTLY_CURRENT = "key_version_recently_current"
    PROCESS_BEHIND = "key_version_used_by_running_process"


@dataclass(frozen=True)
class ProcessAck:
    """What one running process last reported: the versions it protects new data with."""

    process_id: str
    versions: Mapping[str, int]
    seen_at: datetime


def retire_decision(*, name: str, version: int, known: Iterable[int], current: int,
                    rows_in_use: bool, current_until: datetime,
                    processes: Iterable[ProcessAck], now: datetime,
                    grace: timedelta = GRACE) -> Decision:
    """May ``version`` of key set ``name`` be destroyed now?

    ``current_until`` is when the key set's current version last changed (the rotation that
    made ``version`` old, or a later one).
    """
    if version not in set(known):
        return Decision.deny(KeyReason.UNKNOWN)
    if version == current:
        return Decision.deny(KeyReason.CURRENT)
    reasons: list[Enum] = []
    if rows_in_use:
        reasons.append(KeyReason.IN_USE)
    if now - current_until < grace:
        reasons.append(KeyReason.RECENTLY_CURRENT)
    if any(p.versions.get(name) == version and now - p.seen_at < grace for p in processes):
        reasons.append(KeyReason.PROCESS_BEHIND)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def encode_versions(versions: Mapping[str, int]) -> str:
    """``audit=1,casework=2,...``: the form stored in an acknowledgement row."""
    return ",".join(f"{name}={versions[name]}" for name in sorted(versions))


def decode_versions(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name and value.isdigit():
            out[name] = int(value)
    return out
