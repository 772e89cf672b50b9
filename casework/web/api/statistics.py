"""API: the protected statistics tables (issue 15, item 5), with the same small-cell
protection as the page: a suppressed count has no value, only how it is shown."""

from __future__ import annotations

from typing import Any

from flask import abort, request

from casework.domain.roles import Permission
from casework.domain.suppression import Period, Published, Shown
from casework.extensions import db
from casework.services import statistics as stats
from casework.web.api import bp
from casework.web.api.registry import Operation, describe
from casework.web.context import ctx
from casework.web.security import requires
from casework.web.statistics import _period, _report, period_code

CELL_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["shown", "value"],
    "properties": {"shown": {"enum": [s.value for s in Shown]},
                   "value": {"type": ["integer", "null"]}}}
SUMMARY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["k", "counted", "excluded", "generated_at", "tables", "periods"],
    "properties": {
        "k": {"type": "integer"}, "counted": {"type": "integer"},
        "excluded": {"type": "object", "required": ["refused", "not_asked"],
                     "properties": {"refused": {"type": "integer"},
                                    "not_asked": {"type": "integer"}}},
        "generated_at": {"type": "string", "format": "date-time"},
        "tables": {"type": "array", "items": {"type": "string"}},
        "periods": {"type": "object", "additionalProperties": {
            "type": "array", "items": {"type": "string"}}}}}
TABLE_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["table", "period", "k", "rows", "total"],
    "properties": {
        "table": {"type": "string"}, "period": {"type": "string"}, "k": {"type": "integer"},
        "rows": {"type": "array", "items": {
            "type": "object", "required": ["category", "count"],
            "properties": {"category": {"type": "string"}, "count": CELL_SCHEMA}}},
        "total": CELL_SCHEMA}}


def _cell(cell: Published) -> dict[str, Any]:
    # The value travels only when it may be shown (never the hidden count).
    return {"shown": cell.shown.value,
            "value": cell.value if cell.shown is Shown.VALUE else None}


def _seen(what: str) -> None:
    ctx().audit("statistics.api", outcome=what)
    db.session.commit()


@bp.route("/statistics")
@requires(Permission.STATISTICS_READ)
@describe(Operation("/statistics", "get",
                    "The protected statistics: k, who was counted and left out, the tables "
                    "and the periods each may be asked for (?period=)",
                    Permission.STATISTICS_READ, SUMMARY_SCHEMA))
def statistics_summary() -> dict[str, Any]:
    report = _report()
    _seen("summary")
    return {
        "k": report.k, "counted": report.counted_people,
        "excluded": {"refused": report.exclusions.refused,
                     "not_asked": report.exclusions.not_asked},
        "generated_at": report.generated_at.isoformat() + "Z",
        "tables": list(report.tables),
        "periods": {key: [period_code(p) for p in sorted(table.periods)]
                    for key, table in report.tables.items()},
    }


@bp.route("/statistics/<key>")
@requires(Permission.STATISTICS_READ)
@describe(Operation("/statistics/{key}", "get",
                    "One protected table for a period (?period=all, year-2026, "
                    "quarter-2026-1, month-2026-3; months and quarters only for "
                    "\"registered\")",
                    Permission.STATISTICS_READ, TABLE_SCHEMA, errors=(400, 401, 403, 404)))
def statistics_table(key: str) -> dict[str, Any]:
    report: stats.Report = _report()
    table = report.tables.get(key)
    if table is None:
        abort(404)
    period: Period = _period(request.args.get("period"))
    if period not in table.periods:
        abort(404)
    _seen("table")
    rows = [{"category": c, "count": _cell(table.cell(c, period))}
            for c in table.categories if c != "none" or len(table.categories) == 1]
    return {"table": key, "period": period_code(period), "k": report.k, "rows": rows,
            "total": _cell(table.total(period))}
