"""When an old key version may be destroyed: a decision table (issue 16)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casework.domain.keyversions import (
    GRACE,
    KeyReason,
    ProcessAck,
    decode_versions,
    encode_versions,
    retire_decision,
)

NOW = datetime(2026, 12, 2, 12, 0)
LONG_AGO = NOW - GRACE - timedelta(seconds=1)
JUST_NOW = NOW - GRACE + timedelta(seconds=1)


def ack(casework: int, seen: datetime) -> ProcessAck:
    return ProcessAck("p" * 32, {"casework": casework, "audit": 1}, seen)


@pytest.mark.parametrize(("version", "rows", "since", "processes", "expected"), [
    (1, False, LONG_AGO, [], ()),
    (7, False, LONG_AGO, [], (KeyReason.UNKNOWN,)),
    (2, False, LONG_AGO, [], (KeyReason.CURRENT,)),
    (1, True, LONG_AGO, [], (KeyReason.IN_USE,)),
    (1, False, JUST_NOW, [], (KeyReason.RECENTLY_CURRENT,)),
    (1, False, LONG_AGO, [ack(1, JUST_NOW)], (KeyReason.PROCESS_BEHIND,)),
    (1, False, LONG_AGO, [ack(1, LONG_AGO)], ()),  # that process has stopped working
    (1, False, LONG_AGO, [ack(2, NOW)], ()),  # it has taken up the new version
    (1, True, JUST_NOW, [ack(1, NOW)],
     (KeyReason.IN_USE, KeyReason.RECENTLY_CURRENT, KeyReason.PROCESS_BEHIND)),
])
def test_retire_decision(version, rows, since, processes, expected):
    decision = retire_decision(name="casework", version=version, known=(1, 2), current=2,
                               rows_in_use=rows, current_until=since, processes=processes,
                               now=NOW)
    assert decision.allowed is (expected == ())
    assert decision.reasons == expected


def test_versions_round_trip():
    versions = {"casework": 3, "audit": 1, "intel": 12}
    assert encode_versions(versions) == "audit=1,casework=3,intel=12"
    assert decode_versions(encode_versions(versions)) == versions
    assert decode_versions("casework=x,,=2,audit=4") == {"audit": 4}
