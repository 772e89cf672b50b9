"""API: staff list for the director; audit trail and verification for the auditor."""

from __future__ import annotations

from flask import request

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import accounts, audit
from casework.web.api import bp
from casework.web.api.account import STAFF_SCHEMA, staff_json
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx, keys
from casework.web.security import requires

EVENT_SCHEMA = {"type": "object", "properties": {
    "id": {"type": "integer"}, "stream": {"type": "integer"}, "seq": {"type": "integer"},
    "at": {"type": "string", "format": "date-time"},
    "actor": {"type": ["string", "null"]}, "action": {"type": "string"},
    "object_type": {"type": ["string", "null"]}, "object_ref": {"type": ["string", "null"]},
    "outcome": {"type": "string"}, "request_id": {"type": ["string", "null"]}}}


@bp.route("/staff")
@requires(Permission.STAFF_MANAGE)
@describe(Operation("/staff", "get", "All staff accounts", Permission.STAFF_MANAGE,
                    {"type": "array", "items": STAFF_SCHEMA}))
def staff() -> list[dict[str, object]]:
    return [staff_json(s) for s in accounts.list_staff(ctx())]


@bp.route("/audit/events")
@requires(Permission.AUDIT_READ)
@describe(Operation("/audit/events", "get", "Audit events, newest first (50 per page; "
                    "pass ?before=ID for the next page)", Permission.AUDIT_READ,
                    {"type": "array", "items": EVENT_SCHEMA}))
def audit_events() -> list[dict[str, object]]:
    rows = audit.page(db.session, before_seq=request.args.get("before", type=int))
    return [{"id": r.id, "stream": r.stream, "seq": r.seq, "at": r.at.isoformat() + "Z",
             "actor": r.actor, "action": r.action, "object_type": r.object_type,
             "object_ref": r.object_ref, "outcome": r.outcome, "request_id": r.request_id}
            for r in rows]


@bp.route("/audit/verify", methods=["POST"])
@requires(Permission.AUDIT_READ)
@describe(Operation("/audit/verify", "post", "Verify the whole audit chain",
                    Permission.AUDIT_READ, {"type": "object", "properties": {
                        "ok": {"type": "boolean"}, "checked": {"type": "integer"},
                        "first_broken_seq": {"type": ["integer", "null"]},
                        "stream": {"type": "integer"},
                        "reason": {"type": ["string", "null"]}}}))
def audit_verify() -> dict[str, object]:
    report = audit.verify(db.session, keys())
    try:
        ctx().audit("audit.verify", outcome="ok" if report.ok else "broken")
        db.session.commit()
    except audit.AuditTrailBroken:
        # Rows past the head refuse every append; the report is what the auditor needs.
        db.session.rollback()
    return {"ok": report.ok, "checked": report.checked,
            "first_broken_seq": report.first_broken_seq, "stream": report.stream,
            "reason": report.reason.value if report.reason else None}
