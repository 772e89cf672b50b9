"""Session lifetime rules (issue 2, item 3): idle 15 minutes, absolute 8 hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum


class SessionStatus(str, Enum):
    ACTIVE = "active"
    IDLE_EXPIRED = "idle_expired"
    ABSOLUTE_EXPIRED = "absolute_expired"


def session_status(
    *,
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    idle: timedelta,
    absolute: timedelta,
) -> SessionStatus:
    """Classify a session; the absolute limit wins over the idle one."""
    if now - created_at >= absolute:
        return SessionStatus.ABSOLUTE_EXPIRED
    if now - last_seen_at >= idle:
        return SessionStatus.IDLE_EXPIRED
    return SessionStatus.ACTIVE


def is_step_up_fresh(*, stepped_up_at: datetime | None, now: datetime, max_age: timedelta) -> bool:
    """A step-up (password + fresh TOTP) counts only for a short while."""
    return stepped_up_at is not None and timedelta(0) <= now - stepped_up_at <= max_age
