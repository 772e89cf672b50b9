"""API: the intelligence store (issue 4). No operation names or links a person.

Entries from a person we support are created from their interview on the casework side,
never here: ``POST /intel/entries`` takes only the other four source types.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from flask import Response, abort, g, jsonify, request

from casework.domain.roles import Permission, Role, can
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.extensions import db
from casework.models import IntelEntry
from casework.services import entry_changes, intel
from casework.services.errors import NotFound, ServiceError
from casework.services.intel import EntryInput, ThematicBlocked
from casework.web.api import bp
from casework.web.api.paging import paged
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.paging import page_request
from casework.web.security import requires

STATEMENTS = ("reported_fact", "assessment")
TIME_GRANULARITIES = ("year", "month", "day", "exact")
PLACE_GRANULARITIES = ("country", "region", "city", "exact")
OTHER_SOURCES = [s.value for s in SourceType if s is not SourceType.VICTIM_OR_CLOSE_PERSON]


def _enum(values: Any) -> dict[str, Any]:
    return {"type": "string", "enum": [getattr(v, "value", v) for v in values]}


ENTRY_SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["reference", "direction", "kind", "subject_area", "grading",
                 "privacy_status", "created_at"],
    "properties": {
        "reference": {"type": "string"}, "direction": _enum(("own", "incoming")),
        "kind": _enum(EntryKind), "subject_area": _enum(SubjectArea),
        "grading": {"type": "string", "description": "source/intelligence/handling, "
                                                     "e.g. 2/C/P"},
        "privacy_status": _enum(("not_needed", "pending", "cleared")),
        "created_at": {"type": "string", "format": "date-time"}}}
ENTRY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **ENTRY_SUMMARY_SCHEMA["properties"],
        "source_type": _enum(SourceType), "source_evaluation": _enum(SourceEvaluation),
        "intel_assessment": _enum(IntelAssessment), "handling_code": _enum(HandlingCode),
        "received_from": {"type": ["string", "null"]},
        "text": {"type": "string"}, "statement": _enum(STATEMENTS),
        "tags": {"type": "array", "items": {"type": "string"}},
        "time": {"type": "string"}, "time_granularity": {"type": ["string", "null"]},
        "place": {"type": "string"}, "place_granularity": {"type": ["string", "null"]},
        "privacy_reviewed_at": {"type": ["string", "null"], "format": "date-time"},
        "version": {"type": "integer"}, "updated_at": {"type": "string",
                                                       "format": "date-time"}}}
ENTRY_INPUT_SCHEMA: dict[str, Any] = {
    "type": "object", "additionalProperties": False,
    "required": ["kind", "subject_area", "source_type", "intel_assessment",
                 "handling_code", "text"],
    "properties": {
        "kind": _enum(EntryKind), "subject_area": _enum(SubjectArea),
        "source_type": _enum(OTHER_SOURCES),
        "source_evaluation": {**_enum(SourceEvaluation), "default": "2"},
        "intel_assessment": _enum(IntelAssessment), "handling_code": _enum(HandlingCode),
        "text": {"type": "string", "minLength": 1, "maxLength": 20000},
        "statement": {**_enum(STATEMENTS), "default": "reported_fact"},
        "tags": {"type": "array", "items": {"type": "string",
                                            "description": "predicate:value"}},
        "time": {"type": "string", "maxLength": 40},
        "time_granularity": {"type": ["string", "null"], "enum": [*TIME_GRANULARITIES, None]},
        "place": {"type": "string", "maxLength": 120},
        "place_granularity": {"type": ["string", "null"],
                              "enum": [*PLACE_GRANULARITIES, None]}}}
INCOMING_INPUT_SCHEMA: dict[str, Any] = {
    **ENTRY_INPUT_SCHEMA,
    "required": ["received_from", "kind", "subject_area", "intel_assessment",
                 "handling_code", "text"],
    "properties": {
        **{k: v for k, v in ENTRY_INPUT_SCHEMA["properties"].items() if k != "source_type"},
        "received_from": {"type": "string", "minLength": 1, "maxLength": 64,
                          "description": "The sending police unit"}}}
REFUSAL_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "error": {"type": "string"}, "reasons": {"type": "array", "items": {"type": "string"}},
    "matches": {"type": "array", "items": {"type": "string"}}}}


class BadInput(Exception):  # noqa: N818
    """The body is not what the schema describes (400)."""


def _error(status: int, code: str, reasons: list[str] | None = None,
           matches: list[str] | None = None) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": code}
    if reasons is not None:
        body["reasons"] = reasons
    if matches is not None:
        body["matches"] = matches
    return jsonify(body), status


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput()
    return data


def _string(data: dict[str, Any], key: str, *, default: str | None = None,
            max_length: int | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (max_length is not None and len(value) > max_length):
        raise BadInput()
    return value


def _choice(data: dict[str, Any], key: str, enum: type[Enum], *,
            default: str | None = None, allowed: tuple[str, ...] | None = None) -> Any:
    value = _string(data, key, default=default)
    if allowed is not None and value not in allowed:
        raise BadInput()
    try:
        return enum(value)
    except ValueError as error:
        raise BadInput() from error


def _granularity(data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> Any:
    if data.get(key) in (None, ""):
        return None
    return _choice(data, key, Granularity, allowed=allowed)


def _entry_input(data: dict[str, Any], *, source_type: SourceType | None = None,
                 extra: tuple[str, ...] = ()) -> EntryInput:
    known = set(ENTRY_INPUT_SCHEMA["properties"]) | set(extra)
    if set(data) - known:
        raise BadInput()
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and len(t) <= 80
                                             for t in tags):
        raise BadInput()
    statement = _string(data, "statement", default="reported_fact")
    if statement not in STATEMENTS:
        raise BadInput()
    return EntryInput(
        kind=_choice(data, "kind", EntryKind),
        subject_area=_choice(data, "subject_area", SubjectArea),
        source_type=source_type or _choice(data, "source_type", SourceType,
                                           allowed=tuple(OTHER_SOURCES)),
        source_evaluation=_choice(data, "source_evaluation", SourceEvaluation, default="2"),
        intel_assessment=_choice(data, "intel_assessment", IntelAssessment),
        handling_code=_choice(data, "handling_code", HandlingCode),
        text=_string(data, "text", max_length=20000), statement=statement, tags=tags,
        time=_string(data, "time", default="", max_length=40),
        time_granularity=_granularity(data, "time_granularity", TIME_GRANULARITIES),
        place=_string(data, "place", default="", max_length=120),
        place_granularity=_granularity(data, "place_granularity", PLACE_GRANULARITIES))


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _summary(entry: IntelEntry) -> dict[str, Any]:
    return {"reference": entry.reference, "direction": entry.direction, "kind": entry.kind,
            "subject_area": entry.subject_area,
            "grading": f"{entry.source_evaluation}/{entry.intel_assessment}/"
                       f"{entry.handling_code}",
            "privacy_status": entry.privacy_status, "created_at": _iso(entry.created_at)}


def _full(entry: IntelEntry) -> dict[str, Any]:
    view = intel.read(ctx(), entry)
    return {**_summary(entry), "source_type": entry.source_type,
            "source_evaluation": entry.source_evaluation,
            "intel_assessment": entry.intel_assessment, "handling_code": entry.handling_code,
            "received_from": entry.received_from, "text": view.text,
            "statement": view.statement, "tags": view.tags, "time": view.time,
            "time_granularity": view.time_granularity, "place": view.place,
            "place_granularity": view.place_granularity,
            "privacy_reviewed_at": _iso(entry.privacy_reviewed_at),
            "version": entry.version, "updated_at": _iso(entry.updated_at)}


def _refused(error: ServiceError, action: str | None = None,
             reference: str | None = None) -> tuple[Response, int]:
    db.session.rollback()
    if action:
        ctx().audit(action, outcome="denied", object_type="intel_entry",
                    object_ref=reference)
        entry_changes.alert_on_refusals(ctx(), g.staff.public_id)  # issue 11
        db.session.commit()
    matches = list(error.check.matches) if isinstance(error, ThematicBlocked) else []
    return _error(422, "refused", [str(r.value) for r in error.reasons], matches)


def _entry_or_404(reference: str) -> IntelEntry:
    try:
        return intel.get(ctx(), reference)
    except NotFound:
        abort(404)


@bp.route("/intel/entries")
@requires(Permission.INTEL_READ)
@describe(Operation("/intel/entries", "get", "Intelligence entries, newest first, a page at "
                    "a time (follow the Link header); filter with ?direction=own|incoming and "
                    "?kind=thematic|specific",
                    Permission.INTEL_READ, {"type": "array", "items": ENTRY_SUMMARY_SCHEMA},
                    errors=(400, 401, 403), paged=True))
def intel_entries() -> Any:
    direction = request.args.get("direction") or None
    kind = request.args.get("kind") or None
    if direction not in (None, "own", "incoming") or kind not in (None, "thematic",
                                                                  "specific"):
        return _error(400, "bad_request")
    page = intel.entries_page(ctx(), page_request(), direction=direction, kind=kind)
    return paged([_summary(e) for e in page.items], page, direction=direction, kind=kind)


@bp.route("/intel/entries/<reference>")
@requires(Permission.INTEL_READ)
@describe(Operation("/intel/entries/{reference}", "get", "One intelligence entry, decrypted",
                    Permission.INTEL_READ, ENTRY_SCHEMA, errors=(401, 403, 404)))
def intel_entry(reference: str) -> dict[str, Any]:
    return _full(_entry_or_404(reference))


@bp.route("/intel/entries", methods=["POST"])
@requires(Permission.INTEL_WRITE)
@describe(Operation("/intel/entries", "post", "Record intelligence from a source other than "
                    "a person we support; thematic entries are checked for identifying "
                    "content (422 with reasons and matches) and wait for a privacy review",
                    Permission.INTEL_WRITE, ENTRY_SCHEMA, request=ENTRY_INPUT_SCHEMA,
                    errors=(400, 401, 403, 422)))
def intel_create() -> Any:
    try:
        data = _entry_input(_body())
    except BadInput:
        return _error(400, "bad_request")
    try:
        entry = intel.create_other(ctx(), data)
    except ThematicBlocked as error:
        return _refused(error, "intel.thematic_blocked")
    except ServiceError as error:
        return _refused(error)
    db.session.commit()
    return _full(entry)


UPDATE_INPUT_SCHEMA: dict[str, Any] = {
    **ENTRY_INPUT_SCHEMA,
    "required": [r for r in ENTRY_INPUT_SCHEMA["required"] if r != "source_type"],
    "properties": {**ENTRY_INPUT_SCHEMA["properties"], "source_type": {
        **_enum(SourceType), "description": "fixed for entries from a person we support and "
                                            "for incoming ones: omit it or repeat it"}}}
PROPOSED_SCHEMA: dict[str, Any] = {"type": "object", "properties": {
    "status": {"type": "string", "enum": ["proposed"]}, "reference": {"type": "string"}}}


@bp.route("/intel/entries/<reference>", methods=["PUT"])
@requires(Permission.INTEL_WRITE)
@describe(Operation("/intel/entries/{reference}", "put", "Change an entry (the whole input "
                    "again; the source type cannot change). Each change is a new version. "
                    "For an entry from a person you may not read, the change waits for "
                    "that person's caseworker ({status: proposed}, the same answer whatever "
                    "it contains); otherwise a thematic entry is checked (422 with reasons "
                    "and matches)", Permission.INTEL_WRITE,
                    {"oneOf": [ENTRY_SCHEMA, PROPOSED_SCHEMA]}, request=UPDATE_INPUT_SCHEMA,
                    errors=(400, 401, 403, 404, 422)))
def intel_update(reference: str) -> Any:
    entry = _entry_or_404(reference)
    if entry.direction == "incoming" and not can(Role(g.staff.role), Permission.INTEL_INCOMING):
        return _error(403, "forbidden")
    fixed = SourceType(entry.source_type) if entry.direction == "incoming" or \
        entry.source_token else None
    try:
        body = _body()
        if fixed is not None and body.get("source_type", fixed.value) != fixed.value:
            raise BadInput()
        data = _entry_input(body, source_type=fixed)
    except BadInput:
        return _error(400, "bad_request")
    try:
        result = entry_changes.edit(ctx(), g.staff, entry, data)
    except ThematicBlocked as error:
        return _refused(error, "intel.thematic_blocked", reference)
    except ServiceError as error:
        return _refused(error)
    db.session.commit()
    if result.proposed:
        return {"status": "proposed", "reference": entry.reference}
    return _full(entry)


@bp.route("/intel/entries/<reference>/review", methods=["POST"])
@requires(Permission.INTEL_WRITE)
@describe(Operation("/intel/entries/{reference}/review", "post", "Confirm, as someone other "
                    "than the author, that a thematic entry identifies no one",
                    Permission.INTEL_WRITE, ENTRY_SUMMARY_SCHEMA,
                    errors=(401, 403, 404, 422)))
def intel_review(reference: str) -> Any:
    entry = _entry_or_404(reference)
    try:
        intel.review_privacy(ctx(), entry)
    except ServiceError as error:
        return _refused(error, "intel.privacy_review", reference)
    db.session.commit()
    return _summary(entry)


@bp.route("/intel/incoming", methods=["POST"])
@requires(Permission.INTEL_INCOMING)
@describe(Operation("/intel/incoming", "post", "Record intelligence the police shared with "
                    "us, with their grading; kept apart from our own entries",
                    Permission.INTEL_INCOMING, ENTRY_SCHEMA, request=INCOMING_INPUT_SCHEMA,
                    errors=(400, 401, 403, 422)))
def intel_incoming() -> Any:
    try:
        body = _body()
        received_from = _string(body, "received_from", max_length=64)
        data = _entry_input(body, source_type=SourceType.LAW_ENFORCEMENT,
                            extra=("received_from",))
    except BadInput:
        return _error(400, "bad_request")
    if "source_type" in body:
        return _error(400, "bad_request")
    try:
        entry = intel.create_incoming(ctx(), data, received_from=received_from)
    except ServiceError as error:
        return _refused(error)
    db.session.commit()
    return _full(entry)

