"""API: person records for the care roles, under the same object rules as the pages."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, g, jsonify, request, send_file
from werkzeug.wrappers import Response

from casework.domain.access import AccessReason
from casework.domain.roles import Permission
from casework.extensions import db
from casework.models import Person
from casework.services import (
    access,
    attachments,
    interviews,
    paging,
    persons,
    screenings,
    subjects,
)
from casework.services.errors import NotFound, ServiceError
from casework.web.api import bp
from casework.web.api.paging import PAGE_PARAMETERS, paged
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx, settings
from casework.web.paging import page_request
from casework.web.security import requires

PERSON_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["case_code", "names", "phones"],
    "properties": {"case_code": {"type": "string"},
                   "names": {"type": "array", "items": {"type": "string"}},
                   "date_of_birth": {"type": ["string", "null"], "format": "date"},
                   "phones": {"type": "array", "items": {"type": "string"}},
                   "profile": {"type": "object"},
                   "screening": {"type": ["string", "null"]}}}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["names", "gender"],
    "properties": {"names": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                   "date_of_birth": {"type": ["string", "null"]},
                   "phones": {"type": "array", "items": {"type": "string"}},
                   "gender": {"enum": ["female", "male", "other", "not_stated"]},
                   "profile": {"type": "object"}}}
ERRORS = (400, 401, 403, 404)


def _error(status: int, code: str, reasons: tuple[Any, ...] = ()) -> tuple[dict[str, Any], int]:
    return {"error": code, "reasons": [str(getattr(r, "value", r)) for r in reasons]}, status


def _person(case_code: str) -> Person:
    """Same rule as the pages; a refusal is audited and answered 403/404 without content."""
    try:
        return access.require_person(ctx(), g.staff, case_code)
    except NotFound:
        db.session.commit()
        abort(404)
    except access.AccessDenied as denied:
        db.session.commit()
        code = "not_assigned" if AccessReason.NOT_ASSIGNED in denied.reasons else "forbidden"
        abort(Response(f'{{"error": "{code}"}}', 403, mimetype="application/json"))


def _json(person: Person, outcome: str | None | bool = False) -> dict[str, Any]:
    c = ctx()
    record = persons.read(c, person)
    return {"case_code": person.case_code, "names": record.names,
            "date_of_birth": record.date_of_birth, "phones": record.phones,
            "profile": record.profile,
            "screening": screenings.latest_outcome(c, person) if outcome is False else outcome}


@bp.route("/persons")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons", "get", "The people assigned to me, newest first, a page at "
                    "a time (follow the Link header)", Permission.PERSON_READ,
                    {"type": "array", "items": PERSON_SCHEMA}, paged=True))
def persons_list() -> Response:
    c = ctx()
    page = access.people_page(c, g.staff, page_request())
    subjects.preload_keys(c, [p.subject_id for p in page.items])
    outcomes = screenings.latest_outcomes(c, page.items)
    return paged([_json(p, outcomes.get(p.id)) for p in page.items], page)


@bp.route("/persons", methods=["POST"])
@requires(Permission.PERSON_WRITE)
@describe(Operation("/persons", "post", "Register a person (assigned to me)",
                    Permission.PERSON_WRITE, PERSON_SCHEMA, request=CREATE_SCHEMA,
                    errors=(400, 401, 403, 422), status=201))
def persons_create() -> tuple[dict[str, Any], int]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "invalid_json")
    names, phones = body.get("names"), body.get("phones", [])
    profile = body.get("profile", {})
    valid = (isinstance(names, list) and names and all(isinstance(n, str) and n.strip()
                                                       and len(n) <= 200 for n in names)
             and isinstance(phones, list) and all(isinstance(p, str) and len(p) <= 40
                                                  for p in phones)
             and isinstance(profile, dict)
             and body.get("gender") in ("female", "male", "other", "not_stated")
             and isinstance(body.get("date_of_birth") or "", str))
    if not valid:
        return _error(400, "invalid_fields")
    c = ctx()
    try:
        extra = {k: v for k, v in profile.items() if isinstance(v, str | int | bool | list)}
        person = persons.register(c, names=list(names or []),
                                  date_of_birth=body.get("date_of_birth"), phones=phones,
                                  profile={**extra, "gender": body["gender"]})
        access.assign(c, person, g.staff)
    except ValueError:
        db.session.rollback()
        return _error(400, "invalid_date_of_birth")
    except ServiceError as error:
        db.session.rollback()
        return _error(422, "refused", error.reasons)
    db.session.commit()
    return _json(person), 201


SEARCH_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["query"],
    "properties": {"query": {"type": "string", "maxLength": 200},
                   "after": PAGE_PARAMETERS[0]["schema"], "before": PAGE_PARAMETERS[1]["schema"],
                   "size": PAGE_PARAMETERS[2]["schema"]}}


@bp.route("/persons/search", methods=["POST"])
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/search", "post", "Find my people by name (either script), "
                    "date of birth or phone, a page at a time: send the X-Next-Cursor "
                    "header's value back as \"after\" (X-Prev-Cursor as \"before\")",
                    Permission.PERSON_READ, {"type": "array", "items": PERSON_SCHEMA},
                    request=SEARCH_SCHEMA, errors=(400, 401, 403), search_paged=True))
def persons_search() -> Any:
    body = request.get_json(silent=True)
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or not 2 <= len(query.strip()) <= 200:
        return _error(400, "invalid_query")
    assert isinstance(body, dict)
    cursors = [body.get(k) for k in ("after", "before", "size")]
    if any(v is not None and not isinstance(v, str | int) or isinstance(v, bool)
           for v in cursors):
        return _error(400, "invalid_page")
    try:
        wanted = paging.page_request(after=cursors[0] and str(cursors[0]),
                                     before=cursors[1] and str(cursors[1]), size=cursors[2])
    except paging.BadPage:
        return _error(400, "invalid_page")
    c = ctx()
    found = persons.search_page(c, query, wanted,
                                visible=access.visibility(c, g.staff))
    c.audit("person.search", outcome=str(found.total), object_type="search")
    db.session.commit()
    outcomes = screenings.latest_outcomes(c, [p for p, _r in found.items])
    response = jsonify([_json(p, outcomes.get(p.id)) for p, _r in found.items])
    response.headers["X-Total-Count"] = str(found.total)
    for header, cursor in (("X-Next-Cursor", found.next_cursor),
                           ("X-Prev-Cursor", found.prev_cursor)):
        if cursor:
            response.headers[header] = cursor
    return response


@bp.route("/persons/<case_code>")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}", "get", "One person's record",
                    Permission.PERSON_READ, PERSON_SCHEMA, errors=ERRORS))
def persons_get(case_code: str) -> dict[str, Any]:
    return _json(_person(case_code))


@bp.route("/persons/<case_code>/interviews")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}/interviews", "get", "A person's interviews, "
                    "newest first, a page at a time (follow the Link header)",
                    Permission.PERSON_READ, {"type": "array", "items": {"type": "object"}},
                    errors=ERRORS, paged=True))
def persons_interviews(case_code: str) -> Response:
    person = _person(case_code)
    c = ctx()
    page = interviews.page_for_person(c, person, page_request())
    out = []
    for row, view in zip(page.items, interviews.read_many(c, person, page.items), strict=True):
        out.append({"id": row.public_id, "held_on": row.held_on.isoformat(),
                    "status": row.status, "content_hash": row.content_hash,
                    "narrative": view.narrative,
                    "addenda": [text for _, text in view.addenda],
                    "attachments": [{"id": a.public_id, "content_type": a.content_type,
                                     "size": a.size} for a in view.attachments]})
    return paged(out, page, case_code=person.case_code)


@bp.route("/persons/<case_code>/attachments/<attachment_id>")
@requires(Permission.PERSON_READ)
@describe(Operation("/persons/{case_code}/attachments/{attachment_id}", "get",
                    "Download one attachment (decrypted)", Permission.PERSON_READ,
                    {"type": "string", "format": "binary"}, errors=ERRORS))
def persons_attachment(case_code: str, attachment_id: str) -> Response:
    person = _person(case_code)
    c = ctx()
    try:
        row = attachments.get(c, attachment_id)
    except NotFound:
        abort(404)
    if row.subject_id != person.subject_id:
        abort(404)
    name, data = attachments.read(c, settings().attachments_path, row)
    db.session.commit()
    return send_file(io.BytesIO(data), mimetype=row.content_type, as_attachment=True,
                     download_name=name, max_age=0)
