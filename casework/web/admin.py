"""The director's administration of staff accounts (create, deactivate, reset)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from casework.domain.roles import Permission, Role
from casework.extensions import db
from casework.models import Staff
from casework.services import accounts
from casework.services.errors import NotFound, ServiceError
from casework.web.context import ctx
from casework.web.forms import ConfirmForm, StaffCreateForm
from casework.web.messages import explain
from casework.web.security import requires, step_up_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
    form = StaffCreateForm()
    if form.validate_on_submit():
        try:
            staff, temporary = accounts.create_staff(
                ctx(), email=form.email.data or "", display_name=form.display_name.data or "",
                role=Role(form.role.data))
        except ServiceError as error:
            db.session.rollback()
            form.email.errors.extend(explain(error.reasons))
        else:
            db.session.commit()
            return render_template("admin/temporary_password.html", staff=staff,
                                   temporary=temporary)
    return render_template("admin/staff_create.html", form=form)


@bp.route("/staff/<public_id>")
@requires(Permission.STAFF_MANAGE)
def staff_detail(public_id: str) -> str:
    return render_template("admin/staff_detail.html", staff=_staff_or_404(public_id),
                           form=ConfirmForm())


def _change(public_id: str, action: str) -> str | Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    staff = _staff_or_404(public_id)
    c = ctx()
    try:
        if action == "deactivate":
            accounts.deactivate(c, staff)
        elif action == "reactivate":
            accounts.reactivate(c, staff)
        else:
            temporary = accounts.reset(c, staff)
            db.session.commit()
            return render_template("admin/temporary_password.html", staff=staff,
                                   temporary=temporary)
    except ServiceError as error:
        db.session.rollback()
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("admin.staff_detail", public_id=public_id))
    db.session.commit()
    flash(_("The account was updated."), "success")
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
