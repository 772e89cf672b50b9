"""Dates and times as people read them (issues 10 and 13).

Stored in UTC (naive), shown in the organisation's zone (``SENIM_TIMEZONE``) in the local
convention: DD.MM.YYYY and 24-hour HH:MM, with the zone labelled where a time is shown.
Templates use the filters ``localdatetime``, ``localdate`` and ``localtime`` and the global
``TZ_LABEL()``; Python code uses the functions below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Almaty"
DATE_FORMAT = "%d.%m.%Y"
TIME_FORMAT = "%H:%M"


def zone() -> ZoneInfo:
    name = current_app.config.get("SENIM_TIMEZONE") if has_app_context() else None
    return ZoneInfo(str(name or DEFAULT_TIMEZONE))


def to_local(moment: datetime) -> datetime:
    """A stored moment (naive = UTC) in the organisation's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def to_utc(local: datetime) -> datetime:
    """A wall-clock time typed in the organisation's zone, as the naive UTC stored."""
    return local.replace(tzinfo=zone()).astimezone(UTC).replace(tzinfo=None)


def zone_label() -> str:
    """The zone as people know it, e.g. "Asia/Almaty (UTC+05:00)"."""
    offset = datetime.now(UTC).astimezone(zone()).strftime("%z")
    return f"{zone().key} (UTC{offset[:3]}:{offset[3:]})"


def format_datetime(moment: datetime | None, *, label: bool = False) -> str:
    if moment is None:
        return ""
    text = to_local(moment).strftime(f"{DATE_FORMAT} {TIME_FORMAT}")
    return f"{text} ({zone().key})" if label else text


def format_date(value: date | datetime | None) -> str:
    """A calendar date as is; a stored moment as its local date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(DATE_FORMAT)


def format_time(moment: datetime | None) -> str:
    return to_local(moment).strftime(TIME_FORMAT) if moment is not None else ""


def register(app: Flask) -> None:
    app.jinja_env.filters["localdatetime"] = format_datetime
    app.jinja_env.filters["localdate"] = format_date
    app.jinja_env.filters["localtime"] = format_time
    app.jinja_env.globals["TZ_LABEL"] = zone_label
