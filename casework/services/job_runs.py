"""Records of scheduled job runs (issue 10 item 3, issue 14 item 4).

Written on their own connection, outside the job's transaction, so that a job that fails
(and rolls back) still leaves its record. Counts only: integers under short names.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased, scoped_session

from casework.models import JobRun

OUTCOMES = ("running", "ok", "failed", "error")


def counts_of(result: object) -> dict[str, int]:
    """A job's return value as counts: an int, a bool or a mapping of them; else nothing."""
    if isinstance(result, bool):
        return {"count": int(result)}
    if isinstance(result, int):
        return {"count": result}
    if isinstance(result, Mapping):
        return {str(k)[:32]: int(v) for k, v in result.items()
                if isinstance(v, (int, bool)) and not isinstance(k, bytes)}
    return {}


def start(engine: Engine, job: str, *, now: datetime, attempt: int = 1) -> int:
    with engine.begin() as conn:
        result = conn.execute(insert(JobRun).values(
            job=job[:48], started_at=now, outcome="running", attempt=attempt))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish(engine: Engine, run_id: int, *, now: datetime, outcome: str,
           counts: Mapping[str, int] | None = None, error: str | None = None) -> None:
    if outcome not in OUTCOMES:
        raise ValueError("unknown job outcome")
    encoded = json.dumps(dict(counts or {}), sort_keys=True)[:400] if counts else None
    with engine.begin() as conn:
        conn.execute(update(JobRun).where(JobRun.id == run_id).values(
            finished_at=now, outcome=outcome, counts=encoded,
            error=(error or None) and error[:80]))


@dataclass(frozen=True)
class JobSummary:
    job: str
    last: JobRun | None
    last_success: JobRun | None
    failures_since_success: int


def decoded_counts(run: JobRun) -> dict[str, int]:
    try:
        data = json.loads(run.counts or "{}")
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in data.items() if isinstance(v, int)}


def summaries(session: Session | scoped_session[Any], jobs: list[str]) -> list[JobSummary]:
    """Each known job with its latest run and latest success: three queries in all."""
    latest_ids = select(func.max(JobRun.id)).where(JobRun.job.in_(jobs)).group_by(JobRun.job)
    success_ids = select(func.max(JobRun.id)).where(
        JobRun.job.in_(jobs), JobRun.outcome == "ok").group_by(JobRun.job)
    rows = {run.id: run for run in session.scalars(
        select(JobRun).where(JobRun.id.in_(latest_ids.union(success_ids))))}
    last = {run.job: run for run in sorted(rows.values(), key=lambda r: r.id)}
    success = {run.job: run for run in sorted(rows.values(), key=lambda r: r.id)
               if run.outcome == "ok"}
    ok = aliased(JobRun)
    last_ok = select(func.max(ok.id)).where(ok.job == JobRun.job, ok.outcome == "ok")
    failing: dict[str, int] = {job: int(n) for job, n in session.execute(
        select(JobRun.job, func.count()).where(
            JobRun.job.in_(jobs), JobRun.outcome.in_(("failed", "error")),
            JobRun.id > func.coalesce(last_ok.scalar_subquery(), 0),
        ).group_by(JobRun.job))}
    return [JobSummary(job, last.get(job), success.get(job), int(failing.get(job, 0)))
            for job in jobs]


def recent(session: Session | scoped_session[Any], *, limit: int = 50,
           before: int | None = None) -> list[JobRun]:
    """Newest first, paged by id (keyset)."""
    query = select(JobRun).order_by(JobRun.id.desc()).limit(limit)
    if before is not None:
        query = query.where(JobRun.id < before)
    return list(session.scalars(query))
