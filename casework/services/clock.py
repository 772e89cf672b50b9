"""Local calendar days for typed dates.

Instants are stored in UTC; a date a member of staff types ("the interview was on 3 May")
is a day in the organisation's time zone (``SENIM_TIMEZONE``). Comparing it with the UTC
date would refuse today's date for the first hours of every local day, so "today" and "the
day this instant fell on" are computed here, in the configured zone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from casework.services.context import Ctx

DEFAULT_ZONE = "Asia/Almaty"
_zone = ZoneInfo(DEFAULT_ZONE)


def configure(zone_name: str) -> None:
    """Set once by the application factory from the settings (a process-wide setting)."""
    global _zone
    _zone = ZoneInfo(zone_name)


def local_day(instant: datetime) -> date:
    """The local calendar day of a stored (naive UTC) instant."""
    aware = instant if instant.tzinfo else instant.replace(tzinfo=UTC)
    return aware.astimezone(_zone).date()


def today(ctx: Ctx) -> date:
    return local_day(ctx.now)
