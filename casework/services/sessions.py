"""Server-side sessions (issue 2, item 3; SecureDrop's design): the cookie holds a random
256-bit id, the table only its SHA-256, so a database reader cannot hijack a session and
logging out or revoking really ends it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Select, bindparam, delete, select, update

from casework.domain.sessions import SessionStatus, session_status
from casework.models import Staff, StaffSession
from casework.services.db import DbSession, relax_durability


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


def hash_sid(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


def new_sid() -> str:
    return secrets.token_urlsafe(32)


@functools.cache
def _with_staff() -> Select[StaffSession, Staff]:
    return (select(StaffSession, Staff).outerjoin(Staff, Staff.id == StaffSession.staff_id)
            .where(StaffSession.id_hash == bindparam("id_hash")))


@functools.cache
def _touch() -> Any:
    """The write of a session row that must exist, built once (most requests, issue 12)."""
    # Parameter names differ from the columns' (UPDATE reserves those for itself).
    return (update(StaffSession).where(StaffSession.id_hash == bindparam("b_id_hash"))
            .values(data=bindparam("b_data"), staff_id=bindparam("b_staff_id"),
                    user_agent=bindparam("b_user_agent"),
                    last_seen_at=bindparam("b_last_seen_at", type_=DateTime))
            .execution_options(synchronize_session=False))


def load(session: DbSession, sid: str, *, now: datetime,
         lifetimes: Lifetimes) -> tuple[StaffSession | None, SessionStatus | None]:
    """The live row for a cookie, or None with the reason it is no longer valid.

    The member of staff is read in the same statement (issue 12): the sign-in check that
    follows (flask-login's user loader) then finds them loaded, with no statement of its own.
    """
    found = session.execute(_with_staff(), {"id_hash": hash_sid(sid)}).first()
    if found is None:
        return None, None
    row = found[0]
    # The identity map holds objects weakly: kept here until the unit of work ends, or
    # the staff row would be gone again before the user loader asks for it.
    session.info["senim.session_staff"] = found[1]
    status = session_status(created_at=row.created_at, last_seen_at=row.last_seen_at, now=now,
                            idle=lifetimes.idle, absolute=lifetimes.absolute)
    if status is not SessionStatus.ACTIVE:
        session.delete(row)
        session.flush()
        return None, status
    return row, status


def store(session: DbSession, *, sid: str, data: dict[str, object], staff_id: int | None,
          user_agent: str, now: datetime, created_at: datetime | None,
          must_exist: bool = False, wait_for_disk: bool = True) -> bool:
    """Create or update the row for ``sid``; with ``must_exist``, never re-create one.
    False if the row had to exist and did not (revoked while the request ran).
    ``wait_for_disk=False``: the commit need not wait for the disk (db.relax_durability),
    for a change whose loss in a power cut is harmless."""
    if not wait_for_disk:
        relax_durability(session, on=StaffSession)
    values = {"data": encode(data), "staff_id": staff_id, "user_agent": user_agent[:120],
              "last_seen_at": now}
    if must_exist:
        # One statement (issue 12): the row is not read first, and a row that is gone
        # (logged out elsewhere, revoked) matches nothing and stays gone.
        result = session.execute(_touch(), {"b_id_hash": hash_sid(sid),
                                            **{f"b_{k}": v for k, v in values.items()}})
        return bool(result.rowcount)  # type: ignore[attr-defined]
    row = session.get(StaffSession, hash_sid(sid))
    if row is None:
        row = StaffSession(id_hash=hash_sid(sid), created_at=created_at or now)
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    return True


def encode(data: dict[str, object]) -> str:
    """The stored form of a session's data (compared to skip rewriting an unchanged row)."""
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def forget(session: DbSession, sid: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.id_hash == hash_sid(sid)))


def revoke_all(session: DbSession, staff_id: int, *, except_sid: str | None = None) -> int:
    """End every session of a member of staff (password change, deactivation, reset)."""
    query = delete(StaffSession).where(StaffSession.staff_id == staff_id)
    if except_sid is not None:
        query = query.where(StaffSession.id_hash != hash_sid(except_sid))
    result = session.execute(query)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def revoke_one(session: DbSession, staff_id: int, public_id: str) -> bool:
    result = session.execute(delete(StaffSession).where(
        StaffSession.staff_id == staff_id, StaffSession.public_id == public_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def list_for(session: DbSession, staff_id: int) -> list[StaffSession]:
    return list(session.scalars(select(StaffSession).where(StaffSession.staff_id == staff_id)
                                .order_by(StaffSession.last_seen_at.desc())))


def purge_expired(session: DbSession, *, now: datetime, lifetimes: Lifetimes) -> int:
    """Delete rows past either limit (run by the scheduler)."""
    result = session.execute(delete(StaffSession).where(
        (StaffSession.last_seen_at <= now - lifetimes.idle)
        | (StaffSession.created_at <= now - lifetimes.absolute)))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
