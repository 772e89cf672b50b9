"""Disclosure to police (issue 6, item 3): draft, check, approve with step-up, release,
download, feedback.

The request page is read by the drafter (casework side) and by the liaison and director
(who must never learn who the intelligence came from): it shows intelligence text after
withholding, the grading and the checklist, never a name, a case code or the withheld words.
Every transition names the version the person saw; a stale one is answered with the current
state, never with an error page.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, NoReturn

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy import select
from werkzeug.wrappers import Response

from casework.domain.disclosure import OPEN, State
from casework.domain.roles import Permission, Role, can
from casework.domain.sessions import is_step_up_fresh
from casework.extensions import db
from casework.models import (
    Consent,
    DisclosureApproval,
    DisclosureRequest,
    IntelEntry,
    Person,
    PoliceUnit,
    RiskAssessment,
    Staff,
)
from casework.models.base import utcnow
from casework.services import (
    access,
    consents,
    disclosure_versions,
    disclosures,
    feedback,
    intel,
    mou_versions,
    police_units,
    risk,
)
from casework.services.context import Ctx
from casework.services.disclosures import DisclosureReason, ItemInput
from casework.services.errors import NotFound, ServiceError
from casework.web import step_up
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx, settings
from casework.web.forms_disclosure import (
    CHECK_LABELS,
    FEEDBACK_LABELS,
    PURPOSE_LABELS,
    RISK_LEVEL_LABELS,
    STATE_LABELS,
    STOP_LABELS,
    TLP_LABELS,
    ActionForm,
    Candidate,
    DownloadForm,
    DraftForm,
    FeedbackForm,
    RejectForm,
    draft_form,
    field_key,
    label_of,
)
from casework.web.forms_intel import tag_label
from casework.web.messages import explain
from casework.web.messages_disclosure import checklist_messages
from casework.web.paging import page_request
from casework.web.security import requires, step_up_required
from casework.web.text import gettext as _
from casework.web.timefmt import format_date

bp = Blueprint("disclosures", __name__, url_prefix="/disclosures")

REVIEW_STATES = (State.SUBMITTED.value, State.APPROVED_FIRST.value)


@bp.app_template_global("disclosure_label")
def disclosure_label(group: str, value: str | None) -> str:
    """``disclosure_label('state', row.status)`` and friends, for the templates."""
    labels = {"state": STATE_LABELS, "purpose": PURPOSE_LABELS, "tlp": TLP_LABELS,
              "feedback": FEEDBACK_LABELS, "stop": STOP_LABELS, "check": CHECK_LABELS}[group]
    return label_of(labels, value)


# --- helpers ------------------------------------------------------------------------------


def _may(permission: Permission) -> bool:
    return can(Role(g.staff.role), permission)


def _forbidden() -> NoReturn:
    """Refuse like the access gate does: audited, nothing about what is behind it."""
    ctx().audit("access.denied", outcome="forbidden", object_type="endpoint",
                object_ref=(request.endpoint or "")[:64])
    db.session.commit()
    abort(403)


def _folder() -> Any:
    return settings().instance_path / "packages"


def _request_or_404(reference: str) -> DisclosureRequest:
    try:
        row = disclosures.get(ctx(), reference)
    except NotFound:
        abort(404)
    if not may_see(row):
        _forbidden()
    return row


def may_see(row: DisclosureRequest) -> bool:
    """Reviewers see every request; a drafter sees the requests they drafted."""
    if _may(Permission.DISCLOSURE_REVIEW):
        return True
    return _may(Permission.DISCLOSURE_DRAFT) and row.drafted_by == g.staff.public_id


def _refused(action: str, reference: str, reasons: tuple[Enum, ...]) -> Response:
    """Undo the unit of work, keep an audit event of the refusal, explain it, go back."""
    db.session.rollback()
    if DisclosureReason.CHANGED in reasons:
        flash(_("Someone else acted on this request just now; here is its current state."),
              "warning")
    else:
        ctx().audit(action, outcome="denied", object_type="disclosure", object_ref=reference)
        db.session.commit()
        for message in explain(reasons):
            flash(message, "error")
    return redirect(url_for("disclosures.detail", reference=reference))


def _seen_version(form: ActionForm | RejectForm) -> int:
    if not form.validate_on_submit():
        abort(400)
    return int(form.seen_version.data or 0)


def _names(c: Ctx, public_ids: set[str]) -> dict[str, str]:
    if not public_ids:
        return {}
    return {s.public_id: s.display_name for s in c.session.scalars(
        select(Staff).where(Staff.public_id.in_(public_ids)))}


def units_with_mou(c: Ctx) -> list[tuple[PoliceUnit, Any]]:
    """Police units with an MoU in force today, with its terms."""
    out = []
    for unit in police_units.all_units(c):
        active = mou_versions.active(c, unit)
        if active is not None:
            out.append((unit, active[1]))
    return out


def _consent_label(c: Ctx, person: Person, row: Consent) -> str:
    if row.withdrawn_at is not None:
        status = _("withdrawn")
    elif row.valid_until is not None and row.valid_until <= c.now:
        status = _("expired")
    else:
        status = _("active")
    purposes = consents.scope(c, person, row).get("purposes", [])
    return _("Recorded %(date)s (%(status)s): %(purposes)s",
             date=format_date(row.recorded_at), status=status,
             purposes="; ".join(label_of(PURPOSE_LABELS, p) for p in purposes) or "—")


def _risk_label(c: Ctx, row: RiskAssessment) -> str:
    unit = c.session.get(PoliceUnit, row.unit_id)
    return _("%(unit)s, residual risk %(residual)s, valid until %(date)s",
             unit=unit.name if unit else "?",
             residual=label_of(RISK_LEVEL_LABELS, row.residual),
             date=format_date(row.expires_at))


def candidates_for(c: Ctx, staff: Staff, unit: PoliceUnit) -> list[Candidate]:
    """The drafter's own entries: from the people assigned to them (with those people's
    consents and risk assessments to choose from) and their own thematic entries that came
    from no person."""
    out: list[Candidate] = []
    seen: set[str] = set()
    for person in access.people_with_sources(c, staff):
        ledger = consents.ledger(c, person)
        assessments = risk.for_person(c, person)
        consent_choices = [(row.public_id, _consent_label(c, person, row)) for row in ledger]
        risk_choices = [(row.public_id, _risk_label(c, row)) for row in assessments]
        active = next((row.public_id for row in ledger if row.withdrawn_at is None and (
            row.valid_until is None or row.valid_until > c.now)), "")
        latest = risk.latest_valid(c, person, unit)
        for entry in sorted(intel.entries_for_person(c, person), key=lambda e: e.reference):
            if entry.direction != "own" or entry.public_id in seen:
                continue
            seen.add(entry.public_id)
            out.append(Candidate(
                key=field_key(entry.reference), reference=entry.reference, kind=entry.kind,
                subject_area=entry.subject_area, text=intel.read(c, entry).text,
                person_code=person.case_code, consents=consent_choices, risks=risk_choices,
                default_consent=active, default_risk=latest.public_id if latest else ""))
    own = c.session.scalars(select(IntelEntry).where(
        IntelEntry.created_by == staff.public_id, IntelEntry.direction == "own",
        IntelEntry.kind == "thematic", IntelEntry.source_token.is_(None))
        .order_by(IntelEntry.created_at.desc()).limit(200))
    for entry in own:
        if entry.public_id in seen:
            continue
        seen.add(entry.public_id)
        out.append(Candidate(key=field_key(entry.reference), reference=entry.reference,
                             kind=entry.kind, subject_area=entry.subject_area,
                             text=intel.read(c, entry).text))
    return out


def items_from_form(form: DraftForm) -> list[ItemInput]:
    items = []
    for candidate in form.chosen():
        consent = risk_id = None
        if candidate.person_code is not None:
            consent = form.consent(candidate).data or None
            risk_id = form.risk(candidate).data or None
        note = form.best_interests(candidate).data if candidate.person_code else ""
        items.append(ItemInput(candidate.reference, consent, risk_id,
                               withhold=form.withhold(candidate).data or "",
                               best_interests=note or ""))
    return items


# --- pages --------------------------------------------------------------------------------


@bp.route("/")
@requires(Permission.ACCOUNT)
def index() -> str:
    c = ctx()
    if _may(Permission.DISCLOSURE_REVIEW):
        waiting = disclosures.queue_page(c, page_request())
        released = disclosures.queue(c, states=(State.RELEASED.value,), limit=20)
        return render_template("disclosures/queue.html", waiting=waiting, released=released,
                               units=_unit_names(c, [*waiting.items, *released]))
    if _may(Permission.DISCLOSURE_DRAFT):
        rows = disclosures.mine_page(c, g.staff, page_request())
        return render_template("disclosures/mine.html", rows=rows,
                               units=_unit_names(c, rows.items))
    _forbidden()


def _unit_names(c: Ctx, rows: list[DisclosureRequest]) -> dict[int, str]:
    ids = {r.unit_id for r in rows}
    if not ids:
        return {}
    return {u.id: u.name for u in c.session.scalars(select(PoliceUnit).where(
        PoliceUnit.id.in_(ids)))}


def _person_filter(candidates: list[Candidate]) -> tuple[list[Candidate], str,
                                                         list[tuple[str, str]]]:
    """Issue 13.5: the draft form lists the entries of one person at a time if asked
    (``?person=S-…`` or ``?person=own``); entries already chosen always stay listed."""
    wanted = request.args.get("person", "")[:16]
    codes = sorted({c.person_code for c in candidates if c.person_code})
    choices = [("", _("Everyone")), *((code, code) for code in codes),
               ("own", _("My own thematic entries"))]
    if wanted not in {value for value, _label in choices}:
        wanted = ""
    return candidates, wanted, choices


def _shown(candidates: list[Candidate], wanted: str, chosen: set[str]) -> list[Candidate]:
    if not wanted:
        return candidates
    return [c for c in candidates if c.reference in chosen or (
        (c.person_code or "own") == wanted)]


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.DISCLOSURE_DRAFT)
def create() -> str | Response | tuple[str, int]:
    c = ctx()
    units = units_with_mou(c)
    chosen = request.args.get("unit", "")
    match = next(((u, t) for u, t in units if u.public_id == chosen), None)
    if match is None:
        return render_template("disclosures/choose_unit.html", units=units)
    unit, terms = match
    everything, wanted, person_choices = _person_filter(candidates_for(c, g.staff, unit))
    candidates = _shown(everything, wanted, set())
    form = draft_form(candidates, list(terms.allowed_tlp), default_tlp=terms.tlp_specific,
                      default_handling=terms.handling_code)
    problems: list[str] = []
    if form.validate_on_submit():
        items = items_from_form(form)
        try:
            row = disclosures.draft(
                c, g.staff, unit, purpose=form.purpose.data or "", items=items,
                tlp=form.tlp.data or "", handling_code=form.handling_code.data or "",
                emergency=bool(form.emergency.data), grounds=form.grounds.data or "",
                harm_check=form.harm_check.data or "")
        except ServiceError as error:
            db.session.rollback()
            problems = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The request %(reference)s was saved as a draft. Check the list below "
                    "before you submit it.", reference=row.reference), "success")
            return redirect(url_for("disclosures.detail", reference=row.reference))
    status = 422 if form.is_submitted() else 200
    return render_template("disclosures/new.html", form=form, unit=unit, terms=terms,
                           candidates=candidates, problems=problems, row=None,
                           person=wanted, person_choices=person_choices), status


def _fill_from_draft(c: Ctx, form: DraftForm, row: DisclosureRequest,
                     candidates: list[Candidate]) -> None:
    """The edit form starts from the draft as saved (issue 13.5)."""
    by_reference = {cand.reference: cand for cand in candidates}
    form.purpose.data, form.tlp.data = row.purpose, row.tlp
    form.handling_code.data, form.emergency.data = row.handling_code, row.emergency
    notes = disclosures.notes(c, row)
    form.grounds.data, form.harm_check.data = notes.get("grounds", ""), notes.get(
        "harm_check", "")
    for cand in candidates:
        form.include(cand).data = False
        if cand.person_code is not None:
            form.consent(cand).data, form.risk(cand).data = "", ""
    for item in disclosures.items_of(c, row):
        entry = disclosure_versions.entry_of(c, item)
        found = by_reference.get(entry.reference) if entry is not None else None
        if found is None:
            continue
        cand = found
        form.include(cand).data = True
        form.withhold(cand).data = "\n".join(disclosures.withheld(c, item))
        if cand.person_code is not None:
            consent = c.session.get(Consent, item.consent_id) if item.consent_id else None
            assessment = c.session.get(RiskAssessment, item.risk_assessment_id) \
                if item.risk_assessment_id else None
            form.consent(cand).data = consent.public_id if consent else ""
            form.risk(cand).data = assessment.public_id if assessment else ""
            form.best_interests(cand).data = disclosures.best_interests(c, item)


def _draft_references(c: Ctx, row: DisclosureRequest) -> set[str]:
    refs = set()
    for item in disclosures.items_of(c, row):
        entry = disclosure_versions.entry_of(c, item)
        if entry is not None:
            refs.add(entry.reference)
    return refs


@bp.route("/<reference>/edit", methods=["GET", "POST"])
@requires(Permission.DISCLOSURE_DRAFT)
def edit(reference: str) -> str | Response | tuple[str, int]:
    """Issue 13.5: correct a draft whose checks fail, without cancelling it."""
    row = _request_or_404(reference)
    c = ctx()
    if row.drafted_by != g.staff.public_id or row.status != State.DRAFT.value:
        flash(explain((DisclosureReason.NOT_EDITABLE,))[0], "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    unit = c.session.get(PoliceUnit, row.unit_id)
    active = mou_versions.active(c, unit) if unit is not None else None
    if unit is None or active is None:
        flash(explain((DisclosureReason.NO_MOU,))[0], "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    terms = active[1]
    everything, wanted, person_choices = _person_filter(candidates_for(c, g.staff, unit))
    candidates = _shown(everything, wanted, _draft_references(c, row))
    form = draft_form(candidates, list(terms.allowed_tlp), default_tlp=row.tlp,
                      default_handling=row.handling_code)
    problems: list[str] = []
    if not form.is_submitted():
        _fill_from_draft(c, form, row, candidates)
    elif form.validate_on_submit():
        seen = request.form.get("seen_version", "")
        try:
            disclosures.revise(
                c, g.staff, row, seen_version=int(seen) if seen.isdigit() else -1,
                purpose=form.purpose.data or "", items=items_from_form(form),
                tlp=form.tlp.data or "", handling_code=form.handling_code.data or "",
                emergency=bool(form.emergency.data), grounds=form.grounds.data or "",
                harm_check=form.harm_check.data or "")
        except ServiceError as error:
            db.session.rollback()
            ctx().audit("disclosure.revise", outcome="denied", object_type="disclosure",
                        object_ref=reference)
            db.session.commit()
            problems = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The draft %(reference)s was corrected. Check the list below before you "
                    "submit it.", reference=reference), "success")
            return redirect(url_for("disclosures.detail", reference=reference))
    status = 422 if form.is_submitted() else 200
    return render_template("disclosures/new.html", form=form, unit=unit, terms=terms,
                           candidates=candidates, problems=problems, row=row,
                           person=wanted, person_choices=person_choices), status


def _view_model(c: Ctx, row: DisclosureRequest) -> dict[str, Any]:
    staff = g.staff
    is_drafter = row.drafted_by == staff.public_id
    reviewer = _may(Permission.DISCLOSURE_REVIEW)
    open_state = State(row.status) in OPEN
    report = disclosures.evaluate_request(
        c, row, releaser=staff.public_id if reviewer else "") if open_state else None
    checks = []
    if report is not None:
        for check in report.checks:
            checks.append({"label": disclosure_label("check", check.label),
                           "subject": check.subject, "rule": check.rule,
                           "passed": check.decision.allowed,
                           "messages": checklist_messages(check.decision.reasons)})
    items = disclosures.items_of(c, row)
    released = row.status == State.RELEASED.value
    shown = [] if released else disclosures.preview(c, row)
    withheld: dict[str, list[str]] = {}
    if is_drafter:
        # Withheld words can be the very identity we protect: only the drafter sees them.
        for item in items:
            entry = disclosure_versions.entry_of(c, item)
            if entry is not None:
                withheld[entry.reference] = disclosures.withheld(c, item)
    approvals = list(c.session.scalars(select(DisclosureApproval).where(
        DisclosureApproval.request_id == row.id).order_by(DisclosureApproval.approved_at)))
    package = disclosures.package_of(c, row)
    history = feedback.for_package(c, package) if package is not None else []
    names = _names(c, {row.drafted_by, *(a.approver for a in approvals),
                       *([package.released_by] if package else []),
                       *(f.recorded_by for f, _note in history if f.recorded_by)})
    unit = c.session.get(PoliceUnit, row.unit_id)
    already = any(a.approver == staff.public_id for a in approvals)
    in_review = row.status in REVIEW_STATES
    return {
        "row": row, "unit": unit, "checks": checks, "passed": report.passed if report else None,
        # Once released, the record kept at release (rule 79), never the current text.
        "preview": disclosure_versions.shown(c, row, shown), "withheld": withheld,
        "approvals": approvals, "names": names,
        "package": package, "history": history, "notes": disclosures.notes(c, row),
        "tag_label": tag_label, "is_drafter": is_drafter,
        "may_submit": is_drafter and row.status == State.DRAFT.value,
        "may_edit": is_drafter and row.status == State.DRAFT.value,
        "may_cancel": is_drafter and open_state,
        # An emergency is co-signed by the director first; every release is the liaison's.
        "may_approve": reviewer and in_review and not is_drafter and not already and (
            (staff.role == Role.DIRECTOR.value and row.emergency
             and row.status == State.SUBMITTED.value)
            or (staff.role == Role.LIAISON.value and not (
                row.emergency and row.status == State.SUBMITTED.value))),
        "may_reject": reviewer and in_review and not is_drafter
        and (staff.role == Role.LIAISON.value or (
            staff.role == Role.DIRECTOR.value and row.emergency
            and row.status == State.SUBMITTED.value)),
        "may_download": bool(package and package.released_by == staff.public_id
                             and package.downloads_left > 0 and package.revoked_at is None),
        "may_feedback": bool(package and staff.role == Role.LIAISON.value),
        "action_form": ActionForm(formdata=None, seen_version=str(row.version),
                                  back=url_for("disclosures.detail", reference=row.reference)),
        "reject_form": RejectForm(formdata=None, seen_version=str(row.version)),
        "feedback_form": FeedbackForm(formdata=None),
        "download_form": DownloadForm(formdata=None),
    }


@bp.route("/<reference>")
@requires(Permission.ACCOUNT)
def detail(reference: str) -> str:
    row = _request_or_404(reference)
    return render_template("disclosures/detail.html", **_view_model(ctx(), row))


@bp.route("/<reference>/submit", methods=["POST"])
@requires(Permission.DISCLOSURE_DRAFT)
def submit(reference: str) -> Response:
    row = _request_or_404(reference)
    seen = _seen_version(ActionForm())
    try:
        disclosures.submit(ctx(), g.staff, row, seen_version=seen)
    except ServiceError as error:
        return _refused("disclosure.submit", reference, error.reasons)
    db.session.commit()
    flash(_("Submitted. The liaison on duty has been told."), "success")
    return redirect(url_for("disclosures.detail", reference=reference))


@bp.route("/<reference>/cancel", methods=["POST"])
@requires(Permission.DISCLOSURE_DRAFT)
def cancel(reference: str) -> Response | tuple[str, int]:
    row = _request_or_404(reference)
    seen = _seen_version(ActionForm())
    if not confirmed():  # issue 13.6
        return unconfirmed(url_for("disclosures.detail", reference=reference))
    try:
        disclosures.cancel(ctx(), g.staff, row, seen_version=seen)
    except ServiceError as error:
        return _refused("disclosure.cancel", reference, error.reasons)
    db.session.commit()
    flash(_("The request was cancelled. Nothing was disclosed."), "success")
    return redirect(url_for("disclosures.detail", reference=reference))


def _step_up_fresh() -> bool:
    raw = session.get("step_up_at")
    at = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    return is_step_up_fresh(stepped_up_at=at, now=utcnow(),
                            max_age=timedelta(seconds=settings().step_up_seconds))


@step_up.describes("disclosures.approve")
def _describe_approve(view_args: dict[str, Any]) -> str | None:
    """The step-up page names what is approved and for whom (issue 13.2)."""
    try:
        row = disclosures.get(ctx(), str(view_args.get("reference", "")))
    except NotFound:
        return None
    unit = ctx().session.get(PoliceUnit, row.unit_id)
    return _("Approve %(reference)s to %(unit)s", reference=row.reference,
             unit=unit.name if unit else "?")


@bp.route("/<reference>/approve", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
@step_up_required
def approve(reference: str) -> Response:
    row = _request_or_404(reference)
    seen = _seen_version(ActionForm())
    try:
        result = disclosures.approve(ctx(), g.staff, row, seen_version=seen,
                                     step_up_fresh=_step_up_fresh(), folder=_folder())
    except ServiceError as error:
        return _refused("disclosure.approve", reference, error.reasons)
    db.session.commit()
    if result.package is not None:
        flash(_("Approved and released. Download the package and send it to the unit."),
              "success")
    else:
        flash(_("Approved. A second approval is needed before release."), "success")
    return redirect(url_for("disclosures.detail", reference=reference))


@bp.route("/<reference>/reject", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
def reject(reference: str) -> Response:
    row = _request_or_404(reference)
    form = RejectForm()
    if not form.validate_on_submit():
        if form.seen_version.errors or form.csrf_token.errors:
            abort(400)
        flash(_("Write the reason for rejecting in a few words, so the drafter knows what to "
                "change."), "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    try:
        disclosures.reject(ctx(), g.staff, row, seen_version=int(form.seen_version.data or 0),
                           reason=form.reason.data or "")
    except ServiceError as error:
        return _refused("disclosure.reject", reference, error.reasons)
    db.session.commit()
    flash(_("Rejected. The drafter has been told why."), "success")
    return redirect(url_for("disclosures.detail", reference=reference))


@bp.route("/<reference>/download", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
def download(reference: str) -> Response:
    row = _request_or_404(reference)
    if not DownloadForm().validate_on_submit():
        abort(400)
    c = ctx()
    package = disclosures.package_of(c, row)
    if package is None:
        abort(404)
    try:
        data = disclosures.download(c, g.staff, package, _folder())
    except ServiceError as error:
        # The refusal is already in the audit trail (nothing else was written): keep it.
        db.session.commit()
        for message in explain(error.reasons):
            flash(message, "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    db.session.commit()
    # Issue 13.7: the page the liaison comes back to confirms the download and the count.
    db.session.refresh(package)
    flash(_("Downloaded %(name)s. Downloads left: %(count)s.",
            name=f"{package.package_uuid}.age", count=package.downloads_left), "success")
    return send_file(io.BytesIO(data), mimetype="application/octet-stream",
                     as_attachment=True, download_name=f"{package.package_uuid}.age")


@bp.route("/<reference>/feedback", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
def record_feedback(reference: str) -> Response:
    row = _request_or_404(reference)
    if g.staff.role != Role.LIAISON.value:
        _forbidden()
    form = FeedbackForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose what the police reported."), "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    c = ctx()
    package = disclosures.package_of(c, row)
    if package is None:
        flash(_("Feedback can be recorded only for a released package."), "error")
        return redirect(url_for("disclosures.detail", reference=reference))
    try:
        feedback.record(c, package, form.kind.data or "", form.note.data or "")
    except ServiceError as error:
        return _refused("package.feedback", reference, error.reasons)
    db.session.commit()
    if form.kind.data == "release":
        flash(_("Recorded. An urgent safety task was created for the person's caseworker."),
              "success")
    else:
        flash(_("The feedback was recorded."), "success")
    return redirect(url_for("disclosures.detail", reference=reference))
