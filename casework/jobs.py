"""Scheduled jobs: plain functions that open an app context, call a service, commit once.

They take no arguments with content in them (APScheduler must never pickle secrets or
plaintext), and they are idempotent, so a job run twice does no harm.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from sqlalchemy import delete

from casework.extensions import db
from casework.logs import event
from casework.models import LoginAttempt
from casework.models.base import utcnow
from casework.services import audit, sessions

log = logging.getLogger("senim.jobs")


def _follow_keys(app: Flask) -> None:
    """A job is a unit of work: take up the current key versions first (issue 16)."""
    from casework.services import keystate

    keystate.follow(db.engines[None], app.extensions["senim.keys"], now=utcnow(),
                    role="scheduler")


def purge_sessions(app: Flask) -> int:
    """Delete sessions past their idle or absolute limit, and stale login attempts."""
    with app.app_context():
        _follow_keys(app)
        settings = app.extensions["senim.settings"]
        now = utcnow()
        removed = sessions.purge_expired(db.session, now=now, lifetimes=sessions.Lifetimes(
            idle=timedelta(seconds=settings.session_idle_seconds),
            absolute=timedelta(seconds=settings.session_absolute_seconds)))
        db.session.execute(delete(LoginAttempt).where(
            LoginAttempt.at < now - timedelta(seconds=settings.throttle_window_seconds * 2)))
        db.session.commit()
        event(log, "job.purge_sessions", removed=removed)
        return removed


def stop_expired_disclosures(app: Flask) -> int:
    """MoU expired or terminated: every open request to that unit stops (MOU-01, MOU-16)."""
    from casework.services import disclosures, download_gates
    from casework.services.context import Ctx

    with app.app_context():
        _follow_keys(app)
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job")
        stopped = disclosures.stop_for_expired_mous(ctx)
        # Issue 9: what was released under it is revoked or recalled as well.
        download_gates.after_mou_expiry(
            ctx, app.extensions["senim.settings"].instance_path / "packages")
        db.session.commit()
        event(log, "job.disclosures_stopped", count=stopped)
        return stopped


def reconcile_writes(app: Flask) -> int:
    """Settle two-database writes left undecided by a crash (issue 16.5)."""
    from casework.services import consistency

    with app.app_context():
        report = consistency.reconcile(db.session, now=utcnow(),  # type: ignore[arg-type]
                                       grace=timedelta(minutes=2))
        event(log, "job.writes_reconciled", settled=len(report.settled),
              deferred=len(report.deferred))
        return len(report.settled)


def verify_audit(app: Flask) -> bool:
    """Nightly check of the whole audit chain; a break is logged as an alarm."""
    with app.app_context():
        _follow_keys(app)
        report = audit.verify(db.session, app.extensions["senim.keys"])
        db.session.commit()
        if report.ok:
            event(log, "job.audit_verified", entries=report.checked)
        else:
            log.error("event=audit.chain_broken stream=%s first_broken_seq=%s reason=%s",
                      report.stream, report.first_broken_seq,
                      report.reason.value if report.reason else None)
        return report.ok


def seal_audit(app: Flask) -> str:
    """Periodically sign a root over every audit stream's head (issue 12.3): stored, and
    its hash logged so that a copy also leaves the server with the logs."""
    from casework.domain.audit_chain import parse_root
    from casework.services import audit_checkpoints

    with app.app_context():
        _follow_keys(app)
        note = parse_root(audit_checkpoints.make(db.session, app.extensions["senim.keys"],
                                                 now=utcnow()))
        db.session.commit()
        event(log, "job.audit_sealed", streams=len(note.heads),
              entries=sum(h.seq for h in note.heads), digest=note.digest)
        return note.digest


def review_coming_of_age(app: Flask) -> int:
    """Nightly: a person who turned 18 has each consent they gave as a child reviewed
    (a task), never silently treated as an adult's (rule 128)."""
    from casework.services import minors
    from casework.services.context import Ctx

    with app.app_context():
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job")
        created = minors.review_all(ctx)
        db.session.commit()
        event(log, "job.coming_of_age_reviews", count=created)
        return created


def apply_due_grants(app: Flask) -> int:
    """Single-administrator grants whose 24 hours passed unblocked take effect (issue 11)."""
    from casework.services import grants
    from casework.services.context import Ctx

    with app.app_context():
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job")
        applied = grants.apply_due(ctx)
        db.session.commit()
        event(log, "job.grants_applied", count=applied)
        return applied
