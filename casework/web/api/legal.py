"""API: police units and their assessment (legal advisers and the director), and a person's
decisions after legal advice (legal advisers).

There is deliberately no operation for privileged notes: legal privilege means they are read
only on their page, by legal advisers, and never leave the system in any other form.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request

from casework.domain.legal import (
    UNIT_ANSWERS,
    UNIT_QUESTIONS,
    PersonDecision,
    UnitRecommendation,
)
from casework.domain.roles import Permission
from casework.extensions import db
from casework.models import LegalDecision, Person, PoliceUnit, UnitAssessment
from casework.services import legal, police_units
from casework.services.errors import NotFound
from casework.web.api import bp
from casework.web.api.persons import _error, _person
from casework.web.api.registry import Operation, describe, utc_iso
from casework.web.context import ctx, settings
from casework.web.security import requires

UNIT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "name", "jurisdiction", "recommendation",
                                   "valid_until"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "jurisdiction": {"type": "string"},
                   "recommendation": {"type": ["string", "null"],
                                      "enum": [r.value for r in UnitRecommendation] + [None]},
                   "valid_until": {"type": ["string", "null"], "format": "date"}}}
ASSESSMENT_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["unit", "assessment"],
    "properties": {
        "unit": UNIT_SCHEMA,
        "assessment": {"type": ["object", "null"], "properties": {
            "id": {"type": "string"},
            "recommendation": {"enum": [r.value for r in UnitRecommendation]},
            "assessed_at": {"type": "string", "format": "date-time"},
            "assessed_by": {"type": "string"},
            "valid_until": {"type": "string", "format": "date"},
            "answers": {"type": "object", "properties": {q: {
                "type": "object", "properties": {"answer": {"enum": list(UNIT_ANSWERS)},
                                                 "note": {"type": "string"}}}
                for q in UNIT_QUESTIONS}}}}}}
DECISION_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "decision", "recorded_at", "recorded_by", "note"],
    "properties": {"id": {"type": "string"},
                   "decision": {"enum": [d.value for d in PersonDecision]},
                   "recorded_at": {"type": "string", "format": "date-time"},
                   "recorded_by": {"type": "string"}, "note": {"type": "string"}}}
DECISION_REQUEST: dict[str, Any] = {
    "type": "object", "required": ["decision"],
    "properties": {"decision": {"enum": [d.value for d in PersonDecision]},
                   "note": {"type": "string", "maxLength": 4000}}}


def _unit_json(unit: PoliceUnit, current: UnitAssessment | None) -> dict[str, Any]:
    return {"id": unit.public_id, "name": unit.name, "jurisdiction": unit.jurisdiction,
            "recommendation": current.recommendation if current else None,
            "valid_until": current.valid_until.isoformat() if current else None}


@bp.route("/units")
@requires(Permission.UNIT_ASSESS)
@describe(Operation("/units", "get", "Police units with our current recommendation",
                    Permission.UNIT_ASSESS, {"type": "array", "items": UNIT_SCHEMA}))
def units_list() -> list[dict[str, Any]]:
    c = ctx()
    return [_unit_json(u, police_units.current_assessment(c, u))
            for u in police_units.all_units(c)]


@bp.route("/units/<unit_id>/assessment")
@requires(Permission.UNIT_ASSESS)
@describe(Operation("/units/{unit_id}/assessment", "get",
                    "Our current assessment of a police unit, every answer included",
                    Permission.UNIT_ASSESS, ASSESSMENT_SCHEMA, errors=(401, 403, 404)))
def units_assessment(unit_id: str) -> dict[str, Any]:
    c = ctx()
    try:
        unit = police_units.get(c, unit_id[:32])
    except NotFound:
        abort(404)
    current = police_units.current_assessment(c, unit)
    assessment = None
    if current is not None:
        assessment = {"id": current.public_id, "recommendation": current.recommendation,
                      "assessed_at": utc_iso(current.assessed_at),
                      "assessed_by": current.assessed_by,
                      "valid_until": current.valid_until.isoformat(),
                      "answers": police_units.read_answers(c, unit, current)}
    db.session.commit()
    return {"unit": _unit_json(unit, current), "assessment": assessment}


def _decision_json(person: Person, row: LegalDecision) -> dict[str, Any]:
    return {"id": row.public_id, "decision": row.decision,
            "recorded_at": utc_iso(row.recorded_at), "recorded_by": row.recorded_by,
            "note": legal.decision_note(ctx(), person, row)}


@bp.route("/persons/<case_code>/legal/decisions")
@requires(Permission.LEGAL_WRITE)
@describe(Operation("/persons/{case_code}/legal/decisions", "get",
                    "The person's decisions after legal advice, newest first (history kept)",
                    Permission.LEGAL_WRITE, {"type": "array", "items": DECISION_SCHEMA},
                    errors=(401, 403, 404)))
def legal_decisions(case_code: str) -> list[dict[str, Any]]:
    person = _person(case_code)
    return [_decision_json(person, row) for row in legal.decisions(ctx(), person)]


@bp.route("/persons/<case_code>/legal/decisions", methods=["POST"])
@requires(Permission.LEGAL_WRITE)
@describe(Operation("/persons/{case_code}/legal/decisions", "post",
                    "Record the person's decision (a new entry; earlier ones are kept)",
                    Permission.LEGAL_WRITE, DECISION_SCHEMA, request=DECISION_REQUEST,
                    errors=(400, 401, 403, 404), status=201))
def legal_decisions_create(case_code: str) -> tuple[dict[str, Any], int]:
    person = _person(case_code)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_json")
    value, note = body.get("decision"), body.get("note", "")
    if not isinstance(value, str) or value not in {d.value for d in PersonDecision}:
        return _error(400, "invalid_decision")
    if not isinstance(note, str) or len(note) > 4000:
        return _error(400, "invalid_note")
    row = legal.record_decision(ctx(), person, PersonDecision(value), note=note,
                                packages_folder=settings().instance_path / "packages")
    db.session.commit()
    return _decision_json(person, row), 201
