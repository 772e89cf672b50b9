"""Two schedulers evaluate the duties at the same moment against PostgreSQL (issue 10):
each task exists once, each owner is told once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.domain.casenotes import NoteKind
from casework.domain.taxonomy import EntryKind
from casework.models import Base, IntelBase, Notification, Task
from casework.models.base import utcnow
from casework.services import access, accounts, casenotes, clock, duties
from casework.services.context import Ctx
from tests.conftest import PG_URL
from tests.services.test_disclosure_rules import entry, make_world
from tests.support import make_staff

JOIN_TIMEOUT = 60.0

needs_postgres = pytest.mark.skipif(
    not PG_URL, reason="two overlapping evaluations need PostgreSQL; set "
    "SENIM_TEST_DATABASE_URL (SQLite serialises writers with one database lock)")


def _conditions(app: Any, ctx: Any) -> None:
    """Several duties due at once: a roster gap, a safety-plan review, a consent review,
    a thematic entry waiting for its privacy review, a break-glass access."""
    w = make_world(app, ctx)
    cw = ctx.as_actor(w.caseworker.public_id)
    today = clock.today(cw)
    casenotes.add(cw, w.person, kind=NoteKind.SAFETY_PLAN, body="Plan.", occurred_on=today,
                  review_on=today + timedelta(days=2))
    w.consent.valid_until = ctx.now + timedelta(days=3)
    entry(ctx, w, kind=EntryKind.THEMATIC, text="Recruiters wait at the southern bus station.")
    ctx.session.commit()
    other = accounts.by_public_id(ctx, make_staff(app, "caseworker").public_id)
    access.break_glass(ctx.as_actor(other.public_id), other, w.person.case_code,
                       "Called at night; her caseworker is on leave.")
    ctx.session.commit()


@needs_postgres
def test_two_evaluations_at_once_create_each_task_once(app, ctx):
    from casework.extensions import db

    _conditions(app, ctx)
    # Bound by table as well as by class: core statements on a Table (the audit trail's
    # appends) must find their engine too.
    engines: dict[Any, Any] = {Base: db.engines[None], IntelBase: db.engines["intel"]}
    engines.update({t: db.engines[None] for t in Base.metadata.tables.values()})
    engines.update({t: db.engines["intel"] for t in IntelBase.metadata.tables.values()})
    start = threading.Barrier(2)
    results: list[Any] = []

    def evaluate() -> None:
        try:
            with Session(binds=engines) as session:  # type: ignore[arg-type]
                c = Ctx(session=session, keys=app.extensions["senim.keys"],
                        passwords=app.extensions["senim.passwords"], now=utcnow(),
                        request_id="race")
                start.wait(timeout=10)
                counts = duties.evaluate(c)
                session.commit()
                results.append(counts.created)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results.append(error)

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert all(isinstance(r, int) for r in results), results
    ctx.session.expire_all()
    keys = Counter(ctx.session.scalars(select(Task.duty_key).where(
        Task.duty_key.is_not(None))))
    assert {"safety_plan_review", "consent_review_due", "privacy_review_waiting",
            "oncall_gap", "break_glass_review"} <= set(ctx.session.scalars(select(Task.kind)))
    assert keys and max(keys.values()) == 1
    assert sorted(results) == [0, len(keys)]  # one did it all, the other found it done
    told = Counter(ctx.session.execute(select(Notification.staff_id, Notification.object_ref)
                                       .where(Notification.kind == duties.NEW)))
    assert told and max(told.values()) == 1
