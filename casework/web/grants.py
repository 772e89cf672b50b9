"""Pending grants of privilege (approve, block) and enrolment letters (issue 11, point 3)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.domain.grants import GrantKind
from casework.domain.roles import Permission, Role
from casework.extensions import db
from casework.services import grants
from casework.services.errors import NotFound, ServiceError
from casework.web.context import ctx, settings
from casework.web.forms import ConfirmForm
from casework.web.messages import explain
from casework.web.security import requires, step_up_required
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("grants", __name__, url_prefix="/grants")

KIND_LABELS = {
    GrantKind.ACCOUNT.value: _l("New account"),
    GrantKind.REACTIVATE.value: _l("Reactivate account"),
    GrantKind.ROLE.value: _l("Change of role"),
    GrantKind.ASSIGNMENT.value: _l("Assignment to a person"),
    GrantKind.DESIGNATION.value: _l("Liaison designation"),
    GrantKind.SHIFT.value: _l("On-call shift"),
}


def requested(message_kind: GrantKind) -> None:
    """The flash after a request: nothing has been granted yet, and says why."""
    del message_kind
    if settings().single_administrator:
        flash(_("Requested. It takes effect in 24 hours unless a director, the auditor or "
                "the person's caseworker blocks it."), "warning")
    else:
        flash(_("Requested. It takes effect when another director approves it."), "warning")


def refused(kind: GrantKind, error: ServiceError) -> list[str]:
    """Roll the request back, audit the refusal, and return the messages to show."""
    db.session.rollback()
    grants.refused(ctx(), kind)
    db.session.commit()
    return [str(m) for m in explain(error.reasons)]


@bp.route("/")
@requires(Permission.ACCOUNT)
def index() -> str:
    c = ctx()
    grants.apply_due(c)  # single-administrator grants whose 24 hours have passed
    db.session.commit()
    rows = grants.pending_for(c, g.staff)
    letters = []
    if Role(g.staff.role) in (Role.DIRECTOR, Role.AUDITOR):
        letters = [(letter, staff, grants.may_issue(c, g.staff, letter))
                   for letter, staff in grants.letters_waiting(c)]
    return render_template("grants/index.html", rows=rows, letters=letters,
                           form=ConfirmForm(), KIND_LABELS=KIND_LABELS)


def _decide(public_id: str, action: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    try:
        grant = grants.by_public_id(c, public_id)
        if action == "approve":
            grants.approve(c, g.staff, grant)
        else:
            grants.block(c, g.staff, grant)
    except NotFound:
        abort(404)
    except ServiceError as error:
        db.session.commit()  # the refusal's audit entry; nothing else was written
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("grants.index"))
    db.session.commit()
    flash(_("Approved.") if action == "approve" else _("Blocked."), "success")
    return redirect(url_for("grants.index"))


@bp.route("/<public_id>/approve", methods=["POST"])
@requires(Permission.ACCOUNT)
def approve(public_id: str) -> Response:
    return _decide(public_id, "approve")


@bp.route("/<public_id>/block", methods=["POST"])
@requires(Permission.ACCOUNT)
def block(public_id: str) -> Response:
    return _decide(public_id, "block")


@bp.route("/letters/<public_id>", methods=["POST"])
@requires(Permission.ACCOUNT)
@step_up_required
def print_letter(public_id: str) -> Response:
    """The sealed letter, as a separate download: printed, put in an envelope and handed to
    the new member of staff. Never shown on a page, never to the administrator who asked."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    c = ctx()
    try:
        staff, password = grants.issue_letter(c, g.staff, grants.letter_by_public_id(
            c, public_id))
    except NotFound:
        abort(404)
    except ServiceError as error:
        db.session.commit()
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("grants.index"))
    db.session.commit()
    body = "\n".join([
        _("Senim: enrolment letter"), "",
        _("For: %(name)s", name=staff.display_name),
        _("E-mail address: %(email)s", email=staff.email),
        _("One-time password: %(password)s", password=password),
        _("Sign in at: %(url)s", url=url_for("auth.login", _external=True)), "",
        _("This password works once. At the first sign-in you choose your own password and "
          "set up your authenticator app. If this envelope was open when you received it, "
          "or the password does not work, tell the director at once."), ""])
    response = make_response(body)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="enrolment-letter-{staff.public_id}.txt"')
    response.headers["Cache-Control"] = "no-store"
    return response
