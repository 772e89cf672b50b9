"""The director's view of who works with whom (case codes only) and everyone's notices."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response

from casework.domain.grants import GrantKind
from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import access, accounts, grants, notifications, persons
from casework.services.errors import NotFound, ServiceError
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx, settings
from casework.web.forms import ConfirmForm
from casework.web.forms_casework import AssignForm
from casework.web.grants import refused, requested
from casework.web.paging import page_request
from casework.web.security import requires
from casework.web.text import gettext as _

bp = Blueprint("assignments", __name__)
CARE_ROLES = ("caseworker", "psychologist", "legal_adviser")


@bp.route("/assignments/")
@requires(Permission.PERSON_ASSIGN)
def index() -> str:
    c = ctx()
    page = access.all_people_page(c, page_request())
    assignees = access.assignees_of(c, page.items)
    people = page.map(lambda p: (p, assignees[p.id]))
    staff = [s for s in accounts.list_staff(c) if s.role in CARE_ROLES and s.is_active]
    form = AssignForm()
    form.staff.choices = [(s.public_id, f"{s.display_name}") for s in staff]
    waiting: dict[str, list[str]] = {}
    for row in grants.pending_for(c, g.staff):
        if row.case_code is not None:
            waiting.setdefault(row.case_code, []).append(row.subject.display_name)
    return render_template("assignments/index.html", people=people, form=form,
                           remove_form=ConfirmForm(), waiting=waiting)


@bp.route("/assignments/<case_code>", methods=["POST"])
@requires(Permission.PERSON_ASSIGN)
def change(case_code: str) -> Response | tuple[str, int]:
    c = ctx()
    form = AssignForm()
    form.staff.choices = [(s.public_id, s.public_id) for s in accounts.list_staff(c)]
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "remove" and not confirmed():  # issue 13.6
        return unconfirmed(url_for("assignments.index"))
    try:
        person = persons.by_case_code(c, case_code[:16])
        staff = access.staff_by_public_id(c, form.staff.data or "")
        if form.action.data == "remove":
            access.unassign(c, person, staff)
        else:
            # Issue 11: an assignment is a grant of access; it takes effect only after a
            # second person approves it (or the single-administrator delay passes).
            grants.request_assignment(c, g.staff, person, staff,
                                      single_administrator=settings().single_administrator)
            db.session.commit()
            requested(GrantKind.ASSIGNMENT)
            return redirect(url_for("assignments.index"))
    except NotFound:
        abort(404)
    except ServiceError as error:
        for message in refused(GrantKind.ASSIGNMENT, error):
            flash(message, "error")
        return redirect(url_for("assignments.index"))
    db.session.commit()
    flash(_("Assignments updated."), "success")
    return redirect(url_for("assignments.index"))


@bp.route("/notifications/")
@requires(Permission.ACCOUNT)
def notices() -> str:
    rows = notifications.page_for_staff(ctx(), g.staff, page_request())
    return render_template("assignments/notifications.html", rows=rows, form=ConfirmForm())


@bp.route("/notifications/<public_id>/read", methods=["POST"])
@requires(Permission.ACCOUNT)
def mark_read(public_id: str) -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    notifications.mark_read(ctx(), g.staff, public_id)
    db.session.commit()
    return redirect(url_for("assignments.notices"))
