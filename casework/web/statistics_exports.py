"""Statistics downloads (issue 15, item 4): the protected tables as CSV and XLSX, the
HTCDS 2.0 record-level k-anonymous release, and the `thb` MISP taxonomy.

Every download needs a fresh step-up and is audited (event name and format only). The
tables carry the text the page shows ("fewer than 5", "withheld"), never the hidden value.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Response, abort, current_app, request

from casework.domain import misp_taxonomy
from casework.domain.roles import Permission
from casework.domain.suppression import Period
from casework.extensions import db
from casework.services import statistics as stats
from casework.services import statistics_export
from casework.web.context import ctx
from casework.web.messages_statistics import MEASURE_TITLES
from casework.web.security import requires, step_up_required
from casework.web.statistics import (
    _period,
    _report,
    _rows,
    _shown,
    bp,
    period_code,
    period_label,
)
from casework.web.text import gettext as _
from casework.web.timefmt import format_datetime

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tables_period(report: stats.Report, period: Period) -> Period:
    """Category tables exist for years and the whole history (as on the page)."""
    years = {p for p in report.tables["outcome"].periods if p[0] == "year"}
    if period != ("all",) and period not in years and \
            period not in report.tables["registered"].periods:
        abort(404)
    return period if period == ("all",) or period in years else ("all",)


def summary_lines(report: stats.Report, period: Period) -> list[str]:
    """The header every aggregate export starts with: period, k and exclusions."""
    return [
        _("Senim de-identified statistics"),
        _("Period: %(period)s", period=period_label(period)),
        _("Counts below %(k)s are shown as “fewer than %(k)s”; counts that would let "
          "someone work a small count out are withheld.", k=report.k),
        _("Counted: %(counted)s people who agreed. Not counted: %(refused)s who refused "
          "and %(not_asked)s who were not asked yet.", counted=report.counted_people,
          refused=report.exclusions.refused, not_asked=report.exclusions.not_asked),
        _("Generated: %(at)s", at=format_datetime(report.generated_at, label=True)),
    ]


def aggregate_rows(report: stats.Report, period: Period) -> list[tuple[str, str, str]]:
    """(table, category, shown count) for the period, then the registration series."""
    tables_period = _tables_period(report, period)
    out: list[tuple[str, str, str]] = []
    for key in report.tables:
        if key == "registered":
            continue
        data = _rows(report, key, tables_period)
        title = f"{data['title']} ({period_label(tables_period)})"
        out.extend((title, str(row["label"]), row["text"]) for row in data["rows"])
        out.append((title, _("Total"), data["total"]))
    registered = report.tables["registered"]
    for granularity in ("year", "quarter", "month"):
        for p in sorted(q for q in registered.periods if q[0] == granularity):
            out.append((str(MEASURE_TITLES["registered"]), period_label(p),
                        _shown(registered.total(p), report.k)))
    return out


def _download(body: bytes, mimetype: str, name: str, what: str) -> Response:
    ctx().audit("statistics.export", outcome=what)
    db.session.commit()
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_bytes(report: stats.Report, period: Period) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in summary_lines(report, period):
        writer.writerow(["#", line])
    writer.writerow([_("Table"), _("Category"), _("Count")])
    writer.writerows(aggregate_rows(report, period))
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets read Cyrillic


def xlsx_bytes(report: stats.Report, period: Period) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Statistics")[:31]
    for line in summary_lines(report, period):
        sheet.append([line])
    sheet.append([])
    sheet.append([_("Table"), _("Category"), _("Count")])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for row in aggregate_rows(report, period):
        # Counts are text: "fewer than 5" must not become a number a formula can use.
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 40
    sheet.column_dimensions["C"].width = 18
    book.properties.creator = "Senim"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@bp.route("/export.csv")
@requires(Permission.STATISTICS_READ)
@step_up_required
def export_csv() -> Response:
    report = _report()
    period = _period(request.args.get("period"))
    body = csv_bytes(report, period)
    return _download(body, "text/csv", f"senim-statistics-{period_code(period)}.csv", "csv")


@bp.route("/export.xlsx")
@requires(Permission.STATISTICS_READ)
@step_up_required
def export_xlsx() -> Response:
    report = _report()
    period = _period(request.args.get("period"))
    body = xlsx_bytes(report, period)
    return _download(body, XLSX, f"senim-statistics-{period_code(period)}.xlsx", "xlsx")


def htcds_bytes(export: statistics_export.HtcdsExport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in (
        _("HTCDS 2.0 / CTDC de-identified records (Senim)"),
        _("k-anonymity: k = %(k)s over gender, ageBroad, majorityStatus, citizenshipRegion "
          "and yearOfRegistration", k=export.k),
        _("People who agreed: %(considered)s; records generalised: %(generalised)s "
          "(%(fields)s); records left out: %(suppressed)s", considered=export.considered,
          generalised=export.generalised,
          fields=", ".join(export.generalised_fields) or "-", suppressed=export.suppressed),
        _("Not counted: %(refused)s who refused and %(not_asked)s who were not asked yet.",
          refused=export.excluded_refused, not_asked=export.excluded_not_asked),
    ):
        writer.writerow(["#", line])
    writer.writerow(export.columns)
    writer.writerows([row[c] for c in export.columns] for row in export.rows)
    return out.getvalue().encode("utf-8")


@bp.route("/export-htcds.csv")
@requires(Permission.STATISTICS_READ)
@step_up_required
def export_htcds() -> Response:
    settings = current_app.extensions["senim.settings"]
    export = statistics_export.htcds(ctx(), k=settings.statistics_export_k)
    response = _download(htcds_bytes(export), "text/csv", "senim-htcds.csv", "htcds")
    response.headers["X-Senim-Records"] = str(len(export.rows))
    response.headers["X-Senim-Generalised"] = str(export.generalised)
    response.headers["X-Senim-Suppressed"] = str(export.suppressed)
    return response


@bp.route("/misp-taxonomy.json")
@requires(Permission.STATISTICS_READ)
@step_up_required
def export_misp() -> Response:
    body = json.dumps(misp_taxonomy.build(), ensure_ascii=False, indent=2).encode("utf-8")
    return _download(body, "application/json", "machinetag.json", "misp_taxonomy")

