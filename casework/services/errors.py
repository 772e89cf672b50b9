"""Service errors carry reason codes; the web layer maps them to translated messages."""

from __future__ import annotations

from enum import Enum


class ServiceError(Exception):
    """An expected refusal raised by a use case (nothing has been written)."""

    def __init__(self, *reasons: Enum) -> None:
        super().__init__(",".join(str(r.value) for r in reasons))
        self.reasons = reasons


class NotFound(ServiceError):  # noqa: N818 - reads better at call sites
    """The object does not exist or the actor may not know that it exists."""

    def __init__(self) -> None:
        Exception.__init__(self, "not_found")
        self.reasons = ()
