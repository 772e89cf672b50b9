"""API: the home page's blocks as ids, kinds, dates and states (issue 10).

Nothing beyond what the page shows: case codes only for people the caller may read, the
police unit's name for MoU deadlines, the on-call shifts' names for the director. The read
is audited by the access gate like every other GET (casework.web.security.gate).
"""

from __future__ import annotations

from typing import Any

from flask import g

from casework.domain.roles import Permission
from casework.services import dashboard
from casework.web.api import bp
from casework.web.api.registry import Operation, describe, utc_iso
from casework.web.context import ctx
from casework.web.security import requires

DATE_TIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
PERIOD = {"type": "object", "required": ["starts_at", "ends_at"],
          "properties": {"starts_at": DATE_TIME, "ends_at": DATE_TIME}}
DASHBOARD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["role", "on_duty", "counts", "tasks", "waiting", "drafts", "deadlines",
                 "coverage"],
    "properties": {
        "role": {"type": "string"},
        "on_duty": {"type": ["boolean", "null"]},
        "counts": {"type": "object", "required": ["tasks", "waiting", "unread"],
                   "properties": {k: {"type": "integer", "minimum": 0}
                                  for k in ("tasks", "waiting", "unread")}},
        "tasks": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "kind", "urgent", "overdue", "due", "escalation_level",
                         "acknowledged", "case_code", "ref"],
            "properties": {"id": {"type": "string"}, "kind": {"type": "string"},
                           "urgent": {"type": "boolean"}, "overdue": {"type": "boolean"},
                           "due": DATE_TIME, "escalation_level": {"type": "integer"},
                           "acknowledged": {"type": "boolean"}, "case_code": NULLABLE_TEXT,
                           "ref": NULLABLE_TEXT}}},
        "waiting": {"type": "array", "items": {
            "type": "object", "required": ["kind", "ref", "since", "due", "urgent"],
            "properties": {"kind": {"enum": ["disclosure_approval", "disclosure_cosign",
                                             "privacy_review", "clearance",
                                             "legal_consultation", "recall_notice",
                                             "grant"]},
                           "ref": {"type": "string"}, "since": NULLABLE_TIME,
                           "due": NULLABLE_TIME, "urgent": {"type": "boolean"}}}},
        "drafts": {"type": "array", "items": {
            "type": "object", "required": ["kind", "ref", "case_code", "updated"],
            "properties": {"kind": {"enum": ["disclosure", "interview"]},
                           "ref": {"type": "string"}, "case_code": NULLABLE_TEXT,
                           "updated": DATE_TIME}}},
        "deadlines": {"type": "array", "items": {
            "type": "object", "required": ["kind", "ref", "label", "due", "overdue"],
            "properties": {"kind": {"enum": ["safety_plan_review", "witness_review",
                                             "consent_expiry", "risk_expiry", "mou_review",
                                             "mou_expiry"]},
                           "ref": {"type": "string"}, "label": NULLABLE_TEXT, "due": DATE,
                           "overdue": {"type": "boolean"}}}},
        "coverage": {"oneOf": [{"type": "null"}, {
            "type": "object", "required": ["days", "gaps", "shifts"],
            "properties": {
                "days": {"type": "integer"},
                "gaps": {"type": "array", "items": PERIOD},
                "shifts": {"type": "array", "items": {
                    "type": "object", "required": ["starts_at", "ends_at", "name"],
                    "properties": {"starts_at": DATE_TIME, "ends_at": DATE_TIME,
                                   "name": {"type": "string"}}}}}}]},
    }}


@bp.route("/dashboard")
@requires(Permission.ACCOUNT)
@describe(Operation("/dashboard", "get",
                    "What must I do now: my tasks (urgent first), what waits for me, my "
                    "drafts, deadlines in the next 7 days and, for the director, the on-call "
                    "coverage of the next 14 days", Permission.ACCOUNT, DASHBOARD_SCHEMA))
def dashboard_read() -> dict[str, Any]:
    c = ctx()
    board = dashboard.build(c, g.staff)
    counts = dashboard.counters(c, g.staff)
    coverage = board.coverage
    return {
        "role": board.role, "on_duty": board.on_duty,
        "counts": {"tasks": counts.tasks, "waiting": counts.waiting, "unread": counts.unread},
        "tasks": [{"id": t.id, "kind": t.kind, "urgent": t.urgent, "overdue": t.overdue,
                   "due": utc_iso(t.due_at), "escalation_level": t.escalation_level,
                   "acknowledged": t.acknowledged, "case_code": t.case_code, "ref": t.ref}
                  for t in board.tasks],
        "waiting": [{"kind": w.kind, "ref": w.ref, "since": utc_iso(w.since),
                     "due": utc_iso(w.due_at), "urgent": w.urgent} for w in board.waiting],
        "drafts": [{"kind": d.kind, "ref": d.ref, "case_code": d.case_code,
                    "updated": utc_iso(d.updated_at)} for d in board.drafts],
        "deadlines": [{"kind": d.kind, "ref": d.ref, "label": d.label,
                       "due": d.due.isoformat(), "overdue": d.overdue}
                      for d in board.deadlines],
        "coverage": None if coverage is None else {
            "days": dashboard.COVERAGE_DAYS,
            "gaps": [{"starts_at": utc_iso(gap.starts_at), "ends_at": utc_iso(gap.ends_at)}
                     for gap in coverage.gaps],
            "shifts": [{"starts_at": utc_iso(s.starts_at), "ends_at": utc_iso(s.ends_at),
                        "name": s.staff_name} for s in coverage.shifts]},
    }
