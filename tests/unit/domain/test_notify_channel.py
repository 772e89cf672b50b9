"""The channel outside the app (issue 10): what goes at once, when the digest is due, how
a failed delivery is retried, and which addresses are accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.domain.notify_channel import (
    LONGEST_RETRY,
    MAX_ATTEMPTS,
    AddressReason,
    check_address,
    digest_boundary,
    is_immediate,
    retry_at,
)

ALMATY = ZoneInfo("Asia/Almaty")


def utc(local: datetime) -> datetime:
    return local.replace(tzinfo=ALMATY).astimezone(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(("kind", "urgent", "expected"), [
    ("disclosure_waiting", False, True),  # the on-duty liaison, rules 5-7
    ("urgent_safety_after_release", True, True),
    ("break_glass", True, True),
    ("assigned", False, False),
    ("grant_requested", False, False),
])
def test_what_goes_out_at_once(kind, urgent, expected):
    assert is_immediate(kind, urgent=urgent) is expected


@pytest.mark.parametrize(("now_local", "boundary_local"), [
    (datetime(2026, 12, 2, 8, 0), datetime(2026, 12, 2, 8, 0)),
    (datetime(2026, 12, 2, 7, 59), datetime(2026, 12, 1, 8, 0)),
    (datetime(2026, 12, 2, 23, 30), datetime(2026, 12, 2, 8, 0)),
    (datetime(2027, 1, 1, 0, 5), datetime(2026, 12, 31, 8, 0)),
])
def test_the_digest_boundary_is_the_last_digest_hour_in_local_time(now_local, boundary_local):
    assert digest_boundary(utc(now_local), hour=8, timezone="Asia/Almaty") == utc(
        boundary_local)


def test_a_routine_item_waits_for_the_next_digest_hour_after_it_was_created():
    created = utc(datetime(2026, 12, 2, 8, 0))  # at the very hour: tomorrow's digest
    assert not created < digest_boundary(utc(datetime(2026, 12, 3, 7, 59)), hour=8,
                                         timezone="Asia/Almaty")
    assert created < digest_boundary(utc(datetime(2026, 12, 3, 8, 0)), hour=8,
                                     timezone="Asia/Almaty")


def test_retries_back_off_up_to_an_hour_then_give_up():
    now = datetime(2026, 12, 2, 12, 0)
    delays = [retry_at(n, now) for n in range(1, MAX_ATTEMPTS + 1)]
    assert delays[0] == now + timedelta(minutes=1)
    assert delays[1] == now + timedelta(minutes=2)
    assert delays[2] == now + timedelta(minutes=4)
    assert all(d is not None and d - now <= LONGEST_RETRY for d in delays[:-1])
    assert delays[-1] is None


@pytest.mark.parametrize("address", ["a@example.org", "first.last+senim@mail.example.kz",
                                     "  spaced@example.org  "])
def test_plain_addresses_are_accepted(address):
    assert check_address(address).allowed


@pytest.mark.parametrize(("address", "reason"), [
    ("", AddressReason.ADDRESS_REQUIRED), ("   ", AddressReason.ADDRESS_REQUIRED),
    ("no-at-sign", AddressReason.ADDRESS_INVALID), ("a@b", AddressReason.ADDRESS_INVALID),
    ("a@@example.org", AddressReason.ADDRESS_INVALID),
    ("a@example.org\r\nBcc: b@example.org", AddressReason.ADDRESS_INVALID),
    ("a b@example.org", AddressReason.ADDRESS_INVALID),
    ("Name <a@example.org>", AddressReason.ADDRESS_INVALID),
    ("x" * 65 + "@example.org", AddressReason.ADDRESS_INVALID),
    ("a@" + "b" * 250 + ".org", AddressReason.ADDRESS_INVALID),
])
def test_other_addresses_are_refused(address, reason):
    decision = check_address(address)
    assert not decision.allowed and decision.reasons == (reason,)
