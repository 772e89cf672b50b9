"""The auditor's view of the audit trail: browse, filter and verify the chain."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import audit
from casework.web.context import ctx, keys
from casework.web.forms import ConfirmForm
from casework.web.paging import page_request
from casework.web.security import requires

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@requires(Permission.AUDIT_READ)
def index() -> str:
    action = (request.args.get("action") or "")[:64] or None
    actor = (request.args.get("actor") or "")[:32] or None
    rows = audit.events_page(db.session, page_request(), action=action, actor=actor)
    return render_template("audit/index.html", rows=rows, action=action or "",
                           actor=actor or "", total=audit.count(db.session), form=ConfirmForm())


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
