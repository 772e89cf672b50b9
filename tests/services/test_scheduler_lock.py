"""Two `senim run-scheduler` processes run each job once (issue 16): a cross-process lock
(PostgreSQL advisory lock; a file lock on SQLite) and idempotent jobs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from casework.scheduler import SchedulerLock
from tests.services.test_disclosure_rules import draft, make_world, submit
from tests.support import isolated_instance, service_ctx

ROOT = Path(__file__).resolve().parents[2]


def lock_for(app):
    from casework.extensions import db

    with app.app_context():
        return SchedulerLock(db.engines[None], app.instance_path)


def test_the_lock_has_one_holder_at_a_time(app):
    first, second = lock_for(app), lock_for(app)
    try:
        assert first.acquire(wait=False)
        assert first.held()
        assert not second.acquire(wait=False)
        assert not second.held()
        first.release()
        assert second.acquire(wait=False)
        assert not first.acquire(wait=False)
    finally:
        first.release()
        second.release()


@pytest.fixture
def inst(tmp_path):
    with isolated_instance(tmp_path) as application:
        yield application


def environment(app) -> dict[str, str]:
    settings = app.extensions["senim.settings"]
    return {**os.environ, "SENIM_ENV": "test", "SENIM_INSTANCE_PATH": str(app.instance_path),
            "SENIM_DATABASE_URL": settings.database_url,
            "SENIM_INTEL_DATABASE_URL": settings.intel_database_url,
            "SENIM_KEY_FILE": str(settings.key_file), "PYTHONUNBUFFERED": "1"}


def scheduler(app, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "senim", "run-scheduler", *args],
        cwd=ROOT, env=environment(app), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def stopped_events(app, reference):
    from casework.extensions import db
    from casework.models import AuditEvent

    with app.app_context():
        db.session.remove()
        return list(db.session.scalars(select(AuditEvent.seq).where(
            AuditEvent.action == "disclosure.stopped", AuditEvent.object_ref == reference)))


def open_request_under_a_terminated_mou(app) -> str:
    from casework.extensions import db
    from casework.services import mou_versions

    with app.app_context():
        ctx = service_ctx(app)
        world = make_world(app, ctx)
        request = draft(ctx, world)
        submit(ctx, world, request)
        row, _ = mou_versions.active(ctx, world.unit)
        mou_versions.terminate(ctx, row)
        db.session.commit()
        return str(request.reference)


def test_two_schedulers_started_at_once_run_each_job_once(inst):
    reference = open_request_under_a_terminated_mou(inst)
    processes = [scheduler(inst), scheduler(inst)]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                any(p.poll() is not None for p in processes)
                and stopped_events(inst, reference)):
            time.sleep(0.5)
        exited = [p for p in processes if p.poll() is not None]
        assert len(exited) == 1, "exactly one scheduler must stand down"
        assert exited[0].returncode == 3
        assert "another scheduler is running" in exited[0].communicate()[0]
        assert len(stopped_events(inst, reference)) == 1
    finally:
        for p in processes:
            if p.poll() is None:
                p.terminate()
            p.communicate(timeout=30)
    running = next(p for p in processes if p not in exited)
    assert running.returncode != 3
    assert len(stopped_events(inst, reference)) == 1
    # Issue 10.3: each interval job ran (and was recorded) exactly once, by one scheduler.
    from casework.extensions import db
    from casework.models import JobRun
    from casework.scheduler import JOBS

    with inst.app_context():
        db.session.remove()
        runs = [row.job for row in db.session.scalars(select(JobRun))]
    for job_id, _, trigger in JOBS:
        if isinstance(trigger, dict) and trigger["trigger"] == "interval":
            # Jobs every minute may have run a second time in this test's window; the
            # others ran at start only, by the one scheduler that holds the lock.
            assert 1 <= runs.count(job_id) <= (1 if trigger["minutes"] >= 5 else 3), job_id


def test_a_standby_waits_for_the_lock_then_runs(inst):
    reference = open_request_under_a_terminated_mou(inst)
    holder = lock_for(inst)
    assert holder.acquire(wait=False)
    try:
        refused = scheduler(inst, "--once")
        output, _ = refused.communicate(timeout=60)
        assert refused.returncode == 3 and "another scheduler is running" in output
        standby = scheduler(inst, "--once", "--wait")
        time.sleep(3)
        assert standby.poll() is None  # still waiting
        assert stopped_events(inst, reference) == []
    finally:
        holder.release()
    output, _ = standby.communicate(timeout=60)
    assert standby.returncode == 0, output
    assert "stop_expired_disclosures: 1" in output
    # Run again (after the other finished): the jobs are idempotent.
    again = scheduler(inst, "--once")
    output, _ = again.communicate(timeout=60)
    assert again.returncode == 0 and "stop_expired_disclosures: 0" in output
    assert len(stopped_events(inst, reference)) == 1


def test_the_stop_job_run_twice_at_once_audits_each_stop_once(inst):
    """Jobs are idempotent even without the lock (two processes on SQLite both read the
    open requests before either writes)."""
    import threading

    from casework import jobs

    reference = open_request_under_a_terminated_mou(inst)
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        barrier.wait()
        results.append(jobs.stop_expired_disclosures(inst))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == [0, 1]
    assert len(stopped_events(inst, reference)) == 1
