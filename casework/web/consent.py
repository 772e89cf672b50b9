"""Consent, psychologist clearance, risk assessments and police meetings of a person.

Every view opens the person through ``open_person`` first (object access, break-glass), so
a page of this module never shows anything the record page would not.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from casework.domain.consent import (
    NOTICES_29,
    NOTICES_32,
    NOTICES_HTCDS,
    ChildConsent,
    ConsentReason,
    Purpose,
    ShareLevel,
)
from casework.domain.files import SNIFF_BYTES, sniff_content_type
from casework.domain.meetings import PlaceType
from casework.domain.minors import RepresentativeType
from casework.domain.risk import DEFAULT_VALIDITY, RiskCategory
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import Consent, Person, PoliceMeeting, PoliceUnit, RiskAssessment, Staff
from casework.services import (
    accounts,
    consents,
    legal,
    meetings,
    minors,
    police_units,
    risk,
    roster,
)
from casework.services.attachments import AttachmentRefused
from casework.services.errors import NotFound, ServiceError
from casework.web import record_parts, sections
from casework.web.context import ctx, settings
from casework.web.forms import ConfirmForm
from casework.web.forms_consent import (
    CATEGORY_LABELS,
    CHILD_CONSENT_LABELS,
    MEETING_PLACE_LABELS,
    NOTICE_LABELS,
    PURPOSE_LABELS,
    RISK_LABELS,
    SHARE_LABELS,
    ClearanceForm,
    ConsentForm,
    MeetingContentForm,
    MeetingForm,
    RiskForm,
)
from casework.web.messages import explain
from casework.web.persons import open_person
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.timefmt import format_date

bp = Blueprint("consent", __name__, url_prefix="/persons/<case_code>")

# A signed form is a document: a PDF or a photo/scan of the paper, never a recording.
FORM_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})
SECTION_ANCHOR = "consent"


# --- helpers ------------------------------------------------------------------------------


def consent_status(consent: Consent, now: datetime) -> str:
    if consent.withdrawn_at is not None:
        return "withdrawn"
    if consent.valid_until is not None and now >= consent.valid_until:
        return "expired"
    return "active"


def valid_through(consent: Consent) -> date | None:
    """The last day on which the consent is valid (valid_until is the first instant after)."""
    if consent.valid_until is None:
        return None
    return (consent.valid_until - timedelta(microseconds=1)).date()


def _staff_name(public_id: str | None) -> str:
    if not public_id:
        return ""
    try:
        return accounts.by_public_id(ctx(), public_id).display_name
    except NotFound:
        return _("a former member of staff")


def _unit_choices() -> list[tuple[str, str]]:
    return [(u.public_id, u.name) for u in police_units.all_units(ctx())]


def _unit_names() -> dict[str, str]:
    return {u.public_id: u.name for u in police_units.all_units(ctx())}


def _unit(public_id: str) -> PoliceUnit | None:
    try:
        return police_units.get(ctx(), public_id)
    except NotFound:
        return None


def _back(case_code: str) -> Response:
    return redirect(url_for("persons.detail", case_code=case_code, _anchor=SECTION_ANCHOR))


def _flash_reasons(reasons: tuple[Enum, ...]) -> None:
    for message in explain(reasons):
        flash(message, "error")


def _is_child(person: Person) -> bool:
    """A child today, from the facts of the record (not only the "child" box)."""
    c = ctx()
    return minors.is_minor_at(c, person, c.now)


# --- the record page section ----------------------------------------------------------------


@sections.register("consent")
def section(person: Person, staff: Staff) -> dict[str, Any]:
    c = ctx()
    role = Role(staff.role)
    now = c.now
    ledger = []
    for row in record_parts.consent_ledger(person):
        scope = consents.scope(c, person, row)
        ledger.append({"row": row, "status": consent_status(row, now),
                       "share": SHARE_LABELS.get(scope.get("share_level", ""), ""),
                       "purposes": len(scope.get("purposes", []))})
    clearance = record_parts.active_clearance(person)
    risk_rows = record_parts.read_part(person, "risk", lambda: risk.for_person(c, person)) or []
    meeting_pairs = record_parts.read_part(person, "meetings",
                                           lambda: meetings.for_person(c, person)) or []
    # The units' names only when something names a unit (most records: nothing yet).
    units = ({u.id: u.name for u in police_units.all_units(c)}
             if risk_rows or meeting_pairs else {})
    assessments = [{"row": r, "unit": units.get(r.unit_id, ""), "valid": r.expires_at > now,
                    "residual": RISK_LABELS.get(r.residual, r.residual)}
                   for r in risk_rows]
    meeting_rows = [{"row": r, "unit": units.get(r.unit_id, ""),
                     "place_type": MEETING_PLACE_LABELS.get(r.place_type, r.place_type),
                     "has_content": bool(d.get("content"))}
                    for r, d in meeting_pairs]
    return {"person": person, "ledger": ledger, "clearance": clearance,
            "clearance_by": _staff_name(clearance.psychologist) if clearance else "",
            "assessments": assessments, "meetings": meeting_rows,
            "can_consent": can(role, Permission.CONSENT_WRITE),
            "can_clear": can(role, Permission.CLEARANCE_WRITE),
            "can_risk": can(role, Permission.RISK_WRITE),
            "can_meet": can(role, Permission.MEETING_WRITE),
            "clearance_form": _clearance_form(), "clearance_refused": _clearance_refused(),
            "confirm_form": ConfirmForm()}


def _clearance_form() -> ClearanceForm:
    from casework.web.persons import refused_form

    refused = refused_form("clearance")
    return refused[0] if refused else ClearanceForm(formdata=None)


def _clearance_refused() -> list[str]:
    from casework.web.persons import refused_form

    refused = refused_form("clearance")
    return [*(str(m) for e in refused[0].errors.values() for m in e), *refused[1]] \
        if refused else []


# --- consent ------------------------------------------------------------------------------


def _consent_input(form: ConsentForm) -> consents.ConsentInput:
    valid_until = None
    if form.valid_until.data:
        # Valid through the whole of the day written on the form.
        valid_until = datetime.combine(form.valid_until.data + timedelta(days=1), time.min)
    child = form.child_consent.data or None
    return consents.ConsentInput(
        purposes=frozenset(Purpose(p) for p in form.purposes.data or []),
        recipient_units=frozenset(form.recipient_units.data or []),
        share_level=ShareLevel(form.share_level.data),
        identity_allowed=bool(form.identity_allowed.data),
        identity_at_persons_request=bool(form.identity_at_persons_request.data),
        valid_until=valid_until,
        notices=frozenset((form.notices_29.data or []) + (form.notices_32.data or [])
                          + (form.notices_htcds.data or [])),
        language=form.language.data or "", interpreter=form.interpreter.data or "",
        witness=form.witness.data or "",
        child_consent=ChildConsent(child) if child else None,
        representative=form.representative.data or "",
        representative_consented=bool(form.representative_consented.data),
        child_view=form.child_view.data or "",
        child_age_and_maturity=form.child_age_and_maturity.data or "",
        child_unobtainable_reason=form.child_unobtainable_reason.data or "",
        representative_type=RepresentativeType(form.representative_type.data)
        if form.representative_type.data else None,
        best_interests=form.best_interests.data or "",
        notes=form.notes.data or "")


def _signed_form_stream(form: ConsentForm) -> Any:
    """The uploaded file's stream, rewound, or None; a file of the wrong kind is an error."""
    upload = form.signed_form.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    stream = upload.stream
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    if head and sniff_content_type(head) not in FORM_TYPES:
        form.signed_form.errors = [_("Upload the signed form as a PDF, or as a PNG or JPEG "
                                     "photo of the paper.")]
        return False
    return stream


@bp.route("/consents/new", methods=["GET", "POST"])
@requires(Permission.CONSENT_WRITE)
def consent_new(case_code: str) -> Response | tuple[str, int]:
    person = open_person(case_code)
    is_child = _is_child(person)
    form = ConsentForm()
    form.recipient_units.choices = _unit_choices()
    errors: list[str] = []
    if form.validate_on_submit():
        if form.valid_until.data and form.valid_until.data < ctx().now.date():
            form.valid_until.errors = [_("This date has passed. Leave it empty or choose a "
                                         "date in the future.")]
        stream = _signed_form_stream(form)
        if stream is not False and not form.valid_until.errors:
            try:
                consent = consents.record(
                    ctx(), settings().attachments_path, person, _consent_input(form),
                    form_stream=stream, form_filename=form.signed_form.data.filename
                    if stream is not None else "", max_bytes=settings().max_upload_bytes)
            except (AttachmentRefused, ServiceError) as error:
                db.session.rollback()
                ctx().audit("consent.record", outcome="denied", object_type="person",
                            object_ref=person.case_code)
                db.session.commit()
                errors = explain(error.reasons)
                if ConsentReason.NO_SIGNED_FORM in error.reasons:
                    form.signed_form.errors = [str(e) for e in explain(
                        (ConsentReason.NO_SIGNED_FORM,))]
            else:
                db.session.commit()
                flash(_("The consent was recorded and the signed form encrypted."), "success")
                return redirect(url_for("consent.consent_detail", case_code=case_code,
                                        consent_id=consent.public_id))
    failed = bool(errors or form.errors or form.signed_form.errors
                  or form.valid_until.errors)
    if failed and request.method == "POST":
        errors.append(_("For your safety the browser does not keep the chosen file: choose "
                        "the signed form again before saving."))
    return render_template("consent/form.html", person=person, form=form, errors=errors,
                           is_child=is_child), 422 if failed else 200


def _consent(person: Person, consent_id: str) -> Consent:
    try:
        return consents.get(ctx(), person, consent_id)
    except NotFound:
        abort(404)


@bp.route("/consents/<consent_id>")
@requires(Permission.PERSON_READ)
def consent_detail(case_code: str, consent_id: str) -> str:
    person = open_person(case_code)
    row = _consent(person, consent_id)
    c = ctx()
    scope = consents.scope(c, person, row)
    units = _unit_names()
    notices = set(scope.get("notices", []))
    groups = [(_("Before deciding"), NOTICES_29), (_("About consequences"), NOTICES_32),
              (_("About their data"), NOTICES_HTCDS)]
    return render_template(
        "consent/detail.html", person=person, consent=row, scope=scope,
        status=consent_status(row, c.now), valid_through=valid_through(row),
        purposes=[PURPOSE_LABELS.get(p, p) for p in scope.get("purposes", [])],
        recipients=[units.get(u, _("a unit no longer listed")) for u in
                    scope.get("recipient_units", [])],
        share=SHARE_LABELS.get(scope.get("share_level", ""), ""),
        notice_groups=[(title, [(NOTICE_LABELS[n], n in notices) for n in keys])
                       for title, keys in groups],
        child_consent=CHILD_CONSENT_LABELS.get(scope.get("child_consent") or "", ""),
        recorded_by=_staff_name(row.recorded_by), withdrawn_by=_staff_name(row.withdrawn_by),
        can_withdraw=can(Role(g.staff.role), Permission.CONSENT_WRITE),
        confirm_form=ConfirmForm())


@bp.route("/consents/<consent_id>/withdraw", methods=["POST"])
@requires(Permission.CONSENT_WRITE)
def consent_withdraw(case_code: str, consent_id: str) -> Response:
    """Rule 12: one step. Nothing is asked of the person; it takes effect at once."""
    person = open_person(case_code)
    row = _consent(person, consent_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        stopped = consents.withdraw(ctx(), person, row,
                                    packages_folder=settings().instance_path / "packages")
    except ServiceError as error:
        db.session.rollback()
        _flash_reasons(error.reasons)
    else:
        db.session.commit()
        flash(_("The consent was withdrawn. Nothing more will be shared under it."), "success")
        if stopped:
            flash(_("Disclosures being prepared under it that were stopped: %(count)s. "
                    "Whoever drafted them has been told.", count=len(stopped)), "warning")
        else:
            flash(_("No disclosure was being prepared under this consent."), "success")
    return redirect(url_for("consent.consent_detail", case_code=case_code,
                            consent_id=consent_id))


# --- psychologist clearance -----------------------------------------------------------------


@bp.route("/clearance", methods=["POST"])
@requires(Permission.CLEARANCE_WRITE)
def clearance(case_code: str) -> Response | tuple[str, int]:
    person = open_person(case_code)
    form = ClearanceForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        from casework.web.persons import refused_section

        return refused_section(person, "clearance", form)  # issue 13.1: nothing is lost
    try:
        legal.clear(ctx(), g.staff, person, form.note.data or "")
    except ServiceError as error:
        db.session.rollback()
        _flash_reasons(error.reasons)
    else:
        db.session.commit()
        flash(_("Cleared: the legal adviser may now talk with the person about the police."),
              "success")
    return _back(case_code)


@bp.route("/clearance/withdraw", methods=["POST"])
@requires(Permission.CLEARANCE_WRITE)
def clearance_withdraw(case_code: str) -> Response:
    person = open_person(case_code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        legal.withdraw_clearance(ctx(), g.staff, person)
    except ServiceError as error:
        db.session.rollback()
        _flash_reasons(error.reasons)
    else:
        db.session.commit()
        flash(_("The clearance was withdrawn."), "success")
    return _back(case_code)


# --- risk assessments ---------------------------------------------------------------------


@bp.route("/risk/new", methods=["GET", "POST"])
@requires(Permission.RISK_WRITE)
def risk_new(case_code: str) -> Response | tuple[str, int]:
    person = open_person(case_code)
    form = RiskForm()
    form.unit.choices = _unit_choices()
    errors: list[str] = []
    if form.validate_on_submit():
        unit = _unit(form.unit.data or "")
        if unit is None:
            abort(400)
        data = risk.RiskInput(
            unit=unit, categories={c.value: getattr(form, c.value).data or ""
                                   for c in RiskCategory},
            unit_assessment_note=form.unit_assessment_note.data or "",
            harm_to_others=form.harm_to_others.data or "",
            staff_safety=form.staff_safety.data or "",
            residual=(form.residual.data or "").strip(),
            mitigations=form.mitigations.data or "")
        try:
            row = risk.record(ctx(), person, data)
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The risk assessment was recorded. It is valid until %(date)s.",
                    date=format_date(row.expires_at)), "success")
            return redirect(url_for("consent.risk_detail", case_code=case_code,
                                    risk_id=row.public_id))
    status = 422 if (errors or form.errors) else 200
    return render_template("consent/risk_form.html", person=person, form=form, errors=errors,
                           expires_on=(ctx().now + DEFAULT_VALIDITY).date(),
                           no_units=not form.unit.choices), status


def _risk(person: Person, risk_id: str) -> RiskAssessment:
    for row in risk.for_person(ctx(), person):
        if row.public_id == risk_id:
            return row
    abort(404)


@bp.route("/risk/<risk_id>")
@requires(Permission.PERSON_READ)
def risk_detail(case_code: str, risk_id: str) -> str:
    person = open_person(case_code)
    row = _risk(person, risk_id)
    c = ctx()
    content = risk.content(c, person, row)
    unit = c.session.get(PoliceUnit, row.unit_id)
    categories = content.get("categories", {})
    return render_template(
        "consent/risk.html", person=person, assessment=row, content=content,
        unit=unit.name if unit else "", valid=row.expires_at > c.now,
        residual=RISK_LABELS.get(row.residual, row.residual),
        categories=[(CATEGORY_LABELS[cat.value], categories.get(cat.value, ""))
                    for cat in RiskCategory],
        assessor=_staff_name(row.assessor))


# --- meetings -----------------------------------------------------------------------------


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires(Permission.MEETING_WRITE)
def meeting_new(case_code: str) -> Response | tuple[str, int]:
    person = open_person(case_code)
    form = MeetingForm()
    form.unit.choices = _unit_choices()
    liaisons = {s.public_id: s for _, s in roster.designations(ctx())}
    form.liaison.choices = [("", "—")] + [(ref, s.display_name) for ref, s in liaisons.items()]
    errors: list[str] = []
    if form.validate_on_submit():
        unit = _unit(form.unit.data or "")
        if unit is None:
            abort(400)
        asked = bool(form.lawyer_question_asked.data)
        if asked and not form.lawyer_wanted.data:
            form.lawyer_wanted.errors = [_("Record what the person answered.")]
        else:
            data = meetings.MeetingInput(
                unit=unit, scheduled_for=form.scheduled_for.data,
                place=form.place.data or "", place_type=PlaceType(form.place_type.data),
                lawyer_question_asked=asked, lawyer_wanted=form.lawyer_wanted.data == "yes",
                attendees=form.attendees.data or "",
                best_interests=form.best_interests.data or "",
                liaison=liaisons.get(form.liaison.data or ""),
                person_warned=bool(form.person_warned.data))
            try:
                row = meetings.arrange(ctx(), person, data)
            except ServiceError as error:
                db.session.rollback()
                # The service audited the refusal; the rollback undid it, so say it again.
                ctx().audit("meeting.arrange", outcome="denied", object_type="person",
                            object_ref=person.case_code)
                db.session.commit()
                errors = explain(error.reasons)
            else:
                db.session.commit()
                flash(_("The meeting was arranged."), "success")
                return redirect(url_for("consent.meeting_detail", case_code=case_code,
                                        meeting_id=row.public_id))
    status = 422 if (errors or form.errors or form.lawyer_wanted.errors) else 200
    return render_template("consent/meeting_form.html", person=person, form=form,
                           errors=errors, no_units=not form.unit.choices,
                           is_child=_is_child(person),
                           assessments=_unit_assessments()), status


@bp.app_template_global("recommendation_label")
def recommendation_label(value: str) -> str:
    from casework.web.forms_legal import RECOMMENDATION_LABELS

    return str(RECOMMENDATION_LABELS.get(value, value))


def _unit_assessments() -> list[dict[str, Any]]:
    """Each unit's current assessment, shown to whoever arranges a meeting (rules 103, 109)."""
    c = ctx()
    out = []
    for unit in police_units.all_units(c):
        current = police_units.current_assessment(c, unit)
        out.append({"unit": unit.name, "recommendation": current.recommendation
                    if current else None, "valid_until": current.valid_until
                    if current else None})
    return out


def _meeting(person: Person, meeting_id: str) -> tuple[PoliceMeeting, dict[str, Any]]:
    for row, details in meetings.for_person(ctx(), person):
        if row.public_id == meeting_id:
            return row, details
    abort(404)


@bp.route("/meetings/<meeting_id>")
@requires(Permission.PERSON_READ)
def meeting_detail(case_code: str, meeting_id: str) -> str:
    person = open_person(case_code)
    row, details = _meeting(person, meeting_id)
    unit = ctx().session.get(PoliceUnit, row.unit_id)
    can_write = can(Role(g.staff.role), Permission.MEETING_WRITE)
    form = MeetingContentForm()
    # Rule 87: what was said stays with those who arrange meetings; others see it exists.
    form.content.data = details.get("content", "") if can_write else ""
    return render_template(
        "consent/meeting.html", person=person, meeting=row, details=details,
        unit=unit.name if unit else "",
        place_type=MEETING_PLACE_LABELS.get(row.place_type, row.place_type),
        arranged_by=_staff_name(row.arranged_by), form=form, can_write=can_write)


@bp.route("/meetings/<meeting_id>/content", methods=["POST"])
@requires(Permission.MEETING_WRITE)
def meeting_content(case_code: str, meeting_id: str) -> Response:
    """Rule 87: what was said at the meeting is strictly confidential."""
    person = open_person(case_code)
    row, _details = _meeting(person, meeting_id)
    form = MeetingContentForm()
    if form.validate_on_submit():
        meetings.record_content(ctx(), person, row, form.content.data or "")
        db.session.commit()
        flash(_("Saved and encrypted."), "success")
    else:
        flash(_("Write what was discussed before saving."), "error")
    return redirect(url_for("consent.meeting_detail", case_code=case_code,
                            meeting_id=meeting_id))
