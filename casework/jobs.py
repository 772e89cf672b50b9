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


class JobFailed(Exception):  # noqa: N818 - an outcome to record, not a crash to retry
    """The job ran and found something wrong (a backup that fails its check): recorded as
    failed with its counts, not retried."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__("job failed its check")
        self.counts = counts


def backup_daily(app: Flask) -> dict[str, int]:
    """The daily age-encrypted backup into the backup folder; the newest N are kept."""
    from casework.services import backup, oplock, scheduled_backups
    from casework.services.context import Ctx

    with app.app_context():
        _follow_keys(app)
        settings = app.extensions["senim.settings"]
        now = utcnow()
        with oplock.exclusive(db.engines[None], "backup", folder=settings.instance_path):
            taken = scheduled_backups.take(
                settings, app.extensions["senim.keys"],
                [backup.DatabaseTarget("casework", db.engines[None]),
                 backup.DatabaseTarget("intel", db.engines["intel"])], now=now)
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=now, request_id="job")
        ctx.audit("system.backup", object_type="backup", object_ref=taken.path.name[:64])
        db.session.commit()
        event(log, "job.backup_written", attachments=taken.attachments,
              removed=taken.removed, kept=taken.kept)
        return {"written": 1, "attachments": taken.attachments, "files": taken.files,
                "removed": taken.removed, "kept": taken.kept}


def check_backup(app: Flask) -> dict[str, int]:
    """Monthly: restore the newest backup into a scratch copy and check all of it."""
    from casework import cli_restore
    from casework.services import backup, oplock, scheduled_backups
    from casework.services.context import Ctx

    with app.app_context():
        _follow_keys(app)
        settings = app.extensions["senim.settings"]
        newest = scheduled_backups.latest(settings.backups_path)
        if newest is None:
            event(log, "job.backup_check_nothing")
            raise JobFailed({"backups": 0})
        with oplock.exclusive(db.engines[None], "restore", folder=settings.instance_path):
            try:
                report = cli_restore.check_backup(
                    newest, scheduled_backups.check_identity_text(settings))
            except backup.BackupError:  # does not open: damaged, or not ours
                event(log, "job.backup_check_unreadable")
                raise JobFailed({"unreadable": 1}) from None
        counts = {"persons_ok": report.persons_ok, "attachments_ok": report.attachments_ok,
                  "intel_ok": report.intel_ok, "packages_ok": report.packages_ok,
                  "failures": report.failures, "audit_ok": int(report.audit_ok)}
        passed = report.failures == 0 and report.audit_ok
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job")
        ctx.audit("system.backup_checked", object_type="backup",
                  object_ref=newest.name[:64], outcome="ok" if passed else "failed")
        db.session.commit()
        event(log, "job.backup_checked", outcome="ok" if passed else "failed",
              failures=report.failures)
        if not passed:
            raise JobFailed(counts)
        return counts


def evaluate_duties(app: Flask) -> dict[str, int]:
    """Every 15 minutes: the duty catalogue's conditions become tasks (once), tasks nobody
    acknowledged escalate, tasks whose condition went away close (issue 10)."""
    from casework.services import duties
    from casework.services.context import Ctx

    with app.app_context():
        _follow_keys(app)
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job")
        counts = duties.evaluate(ctx).as_dict()
        db.session.commit()
        event(log, "job.duties_evaluated", **counts)
        return counts


def send_notifications(app: Flask) -> dict[str, int]:
    """Every minute: urgent messages at once, the day's digests after the digest hour, with
    retries (issue 10). Content-free; claims are committed before sending, so a second
    scheduler or a repeated run sends nothing twice."""
    from casework.services import outbox
    from casework.services.context import Ctx
    from casework.web.channel_messages import composer

    with app.app_context():
        sender = app.extensions.get("senim.sender")
        settings = app.extensions["senim.settings"]
        if sender is None:
            return {}
        _follow_keys(app)
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(),
                  request_id="job", actor="scheduler")
        counts = outbox.send_due(
            ctx, sender, composer(settings.public_url or ""),
            digest_hour=settings.notify_digest_hour, timezone=settings.timezone,
            default_language=settings.default_language, commit=db.session.commit)
        db.session.commit()
        event(log, "job.notifications_sent", **counts)
        return counts
