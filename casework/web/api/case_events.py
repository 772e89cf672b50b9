"""API: a person's case timeline (rules 110-112), under the same object rules as the page."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request

from casework.domain.case_events import NOTE_MAX_CHARS, EventKind
from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import case_events
from casework.services.errors import ServiceError
from casework.web.api import bp
from casework.web.api.persons import ERRORS, _error, _person
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.security import requires

EVENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "kind", "occurred_on", "source"],
    "properties": {"id": {"type": "string"}, "kind": {"enum": [k.value for k in EventKind]},
                   "occurred_on": {"type": "string", "format": "date"},
                   "source": {"enum": ["staff", "police_feedback"]},
                   "note": {"type": "string"}}}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["kind", "occurred_on"],
    "properties": {"kind": {"enum": [k.value for k in EventKind]},
                   "occurred_on": {"type": "string", "format": "date"},
                   "note": {"type": "string", "maxLength": NOTE_MAX_CHARS}}}


def _json(view: case_events.EventView) -> dict[str, Any]:
    return {"id": view.row.public_id, "kind": view.row.kind,
            "occurred_on": view.row.occurred_on.isoformat(), "source": view.row.source,
            "note": view.note}


@bp.route("/persons/<case_code>/case-events")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}/case-events", "get",
                    "A person's case timeline (arrest, charge, hearing, release ...)",
                    Permission.PERSON_READ, {"type": "array", "items": EVENT_SCHEMA},
                    errors=ERRORS))
def case_events_list(case_code: str) -> list[dict[str, Any]]:
    person = _person(case_code)
    return [_json(v) for v in case_events.timeline(ctx(), person)]


@bp.route("/persons/<case_code>/case-events", methods=["POST"])
@requires(Permission.CASENOTE_WRITE)
@describe(Operation("/persons/{case_code}/case-events", "post",
                    "Record a case event; a release or acquittal creates the urgent safety "
                    "task", Permission.CASENOTE_WRITE, EVENT_SCHEMA, request=CREATE_SCHEMA,
                    errors=(400, 401, 403, 404, 422)))
def case_events_create(case_code: str) -> tuple[dict[str, Any], int]:
    person = _person(case_code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("kind"), str) \
            or not isinstance(body.get("occurred_on"), str) \
            or not isinstance(body.get("note", ""), str):
        return _error(400, "invalid_fields")
    try:
        occurred_on = date.fromisoformat(body["occurred_on"])
    except ValueError:
        return _error(400, "invalid_date")
    c = ctx()
    try:
        row = case_events.record(c, person, kind=body["kind"], occurred_on=occurred_on,
                                 note=body.get("note", ""))
    except ServiceError as error:
        db.session.rollback()
        c.audit("case_event.record", outcome="denied", object_type="person",
                object_ref=person.case_code)
        db.session.commit()
        return _error(422, "refused", error.reasons)
    db.session.commit()
    return _json(case_events.EventView(row, body.get("note", "").strip())), 201
