"""The case timeline section of the person record (rules 110-112).

Any care role working with the person (caseworker, psychologist, legal adviser: whoever
may write case notes) records an event; the record page shows the timeline.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from werkzeug.wrappers import Response
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from casework.domain.case_events import NOTE_MAX_CHARS, SUSPECT_FREE, EventKind
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import Person, Staff
from casework.services import case_events
from casework.services.errors import ServiceError
from casework.web import record_parts, sections
from casework.web.context import ctx
from casework.web.form_base import FlaskForm
from casework.web.form_dates import LocalDateField
from casework.web.messages import explain
from casework.web.persons import open_person
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("case_events", __name__, url_prefix="/persons/<case_code>/case-events")

KIND_LABELS = {
    EventKind.ARREST.value: _l("Arrest"),
    EventKind.CHARGE.value: _l("Charge"),
    EventKind.HEARING.value: _l("Court hearing"),
    EventKind.RELEASE.value: _l("Release"),
    EventKind.ACQUITTAL.value: _l("Acquittal"),
    EventKind.CONVICTION.value: _l("Conviction"),
}
SOURCE_LABELS = {"staff": _l("recorded by staff"),
                 "police_feedback": _l("from police feedback")}
ANCHOR = "case-events"


class CaseEventForm(FlaskForm):
    kind = SelectField(_l("What happened"), choices=list(KIND_LABELS.items()),
                       validators=[DataRequired()], validate_choice=False)
    occurred_on = LocalDateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(_l("Details (who, where, what the person was told)"),
                         validators=[Optional(), Length(max=NOTE_MAX_CHARS)])


@sections.register("case_events")
def section(person: Person, staff: Staff) -> dict[str, Any]:
    from casework.web.persons import refused_form

    c = ctx()
    refused = refused_form("case_events")
    form, problems = refused if refused else (CaseEventForm(formdata=None), [])
    if refused is None:
        form.occurred_on.data = None
    events = record_parts.read_part(person, "case_events",
                                    lambda: case_events.timeline(c, person)) or []
    return {"person": person, "events": events,
            "refused": refused is not None, "problems": problems,
            "labels": KIND_LABELS, "sources": SOURCE_LABELS,
            "suspect_free": {k.value for k in SUSPECT_FREE},
            "can_record": can(Role(staff.role), Permission.CASENOTE_WRITE),
            "form": form}


@bp.route("", methods=["POST"])
@requires(Permission.CASENOTE_WRITE)
def add(case_code: str) -> Response | tuple[str, int]:
    from casework.web.persons import refused_section

    person = open_person(case_code)
    form = CaseEventForm()
    back = redirect(url_for("persons.detail", case_code=case_code, _anchor=ANCHOR))
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return refused_section(person, "case_events", form)  # issue 13.1
    try:
        row = case_events.record(ctx(), person, kind=form.kind.data or "",
                                 occurred_on=form.occurred_on.data, note=form.note.data or "")
    except ServiceError as error:
        db.session.rollback()
        ctx().audit("case_event.record", outcome="denied", object_type="person",
                    object_ref=person.case_code)
        db.session.commit()
        return refused_section(person, "case_events", form, explain(error.reasons))
    db.session.commit()
    if row.kind in {k.value for k in SUSPECT_FREE}:
        flash(_("Recorded. The suspect is free: an urgent safety task and a safety-plan review "
                "were created for everyone working with this person."), "warning")
    else:
        flash(_("Recorded on the case timeline."), "success")
    return back
