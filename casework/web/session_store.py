"""Flask session interface backed by the ``staff_sessions`` table.

The cookie is a random id and nothing else; the data lives server-side so logging out,
changing a password or deactivating an account really ends a session (SecureDrop's
lesson, security.md 1.4). Sessions expire after 15 minutes idle or 8 hours in all.

An anonymous visitor (the sign-in page's CSRF token, a flashed message, the language
chosen) gets no row: that little state travels in a signed, short-lived cookie, so
fetching the sign-in page in a loop cannot fill the table (issue 11, item 6). A row is
created once there is something to revoke: a verified password, then the signed-in user.

A signed-in session's flashed messages are not written to its row either: they travel in
a cookie of their own, sealed and bound to the session (services/flash_cookies.py), and
are merged back into the session when it opens (issue 12: a saved note committed once more
for its "Saved." and the page that showed it once more again).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import CallbackDict

from casework.extensions import db
from casework.models.base import utcnow
from casework.services import flash_cookies
from casework.services import sessions as store
from casework.services.keys import Keys
from casework.web import outage

_EXEMPT = ("/static/", "/api/", "/health/")
# What an anonymous visitor may carry in the signed cookie; anything else needs a row.
_ANONYMOUS_KEYS = frozenset({"csrf_token", "_flashes", "lang", "next", "_fresh"})
_ANONYMOUS_PREFIX = "a."
_ANONYMOUS_MAX_COOKIE = 3800
# A request that changes nothing in its session rewrites the row only when the row was last
# touched longer ago than this: most page views then write nothing but their audit event.
# The idle limit (15 minutes) may therefore end a session up to this much early.
TOUCH_EVERY = timedelta(seconds=30)


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data plus the bookkeeping the interface needs."""

    def __init__(self, initial: dict[str, Any] | None = None, *, sid: str | None = None,
                 created_at: datetime | None = None, expired: bool = False,
                 stored: tuple[datetime, str, str | None, int | None] | None = None) -> None:
        def on_update(_: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.sid = sid
        self.created_at = created_at
        self.expired = expired
        # The row as opened: (last seen, data, user agent, staff id), to skip a rewrite.
        self.stored = stored
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
        self.flash_cookie = "__Host-senim-flash" if secure else "senim-flash"

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if request.path.startswith(_EXEMPT):
            # API calls authenticate with a bearer token and never get a cookie session.
            return ServerSession()
        sid = request.cookies.get(self.cookie)
        if sid and sid.startswith(_ANONYMOUS_PREFIX):
            return self._open_anonymous(app, sid)
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
        carried = request.cookies.get(self.flash_cookie)
        if carried is not None:
            # Messages flashed on an earlier request of this session (flash_cookies.py);
            # shown once, then the cookie goes (_save).
            flashes = flash_cookies.open_flashes(
                _keys(app), sid, carried, now=utcnow(), max_age=self.lifetimes.idle)
            if flashes:
                data["_flashes"] = [*data.get("_flashes", []), *flashes]
        return ServerSession(data, sid=sid, created_at=row.created_at,
                             stored=(row.last_seen_at, row.data, row.user_agent, row.staff_id))

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        if request.path.startswith(_EXEMPT) or outage.in_outage():
            return
        try:
            self._save(app, session, response)
        except outage.OUTAGES as error:
            # The database went away during the request: the session cannot be kept.
            outage.note(error)
            response.delete_cookie(self.cookie, path="/", secure=self.secure,
                                   httponly=True, samesite="Strict")

    def _save(self, app: Flask, session: ServerSession, response: Response) -> None:
        # Views commit their own unit of work; anything still pending here was abandoned.
        db.session.rollback()
        if session.destroy_requested or (session.sid and not session and session.modified):
            self._drop_flash_cookie(response)
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
        if not session.sid and _is_anonymous(session):
            self._save_anonymous(app, session, response)
            return
        user_id = session.get("_user_id")
        staff_id = int(user_id) if user_id else None
        user_agent = _printable(request.user_agent.string)
        data = dict(session)
        sealed = self._flashes_for_cookie(app, session, data)
        if _unchanged(session, data, staff_id, user_agent):
            self._set_flash_cookie(response, sealed)
            return
        created_at, must_exist = session.created_at, True
        if session.regenerate_requested or not session.sid:
            if session.sid:
                store.forget(db.session, session.sid)
            session.sid, created_at, must_exist = store.new_sid(), None, False
        # The last-seen time: lost in a power cut, the session only idles out sooner, so
        # that commit does not wait for the disk (issue 12). Sign-in, sign-out and any
        # other change of what the session carries still wait for it.
        lazy = must_exist and _only_a_touch(session, data, staff_id, user_agent)
        stored = store.store(db.session, sid=session.sid, data=data,
                             staff_id=staff_id, user_agent=user_agent, now=utcnow(),
                             created_at=created_at, must_exist=must_exist,
                             wait_for_disk=not lazy)
        db.session.commit()
        if not stored:
            # Revoked while this request ran (another tab logged out, a password changed):
            # never resurrect it.
            response.delete_cookie(self.cookie, path="/", secure=self.secure, httponly=True,
                                   samesite="Strict")
            self._drop_flash_cookie(response)
            return
        response.set_cookie(self.cookie, session.sid, httponly=True, secure=self.secure,
                            samesite="Strict", path="/")
        self._set_flash_cookie(response, sealed)

    def _flashes_for_cookie(self, app: Flask, session: ServerSession,
                            data: dict[str, Any]) -> str | None:
        """Seal the session's messages for their cookie and take them out of ``data`` (what
        the row keeps); "" when there are none. None: they stay in the row (a session
        about to get a new id, or too many messages for a cookie)."""
        flashes = data.get("_flashes")
        if not flashes:
            data.pop("_flashes", None)
            return ""
        flashes = data["_flashes"] = _compact(flashes)
        if session.regenerate_requested or not session.sid:
            return None
        sealed = flash_cookies.seal_flashes(_keys(app), session.sid, flashes, now=utcnow())
        if sealed is not None:
            del data["_flashes"]
        return sealed

    def _set_flash_cookie(self, response: Response, sealed: str | None) -> None:
        if sealed:
            response.set_cookie(self.flash_cookie, sealed, httponly=True, secure=self.secure,
                                samesite="Strict", path="/")
        else:
            self._drop_flash_cookie(response)

    def _drop_flash_cookie(self, response: Response) -> None:
        if request.cookies.get(self.flash_cookie) is not None:
            response.delete_cookie(self.flash_cookie, path="/", secure=self.secure,
                                   httponly=True, samesite="Strict")

    def _signer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(app.secret_key or b"", salt="senim-anonymous-session")

    def _open_anonymous(self, app: Flask, cookie: str) -> ServerSession:
        try:
            data = self._signer(app).loads(cookie[len(_ANONYMOUS_PREFIX):],
                                           max_age=int(self.lifetimes.idle.total_seconds()))
        except BadSignature:  # tampered, or older than the idle limit
            return ServerSession()
        if not isinstance(data, dict) or not set(data) <= _ANONYMOUS_KEYS:
            return ServerSession()
        return ServerSession(data)

    def _save_anonymous(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not session:
            if request.cookies.get(self.cookie):
                response.delete_cookie(self.cookie, path="/", secure=self.secure,
                                       httponly=True, samesite="Strict")
            return
        value = _ANONYMOUS_PREFIX + self._signer(app).dumps(dict(session))
        if len(value) > _ANONYMOUS_MAX_COOKIE:
            value = _ANONYMOUS_PREFIX + self._signer(app).dumps(
                {k: v for k, v in session.items() if k != "_flashes"})
        response.set_cookie(self.cookie, value, httponly=True, secure=self.secure,
                            samesite="Strict", path="/")


def _unchanged(session: ServerSession, data: dict[str, Any], staff_id: int | None,
               user_agent: str) -> bool:
    """Would writing ``data`` change nothing but a last-seen time touched moments ago?"""
    if session.stored is None or session.regenerate_requested or not session.sid:
        return False
    last_seen, stored, agent, stored_staff = session.stored
    return (utcnow() - last_seen < TOUCH_EVERY and stored_staff == staff_id
            and agent == user_agent[:120] and stored == store.encode(data))


def _only_a_touch(session: ServerSession, data: dict[str, Any], staff_id: int | None,
                  user_agent: str) -> bool:
    """Would writing ``data`` change nothing but the row's last-seen time (and messages
    left in the row by an older version, shown since)?"""
    if session.stored is None or session.regenerate_requested or not session.sid:
        return False
    _, stored, agent, stored_staff = session.stored
    if stored_staff != staff_id or agent != user_agent[:120]:
        return False
    before = json.loads(stored)
    return isinstance(before, dict) and _without_flashes(before) == _without_flashes(data)


def _without_flashes(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "_flashes"}


# Messages nobody has seen yet (forms posted without a page shown between them) are kept
# once each, the newest last, and no more than this many: "Saved." thirty times says no
# more than once, and the list cannot grow without end.
MAX_FLASHES = 20


def _compact(flashes: list[Any]) -> list[Any]:
    kept: dict[str, Any] = {}
    for item in flashes:
        key = json.dumps(item, sort_keys=True, default=str)
        kept.pop(key, None)
        kept[key] = item
    return list(kept.values())[-MAX_FLASHES:]


def _keys(app: Flask) -> Keys:
    keys: Keys = app.extensions["senim.keys"]
    return keys


def _is_anonymous(session: ServerSession) -> bool:
    return not session.regenerate_requested and set(session) <= _ANONYMOUS_KEYS


def _printable(text: str) -> str:
    """A header as stored: printable characters only (PostgreSQL refuses NUL in text)."""
    return "".join(ch for ch in text[:200] if ch.isprintable())
