"""The director's organisation pages: protected addresses and the scheduled jobs.

Protected addresses (shelters, offices): police meetings are refused at any of these
(rule 106). The addresses are encrypted under the organisation's own key and shown,
decrypted, only here, to the director.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from casework import scheduler
from casework.domain.roles import Permission
from casework.extensions import db
from casework.services import job_runs, meetings, scheduled_backups
from casework.web.context import ctx
from casework.web.forms_consent import ProtectedAddressForm
from casework.web.security import requires
from casework.web.text import gettext as _
from casework.web.text import lazy_gettext as _l

bp = Blueprint("organisation", __name__, url_prefix="/organisation")


@bp.route("/addresses", methods=["GET", "POST"])
@requires(Permission.ORGANISATION_MANAGE)
def addresses() -> Response | tuple[str, int]:
    form = ProtectedAddressForm()
    if form.validate_on_submit():
        meetings.add_protected_address(ctx(), label=form.label.data or "",
                                       address=form.address.data or "")
        db.session.commit()
        flash(_("The address was added. Meetings with police can no longer be arranged "
                "there."), "success")
        return redirect(url_for("organisation.addresses"))
    rows = meetings.protected_addresses(ctx())
    db.session.commit()  # the organisation's key may have been created on first use
    return render_template("organisation/addresses.html", rows=rows, form=form), \
        422 if form.errors else 200


JOB_LABELS = {
    "purge_sessions": _l("End expired sessions"),
    "stop_expired_disclosures": _l("Stop disclosures under expired memoranda"),
    "reconcile_writes": _l("Settle interrupted two-database writes"),
    "apply_due_grants": _l("Apply privilege grants whose waiting time passed"),
    "verify_audit": _l("Verify the audit trail"),
    "review_coming_of_age": _l("Review consents of people who turned 18"),
    "backup_daily": _l("Daily encrypted backup"),
    "check_backup": _l("Monthly restore check of the newest backup"),
    "evaluate_duties": _l("Deadlines, reminders and escalations"),
    "send_notifications": _l("Send notifications by email"),
    "seal_audit": _l("Sign the audit trail's stream heads"),
}
OUTCOME_LABELS = {"running": _l("running"), "ok": _l("succeeded"), "failed": _l("failed"),
                  "error": _l("crashed (retried)")}
COUNT_LABELS = {
    "count": _l("items"), "written": _l("backups written"), "removed": _l("old backups removed"),
    "kept": _l("backups kept"), "attachments": _l("attachments"), "files": _l("files"),
    "persons_ok": _l("people decrypt"), "attachments_ok": _l("attachments decrypt"),
    "intel_ok": _l("intelligence entries decrypt"), "packages_ok": _l("packages intact"),
    "failures": _l("failures"), "audit_ok": _l("audit trail verifies (1 = yes)"),
    "backups": _l("backups found"),
}
RUNS_PER_PAGE = 50


@bp.route("/jobs")
@requires(Permission.ORGANISATION_MANAGE)
def jobs() -> str:
    """The director's "scheduled jobs" page: each job's last run and last success, the
    backups kept, and the latest runs (issue 10 item 3, issue 14 item 4)."""
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before < 2**31:
        abort(400)
    settings = current_app.extensions["senim.settings"]
    summaries = job_runs.summaries(db.session, scheduler.job_ids())
    runs = job_runs.recent(db.session, limit=RUNS_PER_PAGE, before=before)
    backups = scheduled_backups.listing(settings.backups_path)
    newest = backups[-1] if backups else None
    return render_template(
        "organisation/jobs.html", summaries=summaries, runs=runs,
        counts=job_runs.decoded_counts, labels=JOB_LABELS, outcomes=OUTCOME_LABELS,
        count_labels=COUNT_LABELS, backups=len(backups), keep=settings.backup_keep,
        newest=newest, newest_size=newest.stat().st_size if newest else 0,
        newest_at=_taken_at(newest) if newest else None,
        older=runs[-1].id if len(runs) == RUNS_PER_PAGE else None)


def _taken_at(path: Path) -> datetime | None:
    match = scheduled_backups.NAME.match(path.name)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ") if match else None
