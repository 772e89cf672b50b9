"""Screening, the pre-interview notice, interviews, addenda and attachments of a person."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from werkzeug.wrappers import Response

from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.roles import Permission
from casework.domain.screening import Act, CouldLeave, Means, Outcome, Purpose, ScreeningInput
from casework.extensions import db
from casework.models import Attachment, Interview, InterviewNotice, Person
from casework.services import (
    attachments,
    entry_changes,
    interviews,
    minors,
    persons,
    screenings,
)
from casework.services.attachments import AttachmentRefused
from casework.services.errors import NotFound, ServiceError
from casework.web.confirm import confirmed, unconfirmed
from casework.web.context import ctx, settings
from casework.web.form_dates import local_today
from casework.web.forms import ConfirmForm
from casework.web.forms_casework import (
    INTERVIEWEE_LABELS,
    NOTICE_LANGUAGES,
    PLACE_LABELS,
    AddendumForm,
    AttachmentForm,
    InterviewForm,
    NoticeForm,
    ScreeningForm,
)
from casework.web.messages import explain
from casework.web.persons import open_person
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("records", __name__, url_prefix="/persons/<case_code>")


@bp.route("/screening", methods=["GET", "POST"])
@requires(Permission.SCREENING_WRITE)
def screening(case_code: str) -> str | Response | tuple[str, int]:
    person = open_person(case_code)
    form = ScreeningForm()
    errors: list[str] = []
    if form.validate_on_submit():
        record = persons.read(ctx(), person)
        # Rule 128: a child from the facts on the day of screening, not only the box.
        is_child = minors.is_minor_at(ctx(), person, ctx().now, record)
        data = ScreeningInput(
            outcome=Outcome(form.outcome.data), is_child=is_child,
            legal_context=form.legal_context.data or "", perpetrators=form.perpetrators.data
            or "", person_perspective=form.person_perspective.data or "",
            acts=frozenset(Act(a) for a in form.acts.data or []),
            means=frozenset(Means(m) for m in form.means.data or []),
            purposes=frozenset(Purpose(p) for p in form.purposes.data or []),
            could_leave=CouldLeave(form.could_leave.data),
            indicators=frozenset(form.indicators.data or []),
            rationale=form.rationale.data or "")
        try:
            screenings.record(ctx(), person, data)
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The screening was recorded."), "success")
            return redirect(url_for("persons.detail", case_code=case_code, _anchor="screening"))
    status = 422 if (errors or form.errors) else 200
    return render_template("records/screening.html", person=person, form=form,
                           errors=errors), status


@bp.route("/notice", methods=["GET", "POST"])
@requires(Permission.INTERVIEW_WRITE)
def notice(case_code: str) -> str | Response | tuple[str, int]:
    """Rule 81: the limited-disclosure notice, read to the person before any interview."""
    person = open_person(case_code)
    form = NoticeForm()
    if form.validate_on_submit():
        response = NoticeResponse(form.response.data)
        row = interviews.record_notice(ctx(), person, language=form.language.data or "",
                                       response=response)
        db.session.commit()
        if response is NoticeResponse.REFUSED:
            flash(_("Recorded: the person declined to continue. No interview can be "
                    "recorded under this notice; that is their right."), "warning")
            return redirect(url_for("persons.detail", case_code=case_code))
        return redirect(url_for("records.interview_new", case_code=case_code,
                                notice=row.public_id))
    return render_template("records/notice.html", person=person, form=form,
                           texts=notice_texts()), 422 if form.errors else 200


# Rule 81, in the words the interviewer reads out before the first question.
NOTICE_TEXT = _l(
    "Before we start, I must tell you one thing. What you tell us stays confidential. But "
    "if you tell us about other people who are still under a trafficker's control, or "
    "about someone who is about to be trafficked, our organisation keeps the right to "
    "give the police a limited set of facts, only enough for them to rescue those people "
    "or prevent it. We will not give your name without your written consent. You may "
    "decide now not to continue, and that is your right.")


# Each block is headed by its language's own name, so the interviewer finds the right one.
NATIVE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def notice_texts() -> list[tuple[str, str, str]]:
    """The notice in each language it exists in (the languages the form offers), whatever
    language the page is in: (code, the language's own name, text)."""
    texts = []
    for code in NOTICE_LANGUAGES:
        with force_locale(code):
            texts.append((code, NATIVE_NAMES[code], str(NOTICE_TEXT)))
    return texts


def _interview_input(form: InterviewForm) -> interviews.InterviewInput:
    return interviews.InterviewInput(
        interviewee_role=IntervieweeRole(form.interviewee_role.data),
        place_type=PlaceType(form.place_type.data),
        held_on=form.held_on.data,
        interpreter=form.interpreter.data or "", narrative=form.narrative.data or "")


@bp.route("/interviews/new", methods=["GET", "POST"])
@requires(Permission.INTERVIEW_WRITE)
def interview_new(case_code: str) -> str | Response | tuple[str, int]:
    person = open_person(case_code)
    form = InterviewForm()
    if request.method == "GET":
        form.notice.data = request.args.get("notice", "")[:32]
        form.held_on.data = local_today()  # issue 13.1: today in the organisation's zone
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            interview = interviews.record(ctx(), person, form.notice.data,
                                          _interview_input(form))
        except ServiceError as error:
            db.session.rollback()
            interviews_audit_refusal(person)
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("The interview was saved as a draft. Sign it off when it is complete."),
                  "success")
            return redirect(url_for("records.interview", case_code=case_code,
                                    interview_id=interview.public_id))
    notice_ok = interviews.open_notice(ctx(), person) is not None
    status = 422 if (errors or form.errors or not notice_ok) else 200
    return render_template("records/interview_form.html", person=person, form=form,
                           errors=errors, interview=None, notice_ok=notice_ok), status


def interviews_audit_refusal(person: Person) -> None:
    """The refused attempt is rolled back with everything else; record it on its own."""
    ctx().audit("interview.record", outcome="denied", object_type="person",
                object_ref=person.case_code)
    db.session.commit()


def _interview(person: Person, interview_id: str) -> Interview:
    try:
        return interviews.get(ctx(), person, interview_id)
    except NotFound:
        abort(404)


@bp.route("/interviews/<interview_id>")
@requires(Permission.PERSON_READ)
def interview(case_code: str, interview_id: str) -> str:
    person = open_person(case_code)
    row = _interview(person, interview_id)
    view = interviews.read(ctx(), person, row)
    notice = db.session.get(InterviewNotice, row.notice_id)
    return render_template("records/interview.html", person=person, interview=row, view=view,
                           notice=notice, interviewee=INTERVIEWEE_LABELS, places=PLACE_LABELS,
                           addendum_form=AddendumForm(), attachment_form=AttachmentForm(),
                           can_edit=row.status != "locked" and row.interviewer ==
                           g.staff.public_id)


@bp.route("/interviews/<interview_id>/edit", methods=["GET", "POST"])
@requires(Permission.INTERVIEW_WRITE)
def interview_edit(case_code: str, interview_id: str) -> str | Response | tuple[str, int]:
    person = open_person(case_code)
    row = _interview(person, interview_id)
    form = InterviewForm()
    errors: list[str] = []
    if request.method == "GET":
        view = interviews.read(ctx(), person, row)
        form.interviewee_role.data, form.place_type.data = row.interviewee_role, row.place_type
        form.held_on.data, form.interpreter.data = row.held_on, view.interpreter
        form.narrative.data = view.narrative
    elif form.validate_on_submit():
        try:
            interviews.edit(ctx(), person, row, _interview_input(form))
        except ServiceError as error:
            db.session.rollback()
            ctx().audit("interview.edit", outcome="denied", object_type="interview",
                        object_ref=interview_id)
            db.session.commit()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("records.interview", case_code=case_code,
                                    interview_id=interview_id))
    return render_template("records/interview_form.html", person=person, form=form,
                           errors=errors, interview=row, notice_ok=True), \
        409 if errors else (422 if form.errors else 200)


@bp.route("/interviews/<interview_id>/sign-off", methods=["POST"])
@requires(Permission.INTERVIEW_WRITE)
def interview_sign_off(case_code: str, interview_id: str) -> Response | tuple[str, int]:
    person = open_person(case_code)
    row = _interview(person, interview_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not confirmed():  # issue 13.6: locking cannot be undone
        return unconfirmed(url_for("records.interview", case_code=case_code,
                                   interview_id=interview_id))
    try:
        interviews.sign_off(ctx(), person, row)
    except ServiceError as error:
        db.session.rollback()
        for message in explain(error.reasons):
            flash(message, "error")
    else:
        db.session.commit()
        flash(_("Signed off. The interview is now locked; later changes are addenda."),
              "success")
    return redirect(url_for("records.interview", case_code=case_code,
                            interview_id=interview_id))


@bp.route("/interviews/<interview_id>/addenda", methods=["POST"])
@requires(Permission.INTERVIEW_WRITE)
def interview_addendum(case_code: str, interview_id: str) -> Response:
    person = open_person(case_code)
    row = _interview(person, interview_id)
    form = AddendumForm()
    if form.validate_on_submit():
        try:
            interviews.add_addendum(ctx(), person, row, form.text.data or "")
        except ServiceError as error:
            db.session.rollback()
            for message in explain(error.reasons):
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("The addendum was added."), "success")
    else:
        flash(_("Write the addendum before saving it."), "error")
    return redirect(url_for("records.interview", case_code=case_code,
                            interview_id=interview_id))


@bp.route("/interviews/<interview_id>/attachments", methods=["POST"])
@requires(Permission.INTERVIEW_WRITE)
def interview_attach(case_code: str, interview_id: str) -> Response:
    person = open_person(case_code)
    row = _interview(person, interview_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            interviews.attach(ctx(), settings().attachments_path, person, row,
                              stream=upload.stream, filename=upload.filename or "file",
                              max_bytes=settings().max_upload_bytes)
        except (AttachmentRefused, ServiceError) as error:
            db.session.rollback()
            for message in explain(error.reasons):
                flash(message, "error")
        else:
            db.session.commit()
            flash(_("The file was encrypted and attached."), "success")
    else:
        flash(_("Choose a file first."), "error")
    return redirect(url_for("records.interview", case_code=case_code,
                            interview_id=interview_id))


@bp.route("/attachments/<attachment_id>")
@requires(Permission.PERSON_READ)
def attachment(case_code: str, attachment_id: str) -> Response:
    """Authorisation is checked here, on the download itself, not only on the page."""
    person = open_person(case_code)
    c = ctx()
    try:
        row: Attachment = attachments.get(c, attachment_id)
    except NotFound:
        abort(404)
    if row.subject_id != person.subject_id:
        abort(404)
    name, data = attachments.read(c, settings().attachments_path, row)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=row.content_type, as_attachment=True,
                     download_name=name, max_age=0)


@bp.route("/interviews/<interview_id>/intel", methods=["GET", "POST"])
@requires(Permission.INTEL_WRITE)
def interview_intel(case_code: str, interview_id: str) -> str | Response | tuple[str, int]:
    """Turn what was learned in an interview into an intelligence entry.

    The entry's source is this person, recorded only as a random token; a thematic entry is
    checked against everything in the person's record before it is saved.
    """
    from casework.domain.taxonomy import SourceType
    from casework.services import intel
    from casework.web.forms_intel import EntryForm, entry_input_from_form
    from casework.web.intel import thematic_problems

    person = open_person(case_code)
    row = _interview(person, interview_id)
    form = EntryForm(fixed_source_type=SourceType.VICTIM_OR_CLOSE_PERSON)
    errors: list[str] = []
    blocked: dict[str, list[str]] | None = None
    if form.validate_on_submit():
        try:
            entry = intel.create_from_interview(ctx(), person, row, entry_input_from_form(form))
        except intel.ThematicBlocked as error:
            blocked = thematic_problems(error)
            db.session.rollback()
            ctx().audit("intel.thematic_blocked", outcome="denied", object_type="interview",
                        object_ref=interview_id)
            entry_changes.alert_on_refusals(ctx(), g.staff.public_id)  # issue 11
            db.session.commit()
        except ServiceError as error:
            db.session.rollback()
            errors = explain(error.reasons)
        else:
            db.session.commit()
            flash(_("Intelligence entry %(ref)s created. Its source is recorded only as an "
                    "opaque token.", ref=entry.reference), "success")
            return redirect(url_for("intel.detail", reference=entry.reference))
    status = 422 if (errors or blocked or form.errors) else 200
    return render_template("records/interview_intel.html", person=person, interview=row,
                           form=form, errors=errors, blocked=blocked), status
