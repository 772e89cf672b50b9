"""Outages look like outages (issue 16.6): a database that cannot be reached, or a write
that could not land on both databases, gives a translated 503 page (JSON on the API) with
Retry-After, never a bare 500.

The page is rendered straight from the Jinja environment, without Flask's context
processors: those load the signed-in user, which needs the very database that is down.
The language comes from the browser (or the session already in memory), never the user row.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Response, current_app, g, jsonify, make_response, request
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from casework.extensions import db
from casework.logs import event
from casework.services.audit import AuditTrailBroken
from casework.services.consistency import NotSaved

log = logging.getLogger("senim.web")
RETRY_AFTER_SECONDS = 30
OUTAGES = (OperationalError, DisconnectionError, PoolTimeout, NotSaved)


def is_outage(error: BaseException | None) -> bool:
    return isinstance(error, OUTAGES)


def in_outage() -> bool:
    """True while this request is being answered by an outage page (skip the database)."""
    return bool(g.get("senim_outage"))


def _cause(error: BaseException) -> str:
    if isinstance(error, NotSaved):
        return f"two_database_write_{error.side}"
    original = getattr(error, "orig", None)  # the driver's exception class, never its text
    return type(original or error).__name__


def _respond(template: str, api_code: str, status: int = 503) -> Response:
    if request.path.startswith("/api/"):
        response = make_response(jsonify(error=api_code), status)
    else:
        page = current_app.jinja_env.get_template(template).render(
            request_id=g.get("request_id", ""))
        response = make_response(page, status)
        response.mimetype = "text/html"
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _rollback() -> None:
    with contextlib.suppress(SQLAlchemyError):  # the connection is gone; pool discards it
        db.session.rollback()


def note(error: BaseException) -> None:
    """Remember an outage met outside a view (opening the session) for ``refuse``."""
    g.senim_unavailable = error


def refuse() -> Response | None:
    """The first before_request hook: a session that could not be opened means the
    database is down; answer with the outage page before CSRF or the gate run."""
    error = g.get("senim_unavailable")
    return unavailable(error) if error is not None else None


def unavailable(error: BaseException) -> Response:
    g.senim_outage = True
    _rollback()
    event(log, "service.unavailable", cause=_cause(error), request_id=g.get("request_id"))
    return _respond("errors/unavailable.html", "unavailable")


def audit_needs_attention(error: AuditTrailBroken) -> Response:
    """Fail closed: nothing is done unaudited; the auditor's verification still works."""
    g.senim_outage = True
    _rollback()
    log.error("event=audit.append_refused request_id=%s", g.get("request_id"))
    return _respond("errors/audit_attention.html", "audit_trail_needs_attention")
