"""API: who is on call now, my open tasks, and the MoU in force with each police unit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from casework.domain.roles import Permission
from casework.services import mou_versions, police_units, roster
from casework.web.api import bp
from casework.web.api.paging import paged
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.security import requires
from casework.web.tasks import TASK_LABELS, my_tasks_page

DATE_TIME = {"type": "string", "format": "date-time"}
ON_DUTY_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["at", "on_duty", "gaps"],
    "properties": {
        "at": DATE_TIME,
        "on_duty": {"type": "array", "items": {
            "type": "object", "required": ["id", "name", "designation"],
            "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                           "designation": {"enum": ["liaison", "deputy"]}}}},
        "gaps": {"type": "array", "items": {
            "type": "object", "required": ["starts_at", "ends_at"],
            "properties": {"starts_at": DATE_TIME, "ends_at": DATE_TIME}}},
    }}
TASK_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["id", "kind", "urgent", "due", "case_code"],
    "properties": {"id": {"type": "string"}, "kind": {"enum": sorted(TASK_LABELS)},
                   "urgent": {"type": "boolean"}, "due": DATE_TIME,
                   "case_code": {"type": ["string", "null"]}}}
ACTIVE_MOU_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["unit", "unit_name", "mou"],
    "properties": {
        "unit": {"type": "string"}, "unit_name": {"type": "string"},
        "mou": {"type": ["object", "null"], "required": ["id", "code", "version",
                                                         "expires_on"],
                "properties": {"id": {"type": "string"}, "code": {"type": "string"},
                               "version": {"type": "integer"},
                               "expires_on": {"type": "string", "format": "date"}}}}}


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


@bp.route("/roster/on-duty")
@requires(Permission.DISCLOSURE_REVIEW)
@describe(Operation("/roster/on-duty", "get",
                    "Who is on call now, and the hours nobody covers in the next 14 days",
                    Permission.DISCLOSURE_REVIEW, ON_DUTY_SCHEMA))
def roster_on_duty() -> dict[str, Any]:
    c = ctx()
    kinds = {d.staff_id: d.kind for d, _s in roster.designations(c)}
    return {"at": _utc(c.now),
            "on_duty": [{"id": s.public_id, "name": s.display_name,
                         "designation": kinds.get(s.id, "deputy")} for s in roster.on_duty(c)],
            "gaps": [{"starts_at": _utc(g.starts_at), "ends_at": _utc(g.ends_at)}
                     for g in roster.coverage_gaps(c)]}


@bp.route("/tasks")
@requires(Permission.TASKS)
@describe(Operation("/tasks", "get",
                    "My open tasks (about the people assigned to me, or my role's "
                    "duties), urgent first",
                    Permission.TASKS, {"type": "array", "items": TASK_SCHEMA}, paged=True))
def tasks_list() -> Response:
    page = my_tasks_page()
    return paged([{"id": t.public_id, "kind": t.kind, "urgent": bool(t.urgent),
                   "due": _utc(t.due_at), "case_code": p.case_code if p else None}
                   for t, p in page.items],
                 page)


@bp.route("/mou/active")
@requires(Permission.DISCLOSURE_REVIEW)
@describe(Operation("/mou/active", "get", "The MoU version in force with each police unit",
                    Permission.DISCLOSURE_REVIEW,
                    {"type": "array", "items": ACTIVE_MOU_SCHEMA}))
def mou_active() -> list[dict[str, Any]]:
    c = ctx()
    out = []
    for unit in police_units.all_units(c):
        active = mou_versions.active(c, unit)
        out.append({"unit": unit.public_id, "unit_name": unit.name, "mou": {
            "id": active[0].public_id, "code": active[0].mou_code,
            "version": active[0].version, "expires_on": active[1].expires_on.isoformat()}
            if active else None})
    return out
