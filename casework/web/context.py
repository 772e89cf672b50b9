"""Build the explicit service context for the current request."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g
from flask_login import current_user

from casework.config import Settings
from casework.extensions import db
from casework.models import AuditEvent
from casework.models.base import utcnow
from casework.services.context import Ctx
from casework.services.db import relax_durability
from casework.services.keycache import KeyCache
from casework.services.keys import Keys
from casework.services.passwords import Passwords

T = TypeVar("T")


def per_request(key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, computed once per request: two sections of one page asking the same
    question (is this person cleared?) cost one statement (issue 12). Only for reads that
    nothing in the same request changes before the page is drawn."""
    memo: dict[Hashable, Any] = g.setdefault("senim_per_request", {})
    if key not in memo:
        memo[key] = load()
    value: T = memo[key]
    return value


def commit_keeping_loaded() -> None:
    """Commit the request's session without expiring what it has loaded (the signed-in
    user, the page's rows): a view that commits an audit event and then draws the page
    would otherwise read the user again for the menu (issue 12). Only for a view that
    draws what it read before its commit; anything it writes is flushed and committed
    as usual."""
    real = db.session()
    keep, real.expire_on_commit = real.expire_on_commit, False
    try:
        db.session.commit()
    finally:
        real.expire_on_commit = keep


def commit_read_keeping_loaded() -> None:
    """:func:`commit_keeping_loaded` for a unit of work that wrote nothing but the audit
    events of what it read (a search): like a page view's, its commit does not hold the
    page for the disk; it reaches it within a tenth of a second (services/db.py:
    relax_connection, docs/audit.md). On SQLite a transaction that wrote anything else
    before this call keeps waiting for the disk."""
    relax_durability(db.session, on=AuditEvent)
    commit_keeping_loaded()


def settings() -> Settings:
    value: Settings = current_app.extensions["senim.settings"]
    return value


def keys() -> Keys:
    value: Keys = current_app.extensions["senim.keys"]
    return value


def passwords() -> Passwords:
    value: Passwords = current_app.extensions["senim.passwords"]
    return value


def ctx() -> Ctx:
    staff = g.get("staff") or (current_user if current_user and
                               current_user.is_authenticated else None)
    return Ctx(session=db.session, keys=keys(), passwords=passwords(), now=utcnow(),
               actor=staff.public_id if staff is not None else None,
               request_id=g.get("request_id"), key_cache=key_cache())


def key_cache() -> KeyCache:
    """This request's cache of unwrapped data keys (issue 12), created on first use and
    wiped by :func:`drop_key_cache` when the request's app context ends."""
    cache: KeyCache | None = g.get("senim_key_cache")
    if cache is None:
        cache = g.senim_key_cache = KeyCache()
    return cache


def drop_key_cache(_error: BaseException | None = None) -> None:
    """teardown_appcontext: no unwrapped data key outlives its request."""
    cache: KeyCache | None = g.pop("senim_key_cache", None)
    if cache is not None:
        cache.clear()
