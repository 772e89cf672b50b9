"""The job scheduler, started only by `flask --app wsgi senim run-scheduler`.

Never in create_app or wsgi.py: a forking server would start one scheduler per worker and
run every job several times. The in-memory job store is deliberate: a persistent store
would pickle job state into the database.
"""

from __future__ import annotations

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from casework import jobs


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone="UTC")
    scheduler.add_job(jobs.purge_sessions, "interval", minutes=5, args=[app],
                      id="purge_sessions", replace_existing=True, max_instances=1)
    scheduler.add_job(jobs.stop_expired_disclosures, "interval", minutes=15, args=[app],
                      id="stop_expired_disclosures", replace_existing=True, max_instances=1)
    scheduler.add_job(jobs.apply_due_grants, "interval", minutes=5, args=[app],
                      id="apply_due_grants", replace_existing=True, max_instances=1)
    scheduler.add_job(jobs.verify_audit, "cron", hour=2, minute=30, args=[app],
                      id="verify_audit", replace_existing=True, max_instances=1)
    scheduler.add_job(jobs.review_coming_of_age, "cron", hour=1, minute=15, args=[app],
                      id="review_coming_of_age", replace_existing=True, max_instances=1)
    return scheduler
