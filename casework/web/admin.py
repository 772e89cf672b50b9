"""The director's administration of staff accounts (create, deactivate, reset)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import SelectField
from wtforms.validators import DataRequired

from casework.domain.grants import GrantKind
from casework.domain.roles import Permission, Role
from casework.extensions import db
from casework.models import Staff
from casework.services import accounts, grants
from casework.services.errors import NotFound, ServiceError
from casework.web.context import ctx, settings
from casework.web.form_base import FlaskForm
from casework.web.forms import ConfirmForm, StaffCreateForm, role_choices
from casework.web.grants import refused, requested
from casework.web.messages import explain
from casework.web.security import requires, step_up_required
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("admin", __name__, url_prefix="/admin")


class RoleForm(FlaskForm):
    role = SelectField(_l("New role"), choices=role_choices, validators=[DataRequired()])


def _staff_or_404(public_id: str) -> Staff:
    try:
        return accounts.by_public_id(ctx(), public_id)
    except NotFound:
        abort(404)


@bp.route("/staff")
@requires(Permission.STAFF_MANAGE)
def staff_list() -> str:
    return render_template("admin/staff_list.html", rows=accounts.list_staff(ctx()))


@bp.route("/staff/new", methods=["GET", "POST"])
@requires(Permission.STAFF_MANAGE)
def staff_create() -> str | Response:
    """Issue 11: the account is inactive until a second person approves it (or the
    single-administrator delay passes), and its password is never shown here: it goes into
    an enrolment letter printed by another director or the auditor."""
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            grant = grants.request_account(
                ctx(), g.staff, email=form.email.data or "",
                display_name=form.display_name.data or "", role=Role(form.role.data),
                single_administrator=settings().single_administrator)
        except ServiceError as error:
            form.email.errors.extend(refused(GrantKind.ACCOUNT, error))
        else:
            db.session.commit()
            requested(GrantKind.ACCOUNT)
            flash(_("Its enrolment letter will be printed by another director or the "
                    "auditor, never by you."), "warning")
            subject = db.session.get(Staff, grant.subject_id)
            assert subject is not None
            return redirect(url_for("admin.staff_detail", public_id=subject.public_id))
    return render_template("admin/staff_create.html", form=form)


@bp.route("/staff/<public_id>")
@requires(Permission.STAFF_MANAGE)
def staff_detail(public_id: str) -> str:
    staff = _staff_or_404(public_id)
    role_form = RoleForm()
    role_form.role.data = staff.role
    return render_template("admin/staff_detail.html", staff=staff, form=ConfirmForm(),
                           role_form=role_form)


def _change(public_id: str, action: str) -> str | Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    staff = _staff_or_404(public_id)
    c = ctx()
    try:
        if action == "deactivate":
            accounts.deactivate(c, staff)
        elif action == "reactivate":
            grants.request_reactivation(c, g.staff, staff,
                                        single_administrator=settings().single_administrator)
            db.session.commit()
            requested(GrantKind.REACTIVATE)
            return redirect(url_for("admin.staff_detail", public_id=public_id))
        else:
            # The new password is never shown to the director who reset the account: it
            # travels in an enrolment letter that somebody else prints.
            accounts.reset(c, staff)
            grants.open_letter(c, staff, requested_by=g.staff.public_id)
            db.session.commit()
            flash(_("The account was reset. Another director or the auditor prints the "
                    "enrolment letter with the new one-time password."), "success")
            return redirect(url_for("admin.staff_detail", public_id=public_id))
    except ServiceError as error:
        db.session.rollback()
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("admin.staff_detail", public_id=public_id))
    db.session.commit()
    flash(_("The account was updated."), "success")
    return redirect(url_for("admin.staff_detail", public_id=public_id))


@bp.route("/staff/<public_id>/role", methods=["POST"])
@requires(Permission.STAFF_MANAGE)
def staff_role(public_id: str) -> Response:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    staff = _staff_or_404(public_id)
    try:
        grants.request_role(ctx(), g.staff, staff, Role(form.role.data),
                            single_administrator=settings().single_administrator)
    except ServiceError as error:
        for message in refused(GrantKind.ROLE, error):
            flash(message, "error")
    else:
        db.session.commit()
        requested(GrantKind.ROLE)
    return redirect(url_for("admin.staff_detail", public_id=public_id))


@bp.route("/staff/<public_id>/deactivate", methods=["POST"])
@requires(Permission.STAFF_MANAGE)
def staff_deactivate(public_id: str) -> str | Response:
    return _change(public_id, "deactivate")


@bp.route("/staff/<public_id>/reactivate", methods=["POST"])
@requires(Permission.STAFF_MANAGE)
def staff_reactivate(public_id: str) -> str | Response:
    return _change(public_id, "reactivate")


@bp.route("/staff/<public_id>/reset", methods=["POST"])
@requires(Permission.STAFF_MANAGE)
@step_up_required
def staff_reset(public_id: str) -> str | Response:
    """A reset hands over a new password and a new second factor: prove it is you."""
    return _change(public_id, "reset")
