"""The audit trail as a hash chain (issue 2, item 5): pure verification logic.

Each entry's MAC covers the previous entry's MAC and its own fields, so editing, deleting,
inserting or reordering a row breaks the chain at a nameable sequence number. The MAC
function is passed in (HMAC under the dedicated audit key), which keeps this module pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: datetime
    actor: str | None
    action: str
    object_type: str | None
    object_ref: str | None
    outcome: str
    request_id: str | None
    key_version: int
    prev_mac: str
    mac: str

    def fields(self) -> tuple[str, ...]:
        """The exact values the MAC covers, in a fixed order."""
        return (
            str(self.seq),
            self.at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            self.actor or "",
            self.action,
            self.object_type or "",
            self.object_ref or "",
            self.outcome,
            self.request_id or "",
            str(self.key_version),
            self.prev_mac,
        )


class BreakReason(str, Enum):
    GAP = "sequence_gap"
    PREVIOUS_MISMATCH = "previous_mac_mismatch"
    MAC_MISMATCH = "mac_mismatch"
    HEAD_MISMATCH = "head_mismatch"
    UNKNOWN_KEY = "unknown_key_version"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: BreakReason | None = None


MacFn = Callable[[int, tuple[str, ...]], str | None]


def verify_chain(
    entries: Iterable[ChainEntry], *, mac: MacFn, head_seq: int, head_mac: str
) -> ChainReport:
    """Walk the chain in sequence order and name the first entry that does not hold.

    ``mac(key_version, fields)`` returns the expected MAC, or None for an unknown key.
    ``head_seq``/``head_mac`` come from the separately stored chain head, so a deleted tail
    is detected too.
    """
    expected_seq, prev, checked = 1, GENESIS, 0
    for entry in entries:
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq, BreakReason.GAP)
        if entry.prev_mac != prev:
            return ChainReport(False, checked, entry.seq, BreakReason.PREVIOUS_MISMATCH)
        computed = mac(entry.key_version, entry.fields())
        if computed is None:
            return ChainReport(False, checked, entry.seq, BreakReason.UNKNOWN_KEY)
        if computed != entry.mac:
            return ChainReport(False, checked, entry.seq, BreakReason.MAC_MISMATCH)
        prev, expected_seq, checked = entry.mac, expected_seq + 1, checked + 1
    if checked != head_seq or prev != head_mac:
        # Fewer rows than the head promises: the tail was cut. More rows: something was
        # appended without going through the head. Same count: the head itself was edited.
        first = min(checked, head_seq) + 1 if checked != head_seq else max(head_seq, 1)
        return ChainReport(False, checked, first, BreakReason.HEAD_MISMATCH)
    return ChainReport(True, checked)
