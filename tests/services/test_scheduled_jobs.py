"""Scheduled jobs leave records and scheduled backups are verified (issue 10.3, 14.4).

The daily backup lands in the backup folder encrypted to the offline key and the server's
check key, the newest N are kept; the monthly check restores the newest into a scratch
copy, finds every record decrypting and the audit chain intact, and says so; a damaged
backup or none at all is a failed run; a crash is recorded by class name and retried.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pyrage
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from freezegun import freeze_time
from sqlalchemy import func, select

from casework import jobs, scheduler
from casework.extensions import db
from casework.models import AuditEvent, JobRun, Person
from casework.services import backup, persons, scheduled_backups
from tests.support import find_in, isolated_instance, make_staff, service_ctx

CANARY = f"CANARYJOB{uuid.uuid4().hex[:10]}"


@pytest.fixture
def inst(tmp_path):
    with isolated_instance(tmp_path / "inst", backup_keep=2) as app:
        yield app


def _populate(app, count: int = 3) -> None:
    make_staff(app, "director")
    with app.app_context():
        ctx = service_ctx(app)
        for n in range(count):
            persons.register(ctx, names=[f"Айгүл {CANARY}{n}"], date_of_birth="17.05.1990",
                             phones=[f"8701555{n:04d}"])
        db.session.commit()


def _runs(app, job: str) -> list[JobRun]:
    with app.app_context():
        db.session.remove()
        rows = list(db.session.scalars(select(JobRun).where(JobRun.job == job)
                                       .order_by(JobRun.id)))
        db.session.expunge_all()
        return rows


def test_daily_backup_is_written_recorded_and_pruned_to_the_newest_n(inst):
    _populate(inst)
    settings = inst.extensions["senim.settings"]
    for day in (1, 2, 3):
        with freeze_time(datetime(2026, 12, day, 1, 0)):
            result = scheduler.run_once(inst, only=frozenset({"backup_daily"}))
        assert result["backup_daily"]["written"] == 1
    names = [p.name for p in scheduled_backups.listing(settings.backups_path)]
    assert names == ["senim-20261202T010000Z.age", "senim-20261203T010000Z.age"]
    newest = settings.backups_path / names[-1]
    assert oct(newest.stat().st_mode & 0o777) == "0o600"
    assert not find_in(newest.read_bytes(), CANARY)
    # Both recipients open it: the offline key (here the development identity) and the
    # server's check identity; nothing else does.
    for identity_file in (settings.backup_identity_file, settings.backup_check_identity_file):
        manifest, _ = backup.open_backup(newest, identity_file.read_text())
        assert set(manifest["databases"]) == {"casework", "intel"}
        assert not any(name.startswith("backups/") for name in manifest["files"])
    with pytest.raises(backup.BackupError):
        backup.open_backup(newest, str(pyrage.x25519.Identity.generate()))
    runs = _runs(inst, "backup_daily")
    assert [r.outcome for r in runs] == ["ok", "ok", "ok"]
    assert '"removed": 1' in (runs[-1].counts or "")
    with inst.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "system.backup")) == 3


def test_an_interrupted_backup_leaves_no_backup_and_its_part_file_is_cleared(inst):
    _populate(inst, 1)
    folder = inst.extensions["senim.settings"].backups_path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "senim-20261201T010000Z.age.part").write_bytes(b"half")
    scheduler.run_once(inst, only=frozenset({"backup_daily"}))
    assert not list(folder.glob("*.part"))
    assert len(scheduled_backups.listing(folder)) == 1


def test_monthly_check_restores_the_newest_backup_into_scratch_and_verifies(inst, caplog):
    _populate(inst)
    scheduler.run_once(inst, only=frozenset({"backup_daily"}))
    settings = inst.extensions["senim.settings"]
    with caplog.at_level(logging.DEBUG):
        result = scheduler.run_once(inst, only=frozenset({"check_backup"}))
    counts = result["check_backup"]
    assert counts["persons_ok"] == 3 and counts["failures"] == 0 and counts["audit_ok"] == 1
    assert [r.outcome for r in _runs(inst, "check_backup")] == ["ok"]
    # The live instance was never touched: no restore marker, the scratch copy is gone,
    # and the people are still there.
    assert not settings.restore_marker_file.exists()
    assert not (settings.instance_path / scheduled_backups.SCRATCH).exists()
    with inst.app_context():
        assert db.session.scalar(select(func.count()).select_from(Person)) == 3
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "system.backup_checked",
            AuditEvent.outcome == "ok")) == 1
    assert CANARY not in caplog.text


def test_a_damaged_backup_fails_its_check_and_says_so(inst):
    _populate(inst, 1)
    scheduler.run_once(inst, only=frozenset({"backup_daily"}))
    newest = scheduled_backups.latest(inst.extensions["senim.settings"].backups_path)
    assert newest is not None
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF
    newest.write_bytes(bytes(data))
    assert scheduler.run_once(inst, only=frozenset({"check_backup"}))["check_backup"] is None
    run = _runs(inst, "check_backup")[-1]
    assert run.outcome == "failed" and '"unreadable": 1' in (run.counts or "")


def test_no_backup_at_all_is_a_failed_check(inst):
    _populate(inst, 1)
    scheduler.run_once(inst, only=frozenset({"check_backup"}))
    run = _runs(inst, "check_backup")[-1]
    assert run.outcome == "failed" and '"backups": 0' in (run.counts or "")


def test_a_crash_is_recorded_by_class_only_and_retried(inst, caplog):
    retried: list[tuple[str, int]] = []

    def crashing(app):
        raise RuntimeError(f"secret {CANARY}")

    job = scheduler.recorded("reconcile_writes", crashing,
                             retry=lambda job_id, _job, attempt: retried.append(
                                 (job_id, attempt)))
    with caplog.at_level(logging.DEBUG):
        assert job(inst) is None
    run = _runs(inst, "reconcile_writes")[-1]
    assert run.outcome == "error" and run.error == "RuntimeError" and run.finished_at
    assert retried == [("reconcile_writes", 2)]
    assert CANARY not in caplog.text and "job.crashed" in caplog.text


def test_the_scheduler_retries_a_crashed_job_after_1_5_15_minutes_then_waits(inst,
                                                                            monkeypatch):
    calls = []

    def crashing(app):
        calls.append(1)
        raise RuntimeError("boom")

    monkeypatch.setattr(scheduler, "JOBS", (("flaky", crashing, {
        "trigger": "interval", "minutes": 5}),))
    sched = scheduler.build_scheduler(inst, factory=BackgroundScheduler)
    sched.start(paused=True)  # jobs are kept and replaced as when running, but not run
    minutes = []
    try:
        job = sched.get_job("flaky")
        for _ in range(5):
            crashed_at = datetime.now(UTC)
            job.func(inst)
            job = sched.get_job("flaky.retry")
            minutes.append(round((job.trigger.run_date - crashed_at).total_seconds() / 60))
    finally:
        sched.shutdown(wait=False)
    # Attempts 2, 3 and 4 were scheduled 1, 5 and 15 minutes after each crash; after the
    # fourth attempt crashed nothing more was scheduled (the last retry stays the one seen).
    assert minutes[:3] == [1, 5, 15]
    assert minutes[3] <= 15 and minutes[4] <= 15
    assert len(calls) == 5
    assert [r.attempt for r in _runs(inst, "flaky")] == [1, 2, 3, 4, 4]


def test_a_verify_audit_that_finds_a_break_is_a_failed_run(inst):
    scheduler.recorded("verify_audit", lambda app: False)(inst)
    assert _runs(inst, "verify_audit")[-1].outcome == "failed"


def test_daily_and_monthly_triggers_follow_the_settings(inst):
    settings = inst.extensions["senim.settings"].replace(backup_hour=3)
    assert scheduler._daily_backup(settings)["hour"] == 3
    assert scheduler._monthly_check(settings) == {
        "trigger": "cron", "day": 1, "hour": 5, "minute": 0,
        "timezone": settings.timezone}


def test_run_once_without_names_leaves_out_the_heavy_jobs(inst):
    result = scheduler.run_once(inst)
    assert "backup_daily" not in result and "check_backup" not in result
    assert "purge_sessions" in result


def test_counts_keep_integers_only():
    from casework.services.job_runs import counts_of

    assert counts_of(5) == {"count": 5}
    assert counts_of(True) == {"count": 1}
    assert counts_of({"a": 1, "b": "text", "c": 2.5}) == {"a": 1}
    assert counts_of("text") == {}


def test_job_failed_carries_counts_only():
    failure = jobs.JobFailed({"failures": 2})
    assert failure.counts == {"failures": 2} and CANARY not in str(failure)
    assert timedelta(seconds=scheduler.RETRY_SECONDS[-1]) == timedelta(minutes=15)
