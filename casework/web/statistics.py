"""De-identified statistics for the director and the legal adviser (issue 15).

Only protected aggregates reach these pages: every count below k reads "fewer than k",
and counts that would give one away are withheld (casework.domain.suppression). Charts are
SVG drawn on the server by pygal and served as images with their own narrow CSP, each with
its data table beside it for screen readers.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from casework.domain.roles import Permission
from casework.domain.suppression import Period, Shown
from casework.services import statistics as stats
from casework.web.context import ctx
from casework.web.messages_statistics import MEASURE_TITLES, category_label
from casework.web.security import requires
from casework.web.text import gettext as _

bp = Blueprint("statistics", __name__, url_prefix="/statistics")

_PERIOD = re.compile(r"^(all|year-(\d{4})|quarter-(\d{4})-([1-4])|month-(\d{4})-(\d{1,2}))$")
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)
CHARTED = ("outcome", "exploitation", "means", "gender", "age_band", "nationality_region",
           "services", "days_to_first_service", "case_status", "consents", "disclosures",
           "feedback")


def _period(raw: str | None) -> Period:
    match = _PERIOD.match(raw or "all")
    if not match:
        abort(400)
    if match.group(2):
        return ("year", int(match.group(2)))
    if match.group(3):
        return ("quarter", int(match.group(3)), int(match.group(4)))
    if match.group(5):
        if not 1 <= int(match.group(6)) <= 12:
            abort(400)
        return ("month", int(match.group(5)), int(match.group(6)))
    return ("all",)


def period_code(period: Period) -> str:
    return "-".join(str(part) for part in period)


def period_label(period: Period) -> str:
    if period[0] == "year":
        return str(period[1])
    if period[0] == "quarter":
        return _("Q%(quarter)s %(year)s", quarter=period[2], year=period[1])
    if period[0] == "month":
        return f"{int(period[2]):02d}.{period[1]}"  # type: ignore[call-overload]
    return _("Whole history")


def _shown(cell: Any, k: int) -> str:
    if cell.shown is Shown.VALUE:
        return str(cell.value)
    if cell.shown is Shown.FEWER_THAN_K:
        return _("fewer than %(k)s", k=k)
    return _("withheld")


def _report() -> stats.Report:
    settings = current_app.extensions["senim.settings"]
    return stats.cached_report(ctx(), k=settings.statistics_k)


def _rows(report: stats.Report, key: str, period: Period) -> dict[str, Any]:
    table = report.tables[key]
    if period not in table.periods:
        abort(404)
    rows = [{"label": category_label(key, c), "text": _shown(table.cell(c, period), report.k),
             "value": table.cell(c, period).value}
            for c in table.categories if c != "none" or len(table.categories) == 1]
    return {"key": key, "title": MEASURE_TITLES[key], "rows": rows,
            "total": _shown(table.total(period), report.k), "period": period}


@bp.route("/")
@requires(Permission.STATISTICS_READ)
def index() -> str:
    report = _report()
    period = _period(request.args.get("period"))
    registered = report.tables["registered"]
    years = sorted({p for p in report.tables["outcome"].periods if p[0] == "year"})
    choices = [("all",), *years]
    if period not in choices and period not in registered.periods:
        abort(404)
    series_granularity = request.args.get("by", "quarter")
    if series_granularity not in ("month", "quarter", "year"):
        abort(400)
    series = [{"label": period_label(p), "text": _shown(registered.total(p), report.k)}
              for p in sorted(q for q in registered.periods if q[0] == series_granularity)]
    tables = [_rows(report, key, period if period in choices else ("all",))
              for key in CHARTED]
    ctx().audit("statistics.view")
    from casework.extensions import db

    db.session.commit()
    return render_template(
        "statistics/index.html", report=report, period=period, period_code=period_code,
        period_label=period_label, choices=choices, tables=tables, series=series,
        by=series_granularity,
        export_k=current_app.extensions["senim.settings"].statistics_export_k)


@bp.route("/charts/<key>.svg")
@requires(Permission.STATISTICS_READ)
def chart(key: str) -> Response:
    import pygal

    if key not in CHARTED and key != "registered":
        abort(404)
    report = _report()
    if key == "registered":
        by = request.args.get("by", "quarter")
        if by not in ("month", "quarter", "year"):
            abort(400)
        table = report.tables["registered"]
        periods = sorted(p for p in table.periods if p[0] == by)
        graph = pygal.Line(**_style())
        graph.title = str(MEASURE_TITLES["registered"])
        graph.x_labels = [period_label(p) for p in periods]
        graph.add(str(MEASURE_TITLES["registered"]),
                  [table.total(p).value for p in periods])
    else:
        data = _rows(report, key, _period(request.args.get("period")))
        graph = pygal.HorizontalBar(**_style())
        graph.title = f"{data['title']}: {period_label(data['period'])}"
        for row in data["rows"]:
            # A suppressed count is drawn as nothing, never as a guess.
            graph.add(str(row["label"]), [row["value"]])
    # pygal writes its configuration as a script even with js=[]: an image never runs it,
    # and the policy below forbids it, but it is removed all the same.
    svg = _SCRIPT.sub("", graph.render(is_unicode=True))
    response = Response(svg, mimetype="image/svg+xml")
    # The chart is an image: its own styles, no script, nothing loaded from elsewhere.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; sandbox")
    response.headers["Cache-Control"] = "no-store"
    return response


def _style() -> dict[str, Any]:
    return {"js": [], "disable_xml_declaration": True, "width": 720, "height": 360,
            "print_values": False, "show_legend": True, "legend_at_bottom": True,
            "truncate_legend": 40, "no_data_text": _("Nothing to show")}


# The downloads register their routes on this blueprint.
from casework.web import statistics_exports  # noqa: E402,F401
