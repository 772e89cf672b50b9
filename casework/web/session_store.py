"""Flask session interface backed by the ``staff_sessions`` table.

The cookie is a random id and nothing else; the data lives server-side so logging out,
changing a password or deactivating an account really ends a session (SecureDrop's
lesson, security.md 1.4). Sessions expire after 15 minutes idle or 8 hours in all.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from casework.extensions import db
from casework.models.base import utcnow
from casework.services import sessions as store
from casework.web import outage

_EXEMPT = ("/static/", "/api/", "/health/")


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus the bookkeeping the interface needs."""

    def __init__(self, initial: dict[str, Any] | None = None, *, sid: str | None = None,
                 created_at: datetime | None = None, expired: bool = False) -> None:
        def on_update(_: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.created_at = created_at
        self.expired = expired
        self.modified = False
        self.regenerate_requested = False
        self.destroy_requested = False

    def regenerate(self) -> None:
        """New id at privilege change (sign-in): defeats session fixation."""
        self.regenerate_requested = True
        self.modified = True

    def destroy(self) -> None:
        self.clear()
        self.destroy_requested = True


class DatabaseSessionInterface(SessionInterface):
    def __init__(self, *, idle: timedelta, absolute: timedelta, secure: bool) -> None:
        self.lifetimes = store.Lifetimes(idle=idle, absolute=absolute)
        self.secure = secure
        # The __Host- prefix makes the browser refuse the cookie unless it is Secure, has
        # Path=/ and no Domain: a sibling subdomain cannot plant or read it.
        self.cookie = "__Host-senim" if secure else "senim"

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(_EXEMPT):
            # API calls authenticate with a bearer token and never get a cookie session.
            return ServerSession()
        sid = request.cookies.get(self.cookie)
        if not sid or len(sid) > 64:
            return ServerSession()
        try:
            row, status = store.load(db.session, sid, now=utcnow(), lifetimes=self.lifetimes)
            if row is None:
                db.session.commit()
        except outage.OUTAGES as error:
            # Answered by the outage page before anything else runs (outage.py).
            outage.note(error)
            return ServerSession()
        if row is None:
            return ServerSession(expired=status is not None)
        data = json.loads(row.data)
        return ServerSession(data, sid=sid, created_at=row.created_at)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if request.path.startswith(_EXEMPT) or outage.in_outage():
            return
        try:
            self._save(session, response)
        except outage.OUTAGES as error:
            # The database went away during the request: the session cannot be kept.
            outage.note(error)
            response.delete_cookie(self.cookie, path="/", secure=self.secure,
                                   httponly=True, samesite="Strict")

    def _save(self, session: ServerSession, response: Response) -> None:
        # Views commit their own unit of work; anything still pending here was abandoned.
        db.session.rollback()
        if session.destroy_requested or (session.sid and not session and session.modified):
            if session.sid:
                store.forget(db.session, session.sid)
                db.session.commit()
            flashes = session.get("_flashes") if session.destroy_requested else None
            if not flashes:
                response.delete_cookie(self.cookie, path="/", secure=self.secure,
                                       httponly=True, samesite="Strict")
                return
            # Destroyed, then told why (the CSRF handler's flash): carry only that message
            # into a brand-new anonymous session, or the person never learns what happened.
            session.clear()
            session["_flashes"] = flashes
            session.sid, session.regenerate_requested = None, False
        if not session.sid and not session.modified:
            return
        created_at, must_exist = session.created_at, True
        if session.regenerate_requested or not session.sid:
            if session.sid:
                store.forget(db.session, session.sid)
            session.sid, created_at, must_exist = store.new_sid(), None, False
        user_id = session.get("_user_id")
        row = store.store(db.session, sid=session.sid, data=dict(session),
                          staff_id=int(user_id) if user_id else None,
                          user_agent=request.user_agent.string, now=utcnow(),
                          created_at=created_at, must_exist=must_exist)
        db.session.commit()
        if row is None:
            # Revoked while this request ran (another tab logged out, a password changed):
            # never resurrect it.
            response.delete_cookie(self.cookie, path="/", secure=self.secure, httponly=True,
                                   samesite="Strict")
            return
        response.set_cookie(self.cookie, session.sid, httponly=True, secure=self.secure,
                            samesite="Strict", path="/")
