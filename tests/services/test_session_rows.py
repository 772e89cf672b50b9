"""The session row's write (issue 12: one UPDATE, no read first) never brings back a row
that was revoked while the request ran, and creates only when asked to."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from casework.models import StaffSession
from casework.services import sessions


def _rows(ctx) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(StaffSession)) or 0)


def test_an_existing_row_is_updated_in_place(ctx):
    sid = sessions.new_sid()
    assert sessions.store(ctx.session, sid=sid, data={"a": 1}, staff_id=None,
                          user_agent="ua", now=ctx.now, created_at=None)
    later = ctx.now + timedelta(minutes=5)
    assert sessions.store(ctx.session, sid=sid, data={"a": 2}, staff_id=None,
                          user_agent="ua" * 100, now=later, created_at=None, must_exist=True)
    ctx.session.expire_all()
    row = ctx.session.get(StaffSession, sessions.hash_sid(sid))
    assert row is not None and row.data == sessions.encode({"a": 2})
    assert row.last_seen_at.replace(tzinfo=None) == later.replace(tzinfo=None)
    assert len(row.user_agent) == 120
    assert _rows(ctx) == 1


def test_a_revoked_row_is_never_recreated(ctx):
    sid = sessions.new_sid()
    assert sessions.store(ctx.session, sid=sid, data={}, staff_id=None, user_agent="ua",
                          now=ctx.now, created_at=None)
    sessions.forget(ctx.session, sid)
    assert not sessions.store(ctx.session, sid=sid, data={"_flashes": []}, staff_id=None,
                              user_agent="ua", now=ctx.now, created_at=None, must_exist=True)
    assert _rows(ctx) == 0
