"""Police units and their assessment; a person's legal consultation, decisions,
compensation, witness protection and privileged notes (rules 26-47, 70, 109).

Our assessment of a police unit is for legal advisers and the director only: the liaison,
who talks to the police, never sees it. Privileged notes are for legal advisers only: every
other role is refused before anything is decrypted, and nothing on the record page of any
other role says that they exist.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from casework.domain.legal import UNIT_QUESTIONS, PersonDecision, UnitRecommendation
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import Person, PoliceUnit, Staff, UnitAssessment
from casework.services import accounts, legal, police_units
from casework.services.errors import NotFound, ServiceError
from casework.web import record_parts, sections
from casework.web.context import ctx, settings
from casework.web.forms_legal import (
    ANSWER_LABELS,
    AVAILABILITY_LABELS,
    COMPENSATION_LABELS,
    CONCERN_LABELS,
    DECISION_LABELS,
    MEASURE_GROUPS,
    MEASURE_LABELS,
    MEASURE_STATUS_LABELS,
    NOTICE_LABELS,
    OPTION_HELP,
    OPTION_LABELS,
    QUESTION_LABELS,
    RECOMMENDATION_HELP,
    RECOMMENDATION_LABELS,
    ROUTE_LABELS,
    AssessmentForm,
    CompensationForm,
    ConsultationForm,
    DecisionForm,
    OverrideForm,
    PrivilegedNoteForm,
    UnitForm,
    WitnessForm,
    assessment_answers,
    witness_concerns,
    witness_measures,
)
from casework.web.messages import explain
from casework.web.persons import open_person
from casework.web.security import requires
from casework.web.text import gettext as _

units_bp = Blueprint("units", __name__, url_prefix="/units")
bp = Blueprint("legal", __name__, url_prefix="/persons/<case_code>/legal")

ASSESSMENT_VALIDITY = timedelta(days=180)


def labels() -> dict[str, Any]:
    """Every label the legal templates need, in one place."""
    return {"questions": QUESTION_LABELS, "answers": ANSWER_LABELS,
            "recommendations": RECOMMENDATION_LABELS,
            "recommendation_help": RECOMMENDATION_HELP, "options": OPTION_LABELS,
            "option_help": OPTION_HELP, "notices": NOTICE_LABELS,
            "decisions": DECISION_LABELS, "routes": ROUTE_LABELS,
            "compensation": COMPENSATION_LABELS, "concerns": CONCERN_LABELS,
            "measures": MEASURE_LABELS, "availability": AVAILABILITY_LABELS,
            "measure_status": MEASURE_STATUS_LABELS}


def _names(public_ids: set[str]) -> dict[str, str]:
    """Display names of members of staff, for 'recorded by' columns."""
    c = ctx()
    out: dict[str, str] = {}
    for public_id in public_ids:
        try:
            out[public_id] = accounts.by_public_id(c, public_id).display_name
        except NotFound:
            out[public_id] = _("Former member of staff")
    return out


def _refused(action: str, ref: str) -> None:
    """Roll back the refused unit of work but keep an audit event of the refusal."""
    db.session.rollback()
    ctx().audit(action, outcome="denied", object_type="person", object_ref=ref)
    db.session.commit()


# --- Police units ------------------------------------------------------------------------


def _unit_or_404(unit_id: str) -> PoliceUnit:
    try:
        return police_units.get(ctx(), unit_id[:32])
    except NotFound:
        abort(404)


def assessment_view(unit: PoliceUnit, row: UnitAssessment) -> dict[str, Any]:
    """One assessment with every answer decrypted (UNIT_ASSESS holders only)."""
    answers = police_units.read_answers(ctx(), unit, row)
    return {"row": row, "recommendation": row.recommendation, "valid_until": row.valid_until,
            "assessed_at": row.assessed_at, "assessed_by": row.assessed_by,
            "answers": [(q, answers.get(q, {}).get("answer", "unknown"),
                         answers.get(q, {}).get("note", "")) for q in UNIT_QUESTIONS]}


@units_bp.route("/")
@requires(Permission.UNIT_ASSESS)
def index() -> str:
    c = ctx()
    rows = [(u, police_units.current_assessment(c, u)) for u in police_units.all_units(c)]
    return render_template("legal/units.html", rows=rows, L=labels(), today=c.now.date())


@units_bp.route("/new", methods=["GET", "POST"])
@requires(Permission.UNIT_ASSESS)
def create() -> ResponseReturnValue:
    form = UnitForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            unit = police_units.create(ctx(), name=form.name.data or "",
                                       jurisdiction=form.jurisdiction.data or "")
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The unit was added. Assess it before it is discussed with anyone."),
                  "success")
            return redirect(url_for("units.assess", unit_id=unit.public_id))
    return render_template("legal/unit_form.html", form=form, errors=errors), \
        422 if (errors or form.errors) else 200


@units_bp.route("/<unit_id>")
@requires(Permission.UNIT_ASSESS)
def detail(unit_id: str) -> str:
    unit = _unit_or_404(unit_id)
    c = ctx()
    current = police_units.current_assessment(c, unit)
    history = [assessment_view(unit, row) for row in police_units.history(c, unit)]
    override = police_units.override_reason(c, unit, current) \
        if current is not None and current.override_at is not None else ""
    db.session.commit()
    return render_template("legal/unit.html", unit=unit, history=history,
                           current_id=current.id if current else None, L=labels(),
                           names=_names({h["assessed_by"] for h in history} |
                                        ({current.override_by} if override and current
                                         and current.override_by else set())),
                           current=current, override=override,
                           may_override=bool(current and current.recommendation ==
                                             "cooperation_not_recommended"
                                             and current.override_at is None
                                             and g.staff.role == Role.LEGAL_ADVISER.value),
                           override_form=OverrideForm())


@units_bp.route("/<unit_id>/override", methods=["POST"])
@requires(Permission.UNIT_ASSESS)
def override(unit_id: str) -> Response:
    """A legal adviser documents an override of a "not recommended" assessment."""
    unit = _unit_or_404(unit_id)
    form = OverrideForm()
    if not form.validate_on_submit() and form.csrf_token.errors:
        abort(400)
    try:
        police_units.record_override(ctx(), g.staff, unit, form.reason.data or "")
    except ServiceError as error:
        db.session.rollback()
        ctx().audit("unit.override", outcome="denied", object_type="police_unit",
                    object_ref=unit.public_id)
        db.session.commit()
        for message in explain(error.reasons):
            flash(message, "error")
    else:
        db.session.commit()
        flash(_("The override was recorded. Specific intelligence may now go to this unit "
                "until the assessment changes."), "success")
    return redirect(url_for("units.detail", unit_id=unit.public_id))


@units_bp.route("/<unit_id>/assess", methods=["GET", "POST"])
@requires(Permission.UNIT_ASSESS)
def assess(unit_id: str) -> ResponseReturnValue:
    unit = _unit_or_404(unit_id)
    c = ctx()
    form = AssessmentForm()
    errors: list[str] = []
    if request.method == "GET":
        current = police_units.current_assessment(c, unit)
        if current is not None:  # start from what we knew, so a review changes only the news
            answers = police_units.read_answers(c, unit, current)
            for q in UNIT_QUESTIONS:
                form[f"answer_{q}"].data = answers.get(q, {}).get("answer")
                form[f"note_{q}"].data = answers.get(q, {}).get("note", "")
            form.recommendation.data = current.recommendation
        form.valid_until.data = c.now.date() + ASSESSMENT_VALIDITY
    elif form.validate_on_submit():
        try:
            police_units.assess(c, unit, answers=assessment_answers(form),
                                recommendation=UnitRecommendation(form.recommendation.data),
                                valid_until=form.valid_until.data or date.min)
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The assessment was saved."), "success")
            return redirect(url_for("units.detail", unit_id=unit.public_id))
    return render_template("legal/assess.html", unit=unit, form=form, errors=errors,
                           questions=UNIT_QUESTIONS, L=labels()), \
        422 if (errors or form.errors) else 200


# --- Consultation and decisions ----------------------------------------------------------


def _units_for_consultation() -> list[tuple[PoliceUnit, dict[str, Any] | None]]:
    """Every unit with its current assessment (decrypted), shown BEFORE the form (rule 70)."""
    c = ctx()
    out = []
    for unit in police_units.all_units(c):
        current = police_units.current_assessment(c, unit)
        out.append((unit, assessment_view(unit, current) if current else None))
    return out


@bp.route("/consultation", methods=["GET", "POST"])
@requires(Permission.LEGAL_WRITE)
def consultation(case_code: str) -> ResponseReturnValue:
    person = open_person(case_code)
    c = ctx()
    units = _units_for_consultation()
    form = ConsultationForm()
    form.unit.choices = [("", _("No police unit discussed"))] + [
        (u.public_id, u.name if a else _("%(name)s (no current assessment)", name=u.name))
        for u, a in units]
    errors: list[str] = []
    if form.validate_on_submit():
        unit = next((u for u, _a in units if u.public_id == form.unit.data), None)
        data = legal.ConsultationInput(
            unit=unit, options_explained=frozenset(form.options_explained.data or []),
            notices_given=frozenset((form.notices_29.data or []) + (form.notices_32.data
                                                                     or [])),
            decision=PersonDecision(form.decision.data), notes=form.notes.data or "")
        try:
            legal.record_consultation(c, person, data)
        except ServiceError as error:
            _refused("legal.consultation", person.case_code)
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The consultation and the person's decision were recorded."), "success")
            return redirect(url_for("persons.detail", case_code=case_code, _anchor="legal"))
    cleared = legal.active_clearance(ctx(), person) is not None
    selected = form.unit.data or request.args.get("unit", "")
    return render_template("legal/consultation.html", person=person, form=form,
                           errors=errors, units=units, cleared=cleared, selected=selected,
                           L=labels()), 422 if (errors or form.errors) else 200


@bp.route("/decision", methods=["POST"])
@requires(Permission.LEGAL_WRITE)
def decision(case_code: str) -> Response:
    """A revised decision: a new row each time, the earlier ones kept (rule 12)."""
    person = open_person(case_code)
    form = DecisionForm()
    if form.validate_on_submit():
        legal.record_decision(ctx(), person, PersonDecision(form.decision.data),
                              note=form.note.data or "",
                              packages_folder=settings().instance_path / "packages")
        db.session.commit()
        flash(_("The person's decision was recorded. Earlier decisions are kept."),
              "success")
    else:
        _flash_errors(form.errors)
    return redirect(url_for("persons.detail", case_code=case_code, _anchor="legal"))


@bp.route("/compensation", methods=["POST"])
@requires(Permission.LEGAL_WRITE)
def compensation(case_code: str) -> Response:
    person = open_person(case_code)
    form = CompensationForm()
    if form.validate_on_submit():
        try:
            legal.add_compensation_event(ctx(), person, route=form.route.data or "",
                                         status=form.status.data or "",
                                         occurred_on=form.occurred_on.data or date.min,
                                         note=form.note.data or "")
        except ServiceError as error:
            db.session.rollback()
            for message in explain(error.reasons):
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("The compensation step was recorded."), "success")
    else:
        _flash_errors(form.errors)
    return redirect(url_for("persons.detail", case_code=case_code, _anchor="compensation"))


def _flash_errors(errors: dict[str, Any]) -> None:
    for messages in errors.values():
        for message in messages:
            flash(str(message), "error")


# --- Witness protection ------------------------------------------------------------------


@bp.route("/witness", methods=["GET", "POST"])
@requires(Permission.LEGAL_WRITE)
def witness(case_code: str) -> ResponseReturnValue:
    person = open_person(case_code)
    c = ctx()
    form = WitnessForm()
    errors: list[str] = []
    if request.method == "GET":
        reviews = legal.witness_reviews(c, person)
        if reviews:
            _fill_witness(form, *reviews[0])
    elif form.validate_on_submit():
        try:
            legal.record_witness_review(
                c, person, concerns=witness_concerns(form), measures=witness_measures(form),
                recommendation=form.recommendation.data or "",
                persons_view=form.persons_view.data or "",
                next_deadline=form.next_deadline.data,
                notices_told=frozenset(form.notices_told.data or ()))
        except ServiceError as error:
            _refused("legal.witness_review", person.case_code)
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("A new version of the witness-protection review was saved."), "success")
            return redirect(url_for("legal.witness", case_code=case_code))
    history = legal.witness_reviews(ctx(), person)
    return render_template("legal/witness.html", person=person, form=form, errors=errors,
                           history=history, groups=MEASURE_GROUPS, L=labels(),
                           names=_names({r.adviser for r, _c in history})), \
        422 if (errors or form.errors) else 200


def _fill_witness(form: Any, row: Any, content: dict[str, Any]) -> None:
    for key, text in (content.get("concerns") or {}).items():
        if f"concern_{key}" in form:
            form[f"concern_{key}"].data = text
    for key, value in (content.get("measures") or {}).items():
        if f"availability_{key}" in form:
            form[f"availability_{key}"].data = value.get("availability")
            form[f"status_{key}"].data = value.get("status")
    form.recommendation.data = content.get("recommendation", "")
    form.persons_view.data = content.get("persons_view", "")
    form.next_deadline.data = row.next_deadline
    form.notices_told.data = list(content.get("notices_told", []))


# --- Privileged notes --------------------------------------------------------------------


def _advisers_only() -> None:
    """Legal privilege: refuse every other role before the record is even opened."""
    if g.staff.role != Role.LEGAL_ADVISER.value:
        abort(403)


@bp.route("/privileged", methods=["GET", "POST"])
@requires(Permission.LEGAL_WRITE)
def privileged(case_code: str) -> ResponseReturnValue:
    _advisers_only()
    person = open_person(case_code)
    c = ctx()
    form = PrivilegedNoteForm()
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            legal.add_privileged_note(c, g.staff, person, form.text.data or "")
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The privileged note was saved."), "success")
            return redirect(url_for("legal.privileged", case_code=case_code))
    notes = legal.privileged_notes(ctx(), g.staff, person)
    return render_template("legal/privileged.html", person=person, form=form, errors=errors,
                           notes=notes, names=_names({n.author for n, _t in notes})), \
        422 if (errors or form.errors) else 200


# --- The section on the person's record page ---------------------------------------------


@sections.register("legal")
def record_section(person: Person, staff: Staff) -> dict[str, Any]:
    """Consultations, decisions, compensation and the latest witness review.

    Privileged notes are counted only for a legal adviser; for any other viewer the
    dictionary has no key about them at all, so the template cannot mention them.
    """
    c = ctx()
    role = Role(staff.role)
    decisions = [(row, legal.decision_note(c, person, row))
                 for row in record_parts.read_part(person, "legal_decisions",
                                                   lambda: legal.decisions(c, person)) or []]
    consultations = record_parts.read_part(person, "legal_consultations",
                                           lambda: legal.consultations(c, person)) or []
    units = {u.public_id: u.name for u in police_units.all_units(c)} if consultations else {}
    reviews = record_parts.read_part(person, "witness_reviews",
                                     lambda: legal.witness_reviews(c, person)) or []
    out: dict[str, Any] = {
        "person": person, "L": labels(), "today": c.now.date(),
        "may_write": can(role, Permission.LEGAL_WRITE),
        "cleared": record_parts.active_clearance(person) is not None,
        "consultations": consultations, "unit_names": units, "decisions": decisions,
        "compensation": record_parts.read_part(person, "compensation",
                                               lambda: legal.compensation(c, person)) or [],
        "witness": reviews[0] if reviews else None, "witness_versions": len(reviews),
        "names": _names({d.recorded_by for d, _n in decisions}
                        | {r.adviser for r, _c in consultations}),
    }
    if out["may_write"]:
        out["decision_form"] = DecisionForm(formdata=None)
        out["compensation_form"] = CompensationForm(formdata=None)
        out["compensation_form"].occurred_on.data = c.now.date()
    if role is Role.LEGAL_ADVISER:
        out["privileged_count"] = len(legal.privileged_notes(c, staff, person))
    return out
