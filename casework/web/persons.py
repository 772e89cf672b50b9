"""Person records: my people, search, registration, the record page, break-glass."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, NoReturn

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue

from casework.domain.access import AccessReason
from casework.domain.casenotes import NoteKind, ServiceType
from casework.domain.minors import MinorGround, MinorReason
from casework.domain.roles import Permission
from casework.extensions import db
from casework.models import Person
from casework.models.base import utcnow
from casework.services import (
    access,
    casenotes,
    dashboard,
    intel,
    interviews,
    minors,
    paging,
    persons,
    screenings,
    subjects,
)
from casework.services.errors import NotFound, ServiceError
from casework.web import record_parts, sections
from casework.web.context import commit_read_keeping_loaded, ctx
from casework.web.form_dates import local_today
from casework.web.forms_casework import (
    GENDERS,
    REPRESENTATIVE_LABELS,
    BreakGlassForm,
    NoteForm,
    PersonForm,
    SearchForm,
    TicketBreakGlassForm,
)
from casework.web.messages import explain
from casework.web.paging import page_request
from casework.web.security import requires
from casework.web.tasks import TASK_LABELS
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("persons", __name__, url_prefix="/persons")

MINOR_GROUND_LABELS = {
    MinorGround.DATE_OF_BIRTH: _l("under 18 by the date of birth"),
    MinorGround.ESTIMATED_AGE: _l("estimated to be under 18"),
    MinorGround.AGE_UNKNOWN: _l("age unknown, possibly a child, until an age assessment"),
    MinorGround.MARKED: _l("marked as a child by staff"),
}


def open_person(case_code: str) -> Person:
    """The person if the signed-in member of staff may open the record; else the right page."""
    try:
        return access.require_person(ctx(), g.staff, case_code)
    except NotFound:
        db.session.commit()  # keep the audit entry of the attempt
        abort(404)
    except access.AccessDenied as denied:
        db.session.commit()
        if AccessReason.NOT_ASSIGNED in denied.reasons:
            _refuse_with_break_glass(case_code)
        abort(403)


def _refuse_with_break_glass(case_code: str) -> NoReturn:
    from flask import make_response

    page = render_template("persons/break_glass.html", case_code=case_code,
                           form=BreakGlassForm())
    abort(make_response(page, 403))


@bp.route("/")
@requires(Permission.PERSON_READ)
def index() -> str:
    """My people, a page at a time: only the page's people are decrypted (issue 12)."""
    c = ctx()
    page = access.people_page(c, g.staff, page_request())
    subjects.preload_keys(c, [p.subject_id for p in page.items])
    outcomes = screenings.latest_outcomes(c, page.items)
    people = page.map(lambda p: (p, persons.summary(c, p), outcomes.get(p.id)))
    return render_template("persons/index.html", people=people, form=SearchForm())


@bp.route("/search", methods=["POST"])
@requires(Permission.PERSON_READ)
def search() -> str:
    """POST, so the search term never appears in a URL, a log or the browser history.
    The term and the page's cursor travel in the form body; a page at a time (issue 12).

    Issue 13.4: when the term matches someone not assigned to the searcher, the page says
    so, with no detail at all (not even the case code), and offers emergency access.
    """
    form = SearchForm()
    results: paging.Page[tuple[Person, persons.PersonSummary]] = paging.everything([])
    hidden: list[Person] = []
    if form.validate_on_submit():
        try:
            wanted = paging.page_request(after=request.form.get("after"),
                                         before=request.form.get("before"))
        except paging.BadPage:
            abort(400)
        c = ctx()
        visible = access.visibility(c, g.staff)
        terms = persons.search_terms(c, form.query.data or "")
        results = persons.search_page(c, terms, wanted, visible=visible)
        hidden = persons.hidden_matches(c, terms, visible=visible)
        c.audit("person.search", outcome=str(results.total), object_type="search")
        if hidden:
            c.audit("person.search_unassigned", outcome=str(len(hidden)),
                    object_type="search")
        commit_read_keeping_loaded()  # the results drawn below were read before it
    return render_template("persons/search.html", form=form, results=results,
                           searched=form.is_submitted(), **_unassigned_context(hidden))


TICKETS = "emergency_tickets"
TICKET_SECONDS = 900


def _unassigned_context(hidden: list[Person]) -> dict[str, Any]:
    """What the page may say about matches not assigned to the user: how many (one, or
    more than one) and, for exactly one, an opaque ticket for emergency access. The ticket
    is kept server-side in the session; the page never holds the case code."""
    if len(hidden) != 1:  # the page offers the form for exactly one match, never more
        return {"unassigned": len(hidden), "ticket_form": None}
    ticket = secrets.token_urlsafe(16)
    expires = (utcnow() + timedelta(seconds=TICKET_SECONDS)).isoformat()
    session[TICKETS] = {ticket: {"code": hidden[0].case_code, "expires": expires}}
    return {"unassigned": 1,
            "ticket_form": TicketBreakGlassForm(formdata=None, ticket=ticket)}


def _ticket_code(ticket: str) -> str | None:
    row = (session.get(TICKETS) or {}).get(ticket or "")
    if not isinstance(row, dict):
        return None
    try:
        expires = datetime.fromisoformat(str(row.get("expires")))
    except ValueError:
        return None
    return str(row.get("code")) if expires > utcnow() else None


@bp.route("/emergency-access", methods=["POST"])
@requires(Permission.PERSON_READ)
def emergency_access() -> ResponseReturnValue:
    """Break-glass for a match the user was not shown (issues 13.3, 13.4): the reason is
    kept with the record, the director is told, and access ends after one hour."""
    form = TicketBreakGlassForm()
    code = _ticket_code(form.ticket.data or "") if form.is_submitted() else None
    if code is None:
        if form.csrf_token.errors:
            abort(400)
        flash(_("That request has expired. Search again to request emergency access."),
              "error")
        return redirect(url_for("persons.index"))
    if form.validate_on_submit() and _grant_emergency_access(code, form):
        session.pop(TICKETS, None)
        return redirect(url_for("persons.detail", case_code=code))
    return render_template("persons/emergency_access.html", ticket_form=form), 422


def _grant_emergency_access(case_code: str, form: Any) -> bool:
    """Break-glass with the form's reason, committed and audited whatever the outcome;
    False with the refusal's reasons on the form, 404 for an unknown case code."""
    try:
        access.break_glass(ctx(), g.staff, case_code, form.reason.data or "")
    except NotFound:
        db.session.commit()
        abort(404)
    except access.AccessDenied as denied:
        db.session.commit()
        form.reason.errors.extend(explain(denied.reasons))
        return False
    db.session.commit()
    flash(_("Emergency access granted for one hour. The director has been told."), "warning")
    return True


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _profile(form: PersonForm) -> dict[str, Any]:
    return {"estimated_age": form.estimated_age.data, "is_minor": bool(form.is_minor.data),
            "gender": form.gender.data, "nationality": form.nationality.data,
            "languages": form.languages.data or [], "contact": form.contact.data,
            "safe_channel": form.safe_channel.data, "safe_times": form.safe_times.data,
            "code_word": form.code_word.data, "do_not_contact": form.do_not_contact.data,
            "documents_held": form.documents_held.data, "placement": form.placement.data,
            "guardian": form.guardian.data, "child_views": form.child_views.data,
            "dob_source": form.dob_source.data or None,
            "possibly_child": bool(form.possibly_child.data),
            "representative_type": form.representative_type.data or None,
            **_statistics_consent(form)}


def _statistics_consent(form: PersonForm) -> dict[str, Any]:
    """Issue 15: "yes"/"no" when asked; absent when not asked yet."""
    choice = form.statistics_consent.data
    return {"statistics_consent": choice} if choice in ("yes", "no") else {}


def _save_person(form: PersonForm, person: Person | None) -> Person | None:
    names = [form.full_name.data or "", *_lines(form.aliases.data)]
    try:
        c = ctx()
        if person is None:
            person = persons.register(c, names=names, date_of_birth=form.date_of_birth.data,
                                      phones=_lines(form.phones.data), profile=_profile(form),
                                      dob_source_required=True)
            access.assign(c, person, g.staff)
        else:
            persons.update(c, person, names=names, date_of_birth=form.date_of_birth.data,
                           phones=_lines(form.phones.data), profile=_profile(form),
                           dob_source_required=True)
    except ValueError:
        db.session.rollback()
        form.date_of_birth.errors.append(_("Use the form DD.MM.YYYY, for example 17.05.1990."))
        return None
    except ServiceError as error:
        db.session.rollback()
        age = [r for r in error.reasons if isinstance(r, MinorReason)]
        form.date_of_birth.errors.extend(explain(tuple(age)))
        form.full_name.errors.extend(explain(tuple(r for r in error.reasons if r not in age)))
        return None
    db.session.commit()
    return person


@bp.route("/new", methods=["GET", "POST"])
@requires(Permission.PERSON_WRITE)
def create() -> ResponseReturnValue:
    form = PersonForm()
    if form.validate_on_submit():
        if request.form.get("confirm_new") != "1":
            matches = _possible_matches(form)
            if matches is not None:
                return matches
        person = _save_person(form, None)
        if person is not None:
            flash(_("Registered as %(code)s. Use this code, not the name, when you talk "
                    "or write about the case.", code=person.case_code), "success")
            return redirect(url_for("persons.detail", case_code=person.case_code))
    return render_template("persons/form.html", form=form, person=None), \
        422 if form.errors else 200


def _possible_matches(form: PersonForm) -> tuple[str, int] | None:
    """Issue 13.3: before saving, anyone already registered with the same name, date of
    birth or phone. People assigned to the user are named by case code; anyone else only
    as "someone not assigned to you", with the emergency-access route."""
    c = ctx()
    try:
        found = persons.possible_matches(
            c, names=[form.full_name.data or ""], date_of_birth=form.date_of_birth.data,
            phones=_lines(form.phones.data))
    except ValueError:
        return None
    if not found:
        return None
    visible = access.visible_subject_ids(c, g.staff)
    mine = [p for p in found if p.subject_id in visible]
    hidden = [p for p in found if p.subject_id not in visible]
    c.audit("person.possible_match", outcome=f"{len(mine)}+{len(hidden)}",
            object_type="registration")
    db.session.commit()
    return render_template("persons/form.html", form=form, person=None, matches=mine,
                           **_unassigned_context(hidden)), 409


@bp.route("/<case_code>/edit", methods=["GET", "POST"])
@requires(Permission.PERSON_WRITE)
def edit(case_code: str) -> ResponseReturnValue:
    person = open_person(case_code)
    form = PersonForm()
    if request.method == "GET":
        record = persons.read(ctx(), person)
        _fill(form, record)
    elif form.validate_on_submit() and _save_person(form, person) is not None:
        flash(_("The record was saved."), "success")
        return redirect(url_for("persons.detail", case_code=person.case_code))
    return render_template("persons/form.html", form=form, person=person), \
        422 if form.errors else 200


def _fill(form: PersonForm, record: persons.PersonRecord) -> None:
    p = record.profile
    form.full_name.data = record.names[0] if record.names else ""
    form.aliases.data = "\n".join(record.names[1:])
    form.date_of_birth.data = _dotted(record.date_of_birth)
    form.phones.data = "\n".join(record.phones)
    for key in ("estimated_age", "nationality", "contact", "safe_channel", "safe_times",
                "code_word", "do_not_contact", "documents_held", "placement", "guardian",
                "child_views", "gender", "dob_source", "representative_type"):
        getattr(form, key).data = p.get(key)
    form.is_minor.data = bool(p.get("is_minor"))
    form.possibly_child.data = bool(p.get("possibly_child"))
    form.languages.data = [str(v) for v in p.get("languages") or []]  # type: ignore[attr-defined]
    form.statistics_consent.data = p.get("statistics_consent") or ""


def _dotted(iso: str | None) -> str:
    if not iso:
        return ""
    year, month, day = iso.split("-")
    return f"{day}.{month}.{year}"


@bp.route("/<case_code>")
@requires(Permission.PERSON_READ)
def detail(case_code: str) -> str:
    person = open_person(case_code)
    note_form = NoteForm(formdata=None)
    note_form.occurred_on.data = local_today()  # issue 13.1: today, in the organisation's zone
    return _render_detail(person, note_form)


def refused_section(person: Person, section: str, form: Any,
                    messages: list[str] | None = None) -> tuple[str, int]:
    """Issue 13.1: a refused form of a section of the person page (an event, a clearance)
    is shown again, open, with what was typed and why it was refused; nothing is lost."""
    g.refused_forms = {section: (form, messages or [])}
    note_form = NoteForm(formdata=None)
    note_form.occurred_on.data = local_today()
    return _render_detail(person, note_form), 422


def refused_form(section: str) -> tuple[Any, list[str]] | None:
    """The refused form of ``section`` on this request, if any (see ``refused_section``)."""
    found: tuple[Any, list[str]] | None = g.get("refused_forms", {}).get(section)
    return found


def _render_detail(person: Person, note_form: NoteForm,
                   note_errors: list[str] | None = None) -> str:
    c = ctx()
    record = persons.read(c, person)
    # Turning 18 is noticed here too (and nightly): a child's consent becomes a review task.
    if minors.review_coming_of_age(c, person, record,
                                   ledger=record_parts.consent_ledger(person)):
        db.session.commit()
    return render_template(
        "persons/detail.html", person=person, record=record,
        genders=dict(GENDERS), screenings=screenings.history(c, person),
        interviews=interviews.page_for_person(c, person, page_request("interviews_")),
        notes=casenotes.page_for_person(c, person, page_request("notes_")),
        safety_plan=record_parts.read_part(person, "safety_plan",
                                           lambda: casenotes.current_safety_plan(c, person)),
        notice=record_parts.read_part(person, "interview_notices",
                                      lambda: interviews.open_notice(c, person)),
        entries=record_parts.read_part(person, "source_links",
                                       lambda: intel.entries_for_person(c, person)) or [],
        assignees=access.assignee_names(c, person), note_form=note_form,
        note_errors=note_errors or [], today=local_today(),
        sections=sections.render_context(person, g.staff),
        minor=minors.status_at(c, person, c.now, record),
        minor_grounds=MINOR_GROUND_LABELS, representatives=REPRESENTATIVE_LABELS,
        # Issue 10: a banner while an urgent task about this person is open.
        urgent_tasks=record_parts.read_part(person, "urgent_tasks",
                                            lambda: dashboard.urgent_tasks_about(c, person)) or [],
        task_labels=TASK_LABELS)


@bp.route("/<case_code>/break-glass", methods=["POST"])
@requires(Permission.PERSON_READ)
def break_glass(case_code: str) -> ResponseReturnValue:
    form = BreakGlassForm()
    if form.validate_on_submit() and _grant_emergency_access(case_code, form):
        return redirect(url_for("persons.detail", case_code=case_code))
    return render_template("persons/break_glass.html", case_code=case_code, form=form), 422


@bp.route("/<case_code>/notes", methods=["POST"])
@requires(Permission.CASENOTE_WRITE)
def add_note(case_code: str) -> ResponseReturnValue:
    """Issue 13.1: a refused note stays open on the page with everything typed in it."""
    person = open_person(case_code)
    form = NoteForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_detail(person, form), 422
    try:
        kind = NoteKind(form.kind.data)
        service = ServiceType(form.service_type.data) if form.service_type.data else None
    except ValueError:
        abort(400)
    try:
        casenotes.add(ctx(), person, kind=kind, body=form.body.data or "",
                      occurred_on=form.occurred_on.data, service_type=service,
                      review_on=form.review_on.data)
    except ServiceError as error:
        db.session.rollback()
        return _render_detail(person, form, explain(error.reasons)), 422
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for("persons.detail", case_code=case_code, _anchor="notes"))
