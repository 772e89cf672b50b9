"""Every error renders a page (or JSON for the API) and never leaks a detail."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.exceptions import HTTPException, InternalServerError

from casework.extensions import db
from casework.logs import event
from casework.services.audit import AuditTrailBroken
from casework.services.subjects import IntegrityAlarm, SubjectShredded
from casework.web import outage
from casework.web.text import gettext as _

log = logging.getLogger("senim.web")


def _render(status: int) -> tuple[str | Response, int]:
    if request.path.startswith("/api/"):
        return jsonify(error=_API_CODES.get(status, "error")), status
    template = f"errors/{status}.html" if status in _PAGES else "errors/generic.html"
    return render_template(template, status=status), status


_PAGES = {400, 403, 404, 405, 413, 500}
_API_CODES = {400: "bad_request", 401: "authentication_required", 403: "forbidden",
              404: "not_found", 405: "method_not_allowed", 409: "conflict",
              413: "too_large", 422: "invalid", 500: "internal_error"}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        # A forged or stale form: end the session (SecureDrop), then ask to sign in again.
        db.session.rollback()
        try:  # unless the form is "stale" because no session can be kept right now
            db.session.execute(select(1))
        except outage.OUTAGES as down:
            return outage.unavailable(down)
        event(log, "csrf.rejected")
        session.destroy()  # type: ignore[attr-defined]
        if request.path.startswith("/api/"):
            return _render(400)
        flash(_("Your form had expired or did not come from this site. Please sign in "
                "and try again."), "error")
        return redirect(url_for("auth.login"))

    @app.errorhandler(IntegrityAlarm)
    def integrity_alarm(error: IntegrityAlarm) -> tuple[str | Response, int]:
        # The alarm's audit entry was flushed by the service; keep it, drop anything else.
        db.session.commit()
        if request.path.startswith("/api/"):
            return jsonify(error="integrity_failure"), 409
        return render_template("errors/integrity.html"), 409

    @app.errorhandler(SubjectShredded)
    def shredded(error: SubjectShredded) -> tuple[str | Response, int]:
        db.session.rollback()
        if request.path.startswith("/api/"):
            return jsonify(error="erased"), 410
        return render_template("errors/erased.html"), 410

    for outage_error in outage.OUTAGES:
        app.register_error_handler(outage_error, outage.unavailable)
    app.register_error_handler(AuditTrailBroken, outage.audit_needs_attention)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int] | Response:
        # Raised before dispatch (the session cookie's lookup, say) it arrives as a 500.
        original = getattr(error, "original_exception", None)
        if outage.is_outage(original):
            return outage.unavailable(original)  # type: ignore[arg-type]
        if isinstance(original, AuditTrailBroken):
            return outage.audit_needs_attention(original)
        if (error.code or 500) >= 500:
            db.session.rollback()
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[str | Response, int]:
        db.session.rollback()
        log.error("event=request.failed request_id=%s", g.get("request_id"),
                  exc_info=error)
        return _render(InternalServerError.code)
