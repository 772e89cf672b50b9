"""API: disclosure requests to police (issue 6, item 3), under the same rules as the pages.

There is deliberately NO approval and NO package download here: approving needs an
interactive step-up (password and a fresh code) and downloading is the releasing liaison's,
on the page. The detail answer carries no name, case code or withheld word: it is what the
liaison may read.
"""

from __future__ import annotations

from typing import Any, NoReturn

from flask import abort, g, request
from sqlalchemy import select

from casework.domain.consent import Purpose
from casework.domain.disclosure import OPEN, State
from casework.domain.roles import Permission, Role, can
from casework.extensions import db
from casework.models import DisclosureApproval, DisclosureRequest, PoliceUnit
from casework.services import (
    disclosure_versions,
    disclosures,
    feedback,
    mou_versions,
    police_units,
)
from casework.services.disclosures import DisclosureReason, ItemInput
from casework.services.errors import NotFound, ServiceError
from casework.web.api import bp
from casework.web.api.paging import paged
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.disclosures import may_see
from casework.web.forms_disclosure import FEEDBACK_KINDS, TLP_LABELS
from casework.web.paging import page_request
from casework.web.security import requires

PURPOSES = [p.value for p in Purpose]
TLPS = list(TLP_LABELS)
STATES = [s.value for s in State]
_TIME = {"type": "string", "format": "date-time"}

SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["reference", "state", "emergency", "unit", "purpose", "version"],
    "properties": {
        "reference": {"type": "string"}, "state": {"enum": STATES},
        "emergency": {"type": "boolean"},
        "unit": {"type": "object", "properties": {"id": {"type": "string"},
                                                  "name": {"type": "string"}}},
        "purpose": {"enum": PURPOSES}, "tlp": {"type": "string"},
        "handling_code": {"enum": ["P", "C"]}, "version": {"type": "integer"},
        "stop_reason": {"type": ["string", "null"]},
        "drafted_at": _TIME, "updated_at": _TIME}}
CHECK_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["label", "subject", "passed", "reasons"],
    "properties": {"label": {"type": "string", "description": "consent, risk, cumulative, "
                                                              "emergency_notice, mou_active, "
                                                              "unit_assessment, "
                                                              "informed_choice, "
                                                              "consent_risk_notices "
                                                              "or an MoU rule id (MOU-01...)"},
                   "subject": {"type": "string",
                               "description": "an entry reference, or 'package'"},
                   "rule": {"type": "string"}, "passed": {"type": "boolean"},
                   "reasons": {"type": "array", "items": {"type": "string"}}}}
PREVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"entry_reference": {"type": "string"}, "kind": {"type": "string"},
                   "subject_area": {"type": "string"}, "source_type": {"type": "string"},
                   "grading": {"type": "string"}, "statement": {"type": "string"},
                   "text": {"type": "string", "description": "after withholding"},
                   "time": {"type": "string"},
                   "time_granularity": {"type": ["string", "null"]},
                   "place": {"type": "string"},
                   "place_granularity": {"type": ["string", "null"]},
                   "tags": {"type": "array", "items": {"type": "string"}},
                   "version": {"type": ["integer", "null"],
                               "description": "the entry version that leaves (or left)"},
                   "released": {"type": "boolean",
                                "description": "true: the record kept at release"}}}
DETAIL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **SUMMARY_SCHEMA["properties"],
        "passed": {"type": ["boolean", "null"],
                   "description": "null once the request is no longer open"},
        "checks": {"type": "array", "items": CHECK_SCHEMA},
        "preview": {"type": "array", "items": PREVIEW_SCHEMA},
        "approvals": {"type": "array", "items": {"type": "object", "properties": {
            "approver": {"type": "string"}, "role": {"type": "string"},
            "approved_at": _TIME}}},
        "package": {"type": ["object", "null"], "properties": {
            "package_uuid": {"type": "string"}, "size": {"type": "integer"},
            "sha256": {"type": "string"}, "downloads_left": {"type": "integer"},
            "released_at": _TIME}},
        "feedback": {"type": "array", "items": {"type": "object", "properties": {
            "kind": {"type": "string"}, "note": {"type": "string"},
            "recorded_at": _TIME}}}}}
ITEM_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["entry_reference"],
    "properties": {
        "entry_reference": {"type": "string", "maxLength": 16},
        "consent_id": {"type": ["string", "null"], "maxLength": 32},
        "risk_id": {"type": ["string", "null"], "maxLength": 32},
        "withhold": {"oneOf": [{"type": "string", "maxLength": 4000},
                               {"type": "array", "items": {"type": "string"}}],
                     "description": "words or phrases replaced by [withheld]; a string "
                                    "holds one per line"}}}
DRAFT_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["unit", "purpose", "tlp", "handling_code", "items"],
    "properties": {
        "unit": {"type": "string", "description": "police unit id (with an MoU in force)"},
        "purpose": {"enum": PURPOSES}, "tlp": {"enum": TLPS},
        "handling_code": {"enum": ["P", "C"]},
        "emergency": {"type": "boolean", "default": False},
        "grounds": {"type": "string", "maxLength": 4000},
        "harm_check": {"type": "string", "maxLength": 4000},
        "items": {"type": "array", "minItems": 1, "maxItems": 50, "items": ITEM_SCHEMA}}}
VERSION_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["seen_version"],
    "properties": {"seen_version": {"type": "integer",
                                    "description": "the version you read (compare-and-set)"}}}
FEEDBACK_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False, "required": ["kind"],
    "properties": {"kind": {"enum": list(FEEDBACK_KINDS)},
                   "note": {"type": "string", "maxLength": 4000}}}


class BadInput(Exception):  # noqa: N818
    """The body is not what the schema describes (400)."""


def _error(status: int, code: str, reasons: tuple[Any, ...] = ()) -> tuple[dict[str, Any], int]:
    return {"error": code, "reasons": [str(getattr(r, "value", r)) for r in reasons]}, status


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput()
    return data


def _text(data: dict[str, Any], key: str, *, default: str | None = None,
          max_length: int = 4000, nullable: bool = False) -> Any:
    value = data.get(key, default)
    if value is None and nullable:
        return None
    if not isinstance(value, str) or len(value) > max_length:
        raise BadInput()
    return value


def _withhold(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and len(value) <= 4000:
        return value
    if isinstance(value, list) and all(isinstance(v, str) and "\n" not in v
                                       and len(v) <= 400 for v in value) and len(value) <= 100:
        return "\n".join(value)
    raise BadInput()


def _items(data: dict[str, Any]) -> list[ItemInput]:
    raw = data.get("items")
    if not isinstance(raw, list) or not 1 <= len(raw) <= 50:
        raise BadInput()
    items = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - set(ITEM_SCHEMA["properties"]):
            raise BadInput()
        items.append(ItemInput(
            entry_reference=_text(item, "entry_reference", max_length=16),
            consent_id=_text(item, "consent_id", max_length=32, nullable=True) or None,
            risk_id=_text(item, "risk_id", max_length=32, nullable=True) or None,
            withhold=_withhold(item.get("withhold"))))
    return items


def _seen_version() -> int:
    value = _body().get("seen_version")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput()
    return value


def _may(permission: Permission) -> bool:
    return can(Role(g.staff.role), permission)


def _request(reference: str) -> DisclosureRequest:
    try:
        row = disclosures.get(ctx(), reference)
    except NotFound:
        abort(404)
    if not may_see(row):
        _deny()
    return row


def _deny() -> NoReturn:
    ctx().audit("access.denied", outcome="forbidden", object_type="endpoint",
                object_ref=(request.endpoint or "")[:64])
    db.session.commit()
    abort(403)


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _summary(row: DisclosureRequest) -> dict[str, Any]:
    unit = ctx().session.get(PoliceUnit, row.unit_id)
    return {"reference": row.reference, "state": row.status, "emergency": row.emergency,
            "unit": {"id": unit.public_id if unit else "", "name": unit.name if unit else ""},
            "purpose": row.purpose, "tlp": row.tlp, "handling_code": row.handling_code,
            "version": row.version, "stop_reason": row.stop_reason,
            "drafted_at": _iso(row.drafted_at), "updated_at": _iso(row.updated_at)}


def _detail(row: DisclosureRequest) -> dict[str, Any]:
    c = ctx()
    reviewer = _may(Permission.DISCLOSURE_REVIEW)
    report = disclosures.evaluate_request(
        c, row, releaser=g.staff.public_id if reviewer else "") \
        if State(row.status) in OPEN else None
    package = disclosures.package_of(c, row)
    approvals = c.session.scalars(select(DisclosureApproval).where(
        DisclosureApproval.request_id == row.id).order_by(DisclosureApproval.approved_at))
    return {
        **_summary(row),
        "passed": report.passed if report else None,
        "checks": [{"label": check.label, "subject": check.subject, "rule": check.rule,
                    "passed": check.decision.allowed,
                    "reasons": [str(getattr(r, "value", r)) for r in check.decision.reasons]}
                   for check in (report.checks if report else [])],
        # Once released, the record kept at release, never the entries' current text.
        "preview": [{"entry_reference": s.entry_reference, "version": s.version_number,
                     "released": s.released, "kind": s.entry.kind,
                     "subject_area": s.entry.subject_area, "source_type": s.entry.source_type,
                     "grading": s.grading, "statement": s.entry.statement,
                     "text": s.entry.text, "time": s.entry.time,
                     "time_granularity": s.entry.time_granularity, "place": s.entry.place,
                     "place_granularity": s.entry.place_granularity,
                     "tags": list(s.entry.tags)}
                    for s in disclosure_versions.shown(
                        c, row, [] if row.status == State.RELEASED.value
                        else disclosures.preview(c, row))],
        "approvals": [{"approver": a.approver, "role": a.role,
                       "approved_at": _iso(a.approved_at)} for a in approvals],
        "package": None if package is None else {
            "package_uuid": package.package_uuid, "size": package.size,
            "sha256": package.sha256, "downloads_left": package.downloads_left,
            "released_at": _iso(package.released_at)},
        "feedback": [] if package is None else [
            {"kind": f.kind, "note": note, "recorded_at": _iso(f.recorded_at)}
            for f, note in feedback.for_package(c, package)],
    }


def _refused(error: ServiceError, action: str, reference: str) -> tuple[dict[str, Any], int]:
    db.session.rollback()
    if DisclosureReason.CHANGED in error.reasons:
        return _error(409, "changed_meanwhile", error.reasons)
    ctx().audit(action, outcome="denied", object_type="disclosure", object_ref=reference)
    db.session.commit()
    return _error(422, "refused", error.reasons)


@bp.route("/disclosures")
@requires(Permission.ACCOUNT)
@describe(Operation("/disclosures", "get",
                    "Disclosure requests: the review queue (submitted and first-approved, "
                    "emergencies first) for the liaison and the director; your own requests "
                    "for drafters", Permission.ACCOUNT,
                    {"type": "array", "items": SUMMARY_SCHEMA}, errors=(401, 403),
                    paged=True))
def disclosures_list() -> Any:
    c = ctx()
    if _may(Permission.DISCLOSURE_REVIEW):
        page = disclosures.queue_page(c, page_request())
    elif _may(Permission.DISCLOSURE_DRAFT):
        page = disclosures.mine_page(c, g.staff, page_request())
    else:
        _deny()
    return paged([_summary(r) for r in page.items], page)


@bp.route("/disclosures/<reference>")
@requires(Permission.ACCOUNT)
@describe(Operation("/disclosures/{reference}", "get",
                    "One disclosure request: its state, every check with reason codes and "
                    "exactly what would leave (text after withholding). Reviewers see every "
                    "request, drafters their own", Permission.ACCOUNT, DETAIL_SCHEMA,
                    errors=(401, 403, 404)))
def disclosures_detail(reference: str) -> Any:
    return _detail(_request(reference))


@bp.route("/disclosures", methods=["POST"])
@requires(Permission.DISCLOSURE_DRAFT)
@describe(Operation("/disclosures", "post",
                    "Draft a disclosure request (nothing leaves; submit it next). Approval "
                    "and download are not in the API: approving needs an interactive "
                    "step-up and the package is downloaded on the page by the releasing "
                    "liaison only", Permission.DISCLOSURE_DRAFT, DETAIL_SCHEMA,
                    request=DRAFT_SCHEMA, errors=(400, 401, 403, 404, 422)))
def disclosures_create() -> Any:
    try:
        data = _body()
        if set(data) - set(DRAFT_SCHEMA["properties"]):
            raise BadInput()
        purpose = _text(data, "purpose", max_length=40)
        tlp = _text(data, "tlp", max_length=20)
        handling = _text(data, "handling_code", max_length=2)
        emergency = data.get("emergency", False)
        if purpose not in PURPOSES or tlp not in TLPS or handling not in ("P", "C") \
                or not isinstance(emergency, bool):
            raise BadInput()
        unit_id = _text(data, "unit", max_length=32)
        grounds = _text(data, "grounds", default="")
        harm_check = _text(data, "harm_check", default="")
        items = _items(data)
    except BadInput:
        return _error(400, "bad_request")
    c = ctx()
    try:
        unit = police_units.get(c, unit_id)
    except NotFound:
        abort(404)
    if mou_versions.active(c, unit) is None:
        return _error(422, "refused", (DisclosureReason.NO_MOU,))
    try:
        row = disclosures.draft(c, g.staff, unit, purpose=purpose, items=items, tlp=tlp,
                                handling_code=handling, emergency=emergency, grounds=grounds,
                                harm_check=harm_check)
    except ServiceError as error:
        db.session.rollback()
        ctx().audit("disclosure.draft", outcome="denied", object_type="disclosure")
        db.session.commit()
        return _error(422, "refused", error.reasons)
    db.session.commit()
    return _detail(row)


@bp.route("/disclosures/<reference>/submit", methods=["POST"])
@requires(Permission.DISCLOSURE_DRAFT)
@describe(Operation("/disclosures/{reference}/submit", "post",
                    "Submit your draft to the liaison; refused (422) while any check fails, "
                    "409 if the request changed since the version you read",
                    Permission.DISCLOSURE_DRAFT, DETAIL_SCHEMA, request=VERSION_SCHEMA,
                    errors=(400, 401, 403, 404, 409, 422)))
def disclosures_submit(reference: str) -> Any:
    row = _request(reference)
    try:
        seen = _seen_version()
    except BadInput:
        return _error(400, "bad_request")
    try:
        disclosures.submit(ctx(), g.staff, row, seen_version=seen)
    except ServiceError as error:
        return _refused(error, "disclosure.submit", reference)
    db.session.commit()
    return _detail(row)


@bp.route("/disclosures/<reference>/feedback", methods=["POST"])
@requires(Permission.DISCLOSURE_REVIEW)
@describe(Operation("/disclosures/{reference}/feedback", "post",
                    "Record the police unit's feedback on a released package (liaison); "
                    "'release' creates urgent safety tasks, 'arrest' and 'charge' a task to "
                    "inform the person", Permission.DISCLOSURE_REVIEW, DETAIL_SCHEMA,
                    request=FEEDBACK_SCHEMA, errors=(400, 401, 403, 404, 409)))
def disclosures_feedback(reference: str) -> Any:
    row = _request(reference)
    if g.staff.role != Role.LIAISON.value:
        _deny()
    try:
        data = _body()
        if set(data) - set(FEEDBACK_SCHEMA["properties"]):
            raise BadInput()
        kind = _text(data, "kind", max_length=32)
        note = _text(data, "note", default="")
        if kind not in FEEDBACK_KINDS:
            raise BadInput()
    except BadInput:
        return _error(400, "bad_request")
    c = ctx()
    package = disclosures.package_of(c, row)
    if package is None:
        return _error(409, "not_released")
    feedback.record(c, package, kind, note)
    db.session.commit()
    return _detail(row)
