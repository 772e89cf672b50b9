"""The collaborators every use case needs, passed explicitly (no globals, no Flask)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from casework.services import audit
from casework.services.db import DbSession
from casework.services.keycache import KeyCache
from casework.services.keys import Keys
from casework.services.passwords import Passwords


@dataclass(frozen=True)
class Ctx:
    """One unit of work: database session, keys, time, and who is acting."""

    session: DbSession
    keys: Keys
    passwords: Passwords
    now: datetime
    actor: str | None = None
    request_id: str | None = None
    # Unwrapped data keys for this unit of work only (issue 12): a request shares one
    # cache between the contexts it builds (casework.web.context); ``as_actor`` keeps it.
    key_cache: KeyCache = field(default_factory=KeyCache, compare=False, repr=False)

    def audit(self, action: str, *, outcome: str = "ok", object_type: str | None = None,
              object_ref: str | None = None, actor: str | None = None) -> None:
        """Append an audit event in this unit of work's transaction."""
        audit.record(self.session, self.keys, audit.Event(
            action=action, outcome=outcome, actor=actor or self.actor,
            object_type=object_type, object_ref=object_ref, request_id=self.request_id,
        ), now=self.now)

    def as_actor(self, actor: str | None) -> Ctx:
        return replace(self, actor=actor)
