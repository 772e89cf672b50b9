"""API: the consent ledger (read, withdraw), risk assessments (read) and the psychologist's
clearance, under the same object rules as the pages.

Recording a consent needs the signed paper form, so it is done on the page, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, g, request

from casework.domain.consent import ConsentReason
from casework.domain.legal import LegalReason
from casework.domain.roles import Permission
from casework.extensions import db
from casework.models import Consent, Person, PoliceUnit, RiskAssessment
from casework.services import consents, legal, risk
from casework.services.errors import NotFound, ServiceError
from casework.web.api import bp
from casework.web.api.persons import _error, _person
from casework.web.api.registry import Operation, describe, utc_iso
from casework.web.consent import consent_status
from casework.web.context import ctx, settings
from casework.web.security import requires

ERRORS = (400, 401, 403, 404)
_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
CONSENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "status", "recorded_at", "scope"],
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["active", "withdrawn", "expired"]},
        "recorded_at": {"type": "string", "format": "date-time"},
        "recorded_by": {"type": "string"},
        "valid_until": _DATE_TIME, "withdrawn_at": _DATE_TIME,
        "withdrawn_by": {"type": ["string", "null"]},
        "signed_form": {"type": ["string", "null"],
                        "description": "attachment id: GET /persons/{case_code}/attachments/"
                                       "{attachment_id}"},
        "scope": {"type": "object", "properties": {
            "purposes": {"type": "array", "items": {"type": "string"}},
            "recipient_units": {"type": "array", "items": {"type": "string"}},
            "share_level": {"enum": ["none", "thematic_only", "specific"]},
            "identity_allowed": {"type": "boolean"},
            "identity_at_persons_request": {"type": "boolean"},
            "notices": {"type": "array", "items": {"type": "string"}}}},
    }}
RISK_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "unit", "residual", "assessed_at", "expires_at"],
    "properties": {"id": {"type": "string"},
                   "unit": {"type": "object", "properties": {"id": {"type": "string"},
                                                             "name": {"type": "string"}}},
                   "residual": {"enum": ["low", "medium", "high", "severe"]},
                   "assessor": {"type": "string"},
                   "assessed_at": {"type": "string", "format": "date-time"},
                   "expires_at": {"type": "string", "format": "date-time"},
                   "valid": {"type": "boolean"}, "content": {"type": "object"}}}
CLEARANCE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "cleared_at"],
    "properties": {"id": {"type": "string"}, "psychologist": {"type": "string"},
                   "cleared_at": {"type": "string", "format": "date-time"}}}


def _iso(value: datetime | None) -> str | None:
    return utc_iso(value)


def _consent_json(person: Person, row: Consent) -> dict[str, Any]:
    c = ctx()
    return {"id": row.public_id, "status": consent_status(row, c.now),
            "recorded_at": utc_iso(row.recorded_at), "recorded_by": row.recorded_by,
            "valid_until": _iso(row.valid_until), "withdrawn_at": _iso(row.withdrawn_at),
            "withdrawn_by": row.withdrawn_by, "signed_form": row.form_attachment,
            "scope": consents.scope(c, person, row)}


def _risk_json(person: Person, row: RiskAssessment) -> dict[str, Any]:
    c = ctx()
    unit = c.session.get(PoliceUnit, row.unit_id)
    return {"id": row.public_id,
            "unit": {"id": unit.public_id if unit else "", "name": unit.name if unit else ""},
            "residual": row.residual, "assessor": row.assessor,
            "assessed_at": utc_iso(row.assessed_at), "expires_at": utc_iso(row.expires_at),
            "valid": row.expires_at > c.now, "content": risk.content(c, person, row)}


def _optional_object() -> dict[str, Any] | None:
    """An empty body, or a JSON object; None means the body is malformed."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/persons/<case_code>/consents")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}/consents", "get",
                    "A person's consent ledger, newest first (withdrawn ones included)",
                    Permission.PERSON_READ, {"type": "array", "items": CONSENT_SCHEMA},
                    errors=ERRORS))
def consents_list(case_code: str) -> list[dict[str, Any]]:
    person = _person(case_code)
    return [_consent_json(person, row) for row in consents.ledger(ctx(), person)]


@bp.route("/persons/<case_code>/consents/<consent_id>/withdraw", methods=["POST"])
@requires(Permission.CONSENT_WRITE)
@describe(Operation("/persons/{case_code}/consents/{consent_id}/withdraw", "post",
                    "Withdraw a consent in one step; open disclosures relying on it stop",
                    Permission.CONSENT_WRITE,
                    {"type": "object", "required": ["consent", "stopped"],
                     "properties": {"consent": CONSENT_SCHEMA,
                                    "stopped": {"type": "array", "items": {"type": "string"},
                                                "description": "references of the stopped "
                                                               "disclosure requests"}}},
                    errors=(400, 401, 403, 404, 409, 422)))
def consents_withdraw(case_code: str, consent_id: str) -> tuple[dict[str, Any], int]:
    if _optional_object() is None:
        return _error(400, "invalid_json")
    person = _person(case_code)
    c = ctx()
    try:
        row = consents.get(c, person, consent_id)
    except NotFound:
        abort(404)
    try:
        stopped = consents.withdraw(c, person, row,
                                    packages_folder=settings().instance_path / "packages")
    except ServiceError as error:
        db.session.rollback()
        status = 409 if ConsentReason.WITHDRAWN in error.reasons else 422
        return _error(status, "refused", error.reasons)
    db.session.commit()
    return {"consent": _consent_json(person, row),
            "stopped": [r.reference for r in stopped]}, 200


@bp.route("/persons/<case_code>/risk-assessments")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}/risk-assessments", "get",
                    "A person's risk assessments before disclosure, newest first",
                    Permission.PERSON_READ, {"type": "array", "items": RISK_SCHEMA},
                    errors=ERRORS))
def risk_assessments_list(case_code: str) -> list[dict[str, Any]]:
    person = _person(case_code)
    return [_risk_json(person, row) for row in risk.for_person(ctx(), person)]


@bp.route("/persons/<case_code>/clearance", methods=["POST"])
@requires(Permission.CLEARANCE_WRITE)
@describe(Operation("/persons/{case_code}/clearance", "post",
                    "Psychologist: clear the person for a consultation about the police",
                    Permission.CLEARANCE_WRITE, CLEARANCE_SCHEMA,
                    request={"type": "object",
                             "properties": {"note": {"type": "string", "maxLength": 4000}}},
                    errors=(400, 401, 403, 404, 409, 422), status=201))
def clearance_create(case_code: str) -> tuple[dict[str, Any], int]:
    body = _optional_object()
    note = body.get("note", "") if body is not None else None
    if not isinstance(note, str) or len(note) > 4000:
        return _error(400, "invalid_fields")
    person = _person(case_code)
    try:
        row = legal.clear(ctx(), g.staff, person, note)
    except ServiceError as error:
        db.session.rollback()
        status = 409 if LegalReason.ALREADY_CLEARED in error.reasons else 422
        return _error(status, "refused", error.reasons)
    db.session.commit()
    return {"id": row.public_id, "psychologist": row.psychologist,
            "cleared_at": utc_iso(row.cleared_at)}, 201
