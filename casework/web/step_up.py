"""Step-up that completes the action it protects (issue 13, item 2).

A POST that needs a fresh step-up is not lost: the action (endpoint, path, the form's fields
other than the CSRF token) is kept server-side in the session as one pending action with a
short expiry, and the person is sent to the step-up page, which names the action ("Approve
D-… to <unit>"). That page's form posts to the action's own URL with a fresh CSRF token,
the password and the code. There the password and code are checked first; on success the
original form is restored and the view runs as if the button had just been pressed, so every
access and point-of-effect check runs at that moment, and its own confirmation is shown.

Nothing acts on a GET: a pending action only ever runs from a POST that carries the step-up
credentials, bound to this session, the same endpoint and path, within ``PENDING_SECONDS``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.wrappers import Response

from casework.extensions import db
from casework.models.base import utcnow
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l
from casework.web.urls import safe_next

KEY = "step_up_pending"
PENDING_SECONDS = 300
MARK = "step_up"
ACTION_FIELD = "step_up_action"
_MAX_FIELDS = 20
_MAX_VALUE = 500

# What each protected action is called on the step-up page; a describer may name the object.
LABELS: dict[str, Any] = {
    "disclosures.approve": _l("Approve this disclosure request"),
    "grants.print_letter": _l("Print an enrolment letter"),
    "account.new_recovery_codes": _l("Make new recovery codes"),
    "admin.staff_reset": _l("Reset a member of staff's password and second factor"),
    "statistics_exports.export_csv": _l("Download the statistics (CSV)"),
    "statistics_exports.export_xlsx": _l("Download the statistics (Excel)"),
    "statistics_exports.export_htcds": _l("Download the de-identified records (HTCDS)"),
    "statistics_exports.export_misp": _l("Download the MISP taxonomy"),
}
DESCRIBERS: dict[str, Callable[[dict[str, Any]], str | None]] = {}


def describes(endpoint: str) -> Callable[[Callable[[dict[str, Any]], str | None]],
                                         Callable[[dict[str, Any]], str | None]]:
    """Register a function naming the action of ``endpoint`` from its view arguments."""
    def register(fn: Callable[[dict[str, Any]], str | None]) -> Callable[
            [dict[str, Any]], str | None]:
        DESCRIBERS[endpoint] = fn
        return fn
    return register


def label_for(endpoint: str, view_args: dict[str, Any]) -> str:
    describer = DESCRIBERS.get(endpoint)
    text = describer(view_args) if describer is not None else None
    if text:
        return text
    return str(LABELS.get(endpoint, _l("A sensitive action")))


def remember() -> Response:
    """Keep the refused POST as this session's one pending action; go to the step-up page."""
    fields = [(k, v[:_MAX_VALUE]) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", MARK, ACTION_FIELD, "password", "code")][:_MAX_FIELDS]
    pending = {"id": secrets.token_urlsafe(12), "endpoint": request.endpoint or "",
               "path": request.path, "view_args": dict(request.view_args or {}),
               "fields": fields, "back": safe_next(request.form.get("back")) or "",
               "expires": (utcnow() + timedelta(seconds=PENDING_SECONDS)).isoformat()}
    session[KEY] = pending
    return redirect(url_for("auth.step_up", action=pending["id"]))


def pending(action_id: str | None) -> dict[str, Any] | None:
    """This session's pending action with that id, if it has not expired."""
    row = session.get(KEY)
    if not isinstance(row, dict) or not action_id or row.get("id") != action_id:
        return None
    try:
        expires = datetime.fromisoformat(str(row.get("expires")))
    except ValueError:
        return None
    return row if expires > utcnow() else None


def render_page(form: Any, row: dict[str, Any] | None, status: int = 200) -> tuple[str, int]:
    label = label_for(row["endpoint"], row["view_args"]) if row else None
    return render_template("auth/step_up.html", form=form, pending=row,
                           action_label=label), status


def complete(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """The step-up page posted back to the action: check it is you, then run the action."""
    from casework.services import auth
    from casework.web.auth import _address, _device_cookie, _throttle
    from casework.web.context import ctx
    from casework.web.forms import StepUpForm

    row = pending(request.form.get(ACTION_FIELD))
    if row is None or row["endpoint"] != request.endpoint or row["path"] != request.path:
        session.pop(KEY, None)
        flash(_("The confirmation took too long or was for another action. Nothing was "
                "done; press the button again."), "error")
        back = row["back"] if row else ""
        return redirect(safe_next(back) or url_for("main.home"))
    form = StepUpForm()
    if not form.validate_on_submit():
        return render_page(form, row, 422)
    if not auth.step_up(ctx(), _throttle(), g.staff, password=form.password.data or "",
                        code=form.code.data or "", address=_address(),
                        device_cookie=_device_cookie()):
        db.session.commit()
        flash(_("Confirmation failed. Check your password and use a new code."), "error")
        return render_page(StepUpForm(formdata=None), row, 401)
    session["step_up_at"] = utcnow().isoformat()
    session.pop(KEY, None)
    db.session.commit()
    # The original form, with this request's (fresh, already checked) CSRF token.
    restored = [*row["fields"], ("csrf_token", request.form.get("csrf_token", ""))]
    current = request._get_current_object()  # type: ignore[attr-defined]
    current.__dict__["form"] = ImmutableMultiDict(restored)
    return view(*args, **kwargs)
