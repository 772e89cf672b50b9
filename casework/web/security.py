"""Deny-by-default access gate and security headers (issue 2, item 4).

Every endpoint declares what it needs with ``@requires(Permission.X)`` or ``@public``;
``check_endpoints`` runs at start-up and refuses to start the application if any endpoint
forgot, so a new unguarded route cannot ship.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user

from casework.domain.roles import Permission, Role, can
from casework.domain.sessions import is_step_up_fresh
from casework.extensions import db
from casework.models.base import utcnow
from casework.services import audit, tokens
from casework.services.audit import AuditTrailBroken
from casework.web.context import commit_keeping_loaded, ctx, settings
from casework.web.input_guard import opaque_ref

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"
ATTR = "_senim_permission"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


def requires(permission: Permission) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, ATTR, permission)
        return view
    return mark


def public(view: F) -> F:
    setattr(view, ATTR, PUBLIC)
    return view


def step_up_required(view: F) -> F:
    """The action needs a password + TOTP re-check within the last few minutes.

    Issue 13.2: a POST is kept as a pending action and completed right after the step-up
    (casework/web/step_up.py); a GET (a download) is simply requested again afterwards.
    """
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from casework.web import step_up

        raw = session.get("step_up_at")
        at = datetime.fromisoformat(raw) if isinstance(raw, str) else None
        if request.method == "POST" and request.form.get(step_up.MARK) == "1":
            return step_up.complete(view, args, kwargs)
        if not is_step_up_fresh(stepped_up_at=at, now=utcnow(), max_age=_step_up_age()):
            if request.method == "POST":
                return step_up.remember()
            back = request.full_path.rstrip("?")
            return redirect(url_for("auth.step_up", next=back or url_for("main.home")))
        return view(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def _step_up_age() -> timedelta:
    return timedelta(seconds=settings().step_up_seconds)


def check_endpoints(app: Flask) -> None:
    """Fail start-up if any endpoint has no declared permission."""
    missing = sorted(name for name, view in app.view_functions.items()
                     if name != "static" and not hasattr(view, ATTR))
    if missing:
        raise RuntimeError("endpoints without a declared permission: " + ", ".join(missing))


def is_api() -> bool:
    return request.path.startswith("/api/")


def gate() -> ResponseReturnValue | None:
    """before_request: identify, authorise and audit every request."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static":
        return None
    needed = getattr(current_app.view_functions[endpoint], ATTR)
    if needed == PUBLIC:
        return None
    user = _bearer_user() if is_api() else (
        current_user if current_user.is_authenticated else None)
    if user is None:
        _audit_denied("anonymous")
        if is_api():
            return _json_error(401, "authentication_required")
        return redirect(url_for("auth.login"))
    g.staff = user
    if user.must_change_password and endpoint not in _ALLOWED_DURING_PASSWORD_CHANGE:
        if is_api():
            return _json_error(403, "password_change_required")
        return redirect(url_for("account.password"))
    if not can(Role(user.role), needed):
        _audit_denied("forbidden")
        if is_api():
            return _json_error(403, "forbidden")
        abort(403)
    if request.method == "GET":
        view_ref = next(iter(request.view_args.values()), None) if request.view_args else None
        c = ctx()
        # Whatever loading the user wrote; the view event stands alone. The objects loaded
        # so far (the signed-in user) stay loaded: they were read moments ago.
        commit_keeping_loaded()
        try:
            # Committed before the page is built (a broken trail refuses it); shared with
            # concurrent page views (one commit for all of them). A view records a read:
            # its commit reaches the disk within a tenth of a second instead of holding
            # the page for it (services/audit.py: append_alone; docs/audit.md).
            audit.append_alone(db.session, c.keys, audit.Event(
                action="view." + endpoint, actor=c.actor, object_type="endpoint",
                object_ref=opaque_ref(view_ref), request_id=c.request_id), now=c.now,
                wait_for_disk=False)
        except AuditTrailBroken:
            # Fail closed for everyone but the auditor reading the trail (issue 9.12).
            if needed != Permission.AUDIT_READ:
                raise
            db.session.rollback()
            return None
    return None


def _bearer_user() -> Any:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return tokens.authenticate(ctx(), token.strip())


_ALLOWED_DURING_PASSWORD_CHANGE = {"account.password", "auth.logout", "main.set_language"}


def _audit_denied(outcome: str) -> None:
    actor = current_user.public_id if current_user.is_authenticated else None
    ctx().audit("access.denied", outcome=outcome, object_type="endpoint",
                object_ref=(request.endpoint or "")[:64], actor=actor)
    db.session.commit()


def _json_error(status: int, code: str) -> Response:
    response = jsonify(error=code)
    response.status_code = status
    return response


IMAGE_ENDPOINTS = frozenset({"statistics.chart"})


def security_headers(response: Response) -> Response:
    """after_request: applied to every response, errors included."""
    headers = response.headers
    # One response type may narrow the policy for itself: an SVG chart drawn on the server
    # carries its own styles and is sandboxed (casework/web/statistics.py). Nothing widens
    # the page policy.
    if request.endpoint not in IMAGE_ENDPOINTS or "Content-Security-Policy" not in headers:
        headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    headers["X-Request-Id"] = g.get("request_id", "")
    if request.is_secure or settings().secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    if request.endpoint != "static":
        # Shared or seized computers must not keep copies of case pages in the cache.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    headers.pop("Server", None)
    return response
