"""The job scheduler, started only by `flask --app wsgi senim run-scheduler`.

Never in create_app or wsgi.py: a forking server would start one scheduler per worker and
run every job several times. The in-memory job store is deliberate: a persistent store
would pickle job state into the database.

Only one scheduler runs jobs at a time, across processes and machines (issue 16): it holds
a lock for its whole life, a PostgreSQL advisory lock on the casework database (held by one
dedicated connection) or, on SQLite, an exclusive file lock in the instance folder. A
second scheduler waits for it or exits saying another is running. Before each job the lock
is checked again; a scheduler that lost it (its database connection dropped) stops.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from casework import jobs
from casework.config import Settings
from casework.logs import event

log = logging.getLogger("senim.scheduler")
# A fixed 64-bit key in PostgreSQL's advisory-lock space, named after what it guards.
ADVISORY_KEY = zlib.crc32(b"senim.run-scheduler")


class SchedulerLock:
    """One holder at a time; ``acquire(wait=False)`` says whether this process got it."""

    def __init__(self, engine: Engine, instance_path: str) -> None:
        self.engine = engine
        self.path = os.path.join(instance_path, "scheduler.lock")
        self._conn: Connection | None = None
        self._fd: int | None = None

    @property
    def postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def _try(self) -> bool:
        if self.postgres:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            if conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}):
                self._conn = conn
                return True
            conn.close()
            return False
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def acquire(self, *, wait: bool, poll_seconds: float = 5.0) -> bool:
        while True:
            if self._try():
                return True
            if not wait:
                return False
            time.sleep(poll_seconds)

    def held(self) -> bool:
        if self._fd is not None:
            return True
        if self._conn is None:
            return False
        try:
            return bool(self._conn.scalar(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND pid = pg_backend_pid() AND objid = :k"), {"k": ADVISORY_KEY}))
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(SQLAlchemyError):  # gone, and the lock with it
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            self._conn.close()
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


Trigger = dict[str, Any] | Callable[[Settings], dict[str, Any]]


def _daily_backup(settings: Settings) -> dict[str, Any]:
    return {"trigger": "cron", "hour": settings.backup_hour, "minute": 0,
            "timezone": settings.timezone}


def _monthly_check(settings: Settings) -> dict[str, Any]:
    """The first of the month, two hours after the night's backup."""
    return {"trigger": "cron", "day": 1, "hour": (settings.backup_hour + 2) % 24,
            "minute": 0, "timezone": settings.timezone}


JOBS: tuple[tuple[str, Callable[[Flask], Any], Trigger], ...] = (
    ("purge_sessions", jobs.purge_sessions, {"trigger": "interval", "minutes": 5}),
    ("stop_expired_disclosures", jobs.stop_expired_disclosures,
     {"trigger": "interval", "minutes": 15}),
    ("reconcile_writes", jobs.reconcile_writes, {"trigger": "interval", "minutes": 5}),
    ("apply_due_grants", jobs.apply_due_grants, {"trigger": "interval", "minutes": 5}),
    ("send_notifications", jobs.send_notifications, {"trigger": "interval", "minutes": 1}),
    ("verify_audit", jobs.verify_audit, {"trigger": "cron", "hour": 2, "minute": 30}),
    ("seal_audit", jobs.seal_audit, {"trigger": "interval", "minutes": 10}),
    ("review_coming_of_age", jobs.review_coming_of_age,
     {"trigger": "cron", "hour": 1, "minute": 15}),
    ("evaluate_duties", jobs.evaluate_duties, {"trigger": "interval", "minutes": 15}),
    ("backup_daily", jobs.backup_daily, _daily_backup),
    ("check_backup", jobs.check_backup, _monthly_check),
)
# Jobs that `--once` leaves out unless asked: they take minutes and write files.
HEAVY = frozenset({"backup_daily", "check_backup"})
# A job that crashed is retried after these delays, then left to its next regular run.
RETRY_SECONDS = (60, 300, 900)


def job_ids() -> list[str]:
    return [job_id for job_id, _, _ in JOBS]


def recorded(job_id: str, job: Callable[[Flask], Any], *, attempt: int = 1,
             retry: Callable[[str, Callable[[Flask], Any], int], None] | None = None,
             reraise: bool = False) -> Callable[[Flask], Any]:
    """Run ``job`` leaving a ``job_runs`` row (issue 10.3, 14.4): started, finished,
    outcome, counts. A crash is logged by its exception class only (a message could carry
    content) and handed to ``retry``; a job that ran and found a fault is "failed"."""
    def run(app: Flask) -> Any:
        from casework.extensions import db
        from casework.models.base import utcnow
        from casework.services import job_runs

        with app.app_context():
            engine = db.engines[None]
        run_id = job_runs.start(engine, job_id, now=utcnow(), attempt=attempt)
        try:
            result = job(app)
        except jobs.JobFailed as failure:
            job_runs.finish(engine, run_id, now=utcnow(), outcome="failed",
                            counts=failure.counts)
            event(log, "job.failed", job=job_id)
            return None
        except Exception as error:
            job_runs.finish(engine, run_id, now=utcnow(), outcome="error",
                            error=type(error).__name__)
            log.error("event=job.crashed job=%s attempt=%d error=%s", job_id, attempt,
                      type(error).__name__)
            if reraise:
                raise
            if retry is not None:
                retry(job_id, job, attempt + 1)
            return None
        outcome = "failed" if result is False else "ok"
        job_runs.finish(engine, run_id, now=utcnow(), outcome=outcome,
                        counts=job_runs.counts_of(result))
        return result
    return run


def _guarded(lock: SchedulerLock, job: Callable[[Flask], Any],
             stop: Callable[[], None]) -> Callable[[Flask], Any]:
    def run(app: Flask) -> Any:
        if not lock.held():
            event(log, "scheduler.lock_lost")
            stop()
            return None
        return job(app)
    return run


def build_scheduler(app: Flask, lock: SchedulerLock | None = None, *,
                    factory: Callable[..., BaseScheduler] = BlockingScheduler,
                    ) -> BaseScheduler:
    """Interval jobs also run once at start (what was missed while no scheduler ran)."""
    settings: Settings = app.extensions["senim.settings"]
    scheduler = factory(timezone="UTC")
    now = datetime.now(UTC)
    stop = functools.partial(_shutdown, scheduler)

    def wrap(function: Callable[[Flask], Any]) -> Callable[[Flask], Any]:
        return function if lock is None else _guarded(lock, function, stop)

    def retry(job_id: str, job: Callable[[Flask], Any], attempt: int) -> None:
        if attempt - 1 > len(RETRY_SECONDS):
            event(log, "job.retries_exhausted", job=job_id)
            return
        delay = RETRY_SECONDS[attempt - 2]
        scheduler.add_job(wrap(recorded(job_id, job, attempt=attempt, retry=retry)),
                          args=[app], id=f"{job_id}.retry", replace_existing=True,
                          trigger="date", run_date=datetime.now(UTC) + timedelta(
                              seconds=delay))

    for job_id, job, trigger_spec in JOBS:
        trigger = trigger_spec(settings) if callable(trigger_spec) else trigger_spec
        function = wrap(recorded(job_id, job, retry=retry))
        start = {"next_run_time": now} if trigger["trigger"] == "interval" else {}
        scheduler.add_job(function, args=[app], id=job_id, replace_existing=True,
                          max_instances=1, **trigger, **start)
    return scheduler


def _shutdown(scheduler: BaseScheduler) -> None:
    scheduler.shutdown(wait=False)


def run_once(app: Flask, *, only: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Jobs once, now, in order (``run-scheduler --once``: cron, tests, after repair):
    the ones named in ``only``, else all but the heavy ones (backup, restore check).
    Recorded like scheduled runs; a crash is raised, not retried."""
    chosen = [(job_id, job) for job_id, job, _ in JOBS
              if (job_id in only if only else job_id not in HEAVY)]
    return {job_id: recorded(job_id, job, reraise=True)(app) for job_id, job in chosen}
