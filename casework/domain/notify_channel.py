"""The on-call channel outside the app (issue 10, item 4): pure rules.

What goes out at once and what waits for the day's digest, when the digest is due, how a
failed delivery is retried, and what a staff member's own address must look like. The
messages themselves carry no content at all (rules 5-7: the on-duty liaison must be
reachable; nothing identifying may leave the system): see ``MessageKind``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from casework.domain.decisions import Decision


class MessageKind(str, Enum):
    """The only three messages there are; none names a person, a case, a unit or a kind."""

    URGENT = "urgent"  # "something urgent is waiting in Senim" + the link
    DIGEST = "digest"  # "new items are waiting in Senim" + the link, once a day
    TEST = "test"  # the staff member asked for a test message


class AddressReason(str, Enum):
    ADDRESS_REQUIRED = "address_required"
    ADDRESS_INVALID = "address_invalid"


class DeliveryStatus(str, Enum):
    PENDING = "pending"  # waiting for its time (or its next attempt)
    SENDING = "sending"  # claimed by one job run
    SENT = "sent"
    FAILED = "failed"  # gave up after MAX_ATTEMPTS
    DROPPED = "dropped"  # the staff member opted out or left before it went


# Kinds that go out at once even when the in-app notification is not flagged urgent: a
# disclosure waiting for the on-duty liaison (rules 5-7: the 24/7 liaison must learn of it
# without having the app open).
IMMEDIATE_KINDS = frozenset({"disclosure_waiting"})

MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
# A claim older than this is from a run that crashed; the row is offered again.
STALE_CLAIM = timedelta(minutes=10)

MAX_ADDRESS = 254
# Deliberately narrow: one @, no spaces, no control characters (header injection), a dot
# in the domain. Staff type their own address; an unusual one is refused, not guessed.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                      r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def is_immediate(kind: str, *, urgent: bool) -> bool:
    """Urgent notifications (an emergency disclosure, a suspect's release, an escalation)
    and the kinds in IMMEDIATE_KINDS go out at once; everything else waits for the digest."""
    return urgent or kind in IMMEDIATE_KINDS


def digest_boundary(now: datetime, *, hour: int, timezone: str) -> datetime:
    """The latest local ``hour``:00 at or before ``now`` (naive UTC in and out).

    A routine item is due in a digest once a boundary has passed since it was created
    (``created_at < digest_boundary(now)``): everything collected during a day goes out
    together, once, at the digest hour (or at the first run after it)."""
    zone = ZoneInfo(timezone)
    local = now.replace(tzinfo=UTC).astimezone(zone)
    boundary = datetime(local.year, local.month, local.day, hour, tzinfo=zone)
    if boundary > local:
        day = local.date() - timedelta(days=1)
        boundary = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
    return boundary.astimezone(UTC).replace(tzinfo=None)


def retry_at(attempts: int, now: datetime) -> datetime | None:
    """After ``attempts`` failed attempts: when to try again (1, 2, 4 ... minutes, at most
    an hour apart), or None once MAX_ATTEMPTS have failed (the delivery is given up and
    stays visible to the director)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return now + min(delay, LONGEST_RETRY)


def check_address(address: str) -> Decision:
    """A staff member's own address for notifications."""
    value = address.strip()
    if not value:
        return Decision.deny(AddressReason.ADDRESS_REQUIRED)
    if len(value) > MAX_ADDRESS or not _ADDRESS.fullmatch(value):
        return Decision.deny(AddressReason.ADDRESS_INVALID)
    return Decision.allow()
