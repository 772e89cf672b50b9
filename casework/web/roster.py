"""The designated liaison, deputies and the 24/7 on-call roster (rules 1-7).

The director designates and schedules (ROSTER_MANAGE); the liaison and the director see who
answers the phone now, the police contacts to call, and the hours nobody covers.

Times are entered and shown in the organisation's local time and stored in UTC (naive).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, SelectField
from wtforms.validators import DataRequired

from casework.domain.grants import GrantKind
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import Staff
from casework.services import grants, mou_versions, police_calls, police_units, roster
from casework.services.errors import ServiceError
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx, settings
from casework.web.form_base import FlaskForm
from casework.web.forms import ConfirmForm
from casework.web.grants import refused, requested
from casework.web.messages import explain
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l
from casework.web.timefmt import to_utc, zone_label

bp = Blueprint("roster", __name__, url_prefix="/roster")

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
KIND_LABELS = {"liaison": _l("Designated liaison"), "deputy": _l("Deputy")}


class DesignateForm(FlaskForm):
    liaison = SelectField(_l("Member of staff (liaison role)"), validators=[DataRequired()])
    designation = SelectField(_l("Designation"), choices=[(k, v) for k, v in KIND_LABELS.items()],
                       validators=[DataRequired()])


class ShiftForm(FlaskForm):
    on_call = SelectField(_l("Who is on call"), validators=[DataRequired()])
    starts_at = DateTimeLocalField(_l("From (local time)"), format=DATETIME_LOCAL,
                                   validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Until (local time)"), format=DATETIME_LOCAL,
                                 validators=[DataRequired()])


def _liaison_staff() -> list[Staff]:
    return list(db.session.scalars(select(Staff).where(
        Staff.role == Role.LIAISON.value, Staff.is_active.is_(True)).order_by(
        Staff.display_name)))


def _staff_or_404(public_id: str) -> Staff:
    staff = db.session.scalar(select(Staff).where(Staff.public_id == public_id[:32]))
    if staff is None:
        abort(404)
    return staff


def _forms() -> tuple[DesignateForm, ShiftForm]:
    designate_form, shift_form = DesignateForm(), ShiftForm()
    designate_form.liaison.choices = [(s.public_id, s.display_name) for s in _liaison_staff()]
    shift_form.on_call.choices = [(s.public_id, f"{s.display_name} · {KIND_LABELS[d.kind]}")
                                for d, s in roster.designations(ctx())]
    return designate_form, shift_form


def police_contacts() -> list[dict[str, Any]]:
    """The 24/7 police contacts of every MoU in force, unit by unit."""
    c = ctx()
    rows = []
    for unit in police_units.all_units(c):
        active = mou_versions.active(c, unit)
        if active is not None:
            rows.append({"unit": unit, "version": active[0], "contacts":
                         active[1].police_contacts})
    return rows


def _page(designate_form: DesignateForm, shift_form: ShiftForm,
          status: int = 200) -> tuple[str, int]:
    c = ctx()
    kinds = {d.staff_id: d.kind for d, _s in roster.designations(c)}
    duty = roster.on_duty(c)
    # Issue 13.6: ending the designation of the only liaison on duty leaves nobody to review.
    alone = {s.id for s in duty} if len(duty) == 1 else set()
    if len(kinds) == 1:
        alone |= set(kinds)
    return render_template(
        "roster/index.html", on_duty=[(s, kinds.get(s.id)) for s in duty], alone=alone,
        gaps=roster.coverage_gaps(c), shifts=roster.shifts(c),
        designations=roster.designations(c), contacts=police_contacts(),
        can_manage=can(Role(g.staff.role), Permission.ROSTER_MANAGE),
        designate_form=designate_form, shift_form=shift_form, confirm_form=ConfirmForm(),
        KIND_LABELS=KIND_LABELS, zone=zone_label()), status


@bp.route("/")
@requires(Permission.DISCLOSURE_REVIEW)
def index() -> tuple[str, int]:
    return _page(*_forms())


@bp.route("/designate", methods=["POST"])
@requires(Permission.ROSTER_MANAGE)
def designate() -> Response | tuple[str, int]:
    designate_form, shift_form = _forms()
    if designate_form.validate_on_submit():
        staff = _staff_or_404(designate_form.liaison.data or "")
        try:
            # Issue 11: release power is a grant; it waits for a second person.
            grants.request_designation(ctx(), g.staff, staff,
                                       designate_form.designation.data or "",
                                       single_administrator=settings().single_administrator)
        except ServiceError as error:
            designate_form.liaison.errors = refused(GrantKind.DESIGNATION, error)
        else:
            db.session.commit()
            requested(GrantKind.DESIGNATION)
            return redirect(url_for("roster.index"))
    return _page(designate_form, shift_form, 422)


@bp.route("/designations/<staff_id>/end", methods=["POST"])
@requires(Permission.ROSTER_MANAGE)
def end(staff_id: str) -> Response | tuple[str, int]:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not confirmed():  # issue 13.6
        return unconfirmed(url_for("roster.index"))
    staff = _staff_or_404(staff_id)
    roster.end_designation(ctx(), staff)
    db.session.commit()
    flash(_("%(name)s is no longer designated.", name=staff.display_name), "success")
    return redirect(url_for("roster.index"))


@bp.route("/shifts", methods=["POST"])
@requires(Permission.ROSTER_MANAGE)
def add_shift() -> Response | tuple[str, int]:
    designate_form, shift_form = _forms()
    if shift_form.validate_on_submit():
        staff = _staff_or_404(shift_form.on_call.data or "")
        assert shift_form.starts_at.data is not None
        assert shift_form.ends_at.data is not None
        try:
            grants.request_shift(ctx(), g.staff, staff, to_utc(shift_form.starts_at.data),
                                 to_utc(shift_form.ends_at.data),
                                 single_administrator=settings().single_administrator)
        except ServiceError as error:
            shift_form.ends_at.errors = refused(GrantKind.SHIFT, error)
        else:
            db.session.commit()
            requested(GrantKind.SHIFT)
            return redirect(url_for("roster.index", _anchor="shifts"))
    return _page(designate_form, shift_form, 422)


# --- telephone contacts with police (issue 9; rules 2, 4) --------------------------------

DIRECTION_LABELS = {"incoming": _l("The police called us"), "outgoing": _l("We called the police")}


class CallForm(FlaskForm):
    unit = SelectField(_l("Police unit"), validators=[DataRequired()])
    direction = SelectField(_l("Direction"), choices=list(DIRECTION_LABELS.items()),
                            validators=[DataRequired()])
    liaison = SelectField(_l("Through the designated liaison or deputy"),
                          validators=[DataRequired()])
    occurred_at = DateTimeLocalField(_l("When (local time)"), format=DATETIME_LOCAL,
                                     validators=[DataRequired()])


@bp.route("/calls", methods=["GET", "POST"])
@requires(Permission.DISCLOSURE_REVIEW)
def calls() -> Response | tuple[str, int]:
    """Every telephone contact with police is logged against the liaison or deputy."""
    c = ctx()
    units = {u.public_id: u for u in police_units.all_units(c)}
    liaisons = {s.public_id: s for _d, s in roster.designations(c)}
    form = CallForm()
    form.unit.choices = [(ref, u.name) for ref, u in units.items()]
    form.liaison.choices = [(ref, s.display_name) for ref, s in liaisons.items()]
    status = 200
    if form.validate_on_submit():
        unit = units.get(form.unit.data or "")
        if unit is None:
            abort(400)
        try:
            police_calls.log_call(c, unit, liaison=liaisons.get(form.liaison.data or ""),
                                  direction=form.direction.data or "",
                                  occurred_at=to_utc(form.occurred_at.data))
        except ServiceError as error:
            db.session.rollback()
            form.liaison.errors = explain(error.reasons)
            status = 422
        else:
            db.session.commit()
            flash(_("The call was logged."), "success")
            return redirect(url_for("roster.calls"))
    elif form.is_submitted():
        status = 422
    names = {s.public_id: s.display_name for s in db.session.scalars(select(Staff))}
    unit_names = {u.id: u.name for u in units.values()}
    return render_template("roster/calls.html", form=form, rows=police_calls.recent(c),
                           names=names, unit_names=unit_names,
                           labels=DIRECTION_LABELS, zone=zone_label()), status
