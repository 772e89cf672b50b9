"""The auditor's view of the audit trail: browse, filter and verify the chain."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import select

from casework.domain.roles import Permission
from casework.extensions import db
from casework.models import Staff
from casework.services import audit, paging
from casework.web import audit_labels
from casework.web.context import ctx, keys
from casework.web.forms import ConfirmForm
from casework.web.paging import page_request
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.timefmt import to_utc

bp = Blueprint("audit", __name__, url_prefix="/audit")


def _day(name: str, errors: list[str]) -> date | None:
    raw = (request.args.get(name) or "").strip()[:10]
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("This date does not exist: %(value)s", value=raw))
        return None


def _start_of(day: date) -> datetime:
    """Midnight of a local calendar day, as the naive UTC the trail stores."""
    return to_utc(datetime.combine(day, time.min))


@bp.route("/")
@requires(Permission.AUDIT_READ)
def index() -> tuple[str, int]:
    action = (request.args.get("action") or "")[:64] or None
    actor = (request.args.get("actor") or "")[:32] or None
    errors: list[str] = []
    since, until = _day("from", errors), _day("to", errors)
    if since and until and until < since:
        errors.append(_("The end of the range is before its start."))
    rows = paging.everything([]) if errors else audit.events_page(
        db.session, page_request(), action=action, actor=actor,
        since=_start_of(since) if since else None,
        until=_start_of(until + timedelta(days=1)) if until else None)
    # Issue 13.10: people, not ids: the staff names of the actors on this page.
    ids = {row.actor for row in rows.items if row.actor}
    names = {s.public_id: s.display_name for s in db.session.scalars(
        select(Staff).where(Staff.public_id.in_(ids)))} if ids else {}
    return render_template(
        "audit/index.html", rows=rows, action=action or "", actor=actor or "",
        since=since.isoformat() if since else "", until=until.isoformat() if until else "",
        errors=errors, names=names, choices=audit_labels.choices(audit.actions(db.session)),
        action_label=audit_labels.action_label, outcome_label=audit_labels.outcome_label,
        staff=list(db.session.scalars(select(Staff).order_by(Staff.display_name))),
        total=audit.count(db.session), form=ConfirmForm()), 400 if errors else 200


@bp.route("/verify", methods=["POST"])
@requires(Permission.AUDIT_READ)
def verify() -> str:
    report = audit.verify(db.session, keys())
    try:
        ctx().audit("audit.verify", outcome="ok" if report.ok else "broken")
        db.session.commit()
    except audit.AuditTrailBroken:
        # Rows past the head refuse every append; the report is what the auditor needs.
        db.session.rollback()
    return render_template("audit/verify.html", report=report)
