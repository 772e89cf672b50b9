"""Caseload counts (issue 12): the number of open assignments per member of staff, kept by
triggers on ``assignments`` (migration ``caseload_counts``), read by "my people" for its
total. :func:`recount` is ``senim check``'s proof that the triggers kept it right."""

from __future__ import annotations

from sqlalchemy import func, insert, select, text, update

from casework.models import Assignment, CaseloadCount
from casework.services.context import Ctx


def recount(ctx: Ctx) -> int:
    """Set every kept count to a real count of open assignments; returns how many were
    wrong (0 when the triggers did their work). Writers to ``assignments`` wait for the
    few milliseconds this takes on PostgreSQL (a count read in one snapshot and written
    in another would lose an assignment made in between); SQLite has one writer anyway."""
    session = ctx.session
    if session.get_bind(mapper=Assignment).dialect.name == "postgresql":
        session.execute(text("LOCK TABLE assignments IN SHARE ROW EXCLUSIVE MODE"))
    real = dict(session.execute(select(Assignment.staff_id, func.count()).where(
        Assignment.ended_at.is_(None)).group_by(Assignment.staff_id)).all())
    kept = dict(session.execute(select(CaseloadCount.staff_id,
                                       CaseloadCount.open_assignments)).all())
    wrong = 0
    for staff_id in sorted(set(real) | set(kept)):
        want = real.get(staff_id, 0)
        if kept.get(staff_id, 0) == want:
            continue
        wrong += 1
        if staff_id in kept:
            session.execute(update(CaseloadCount).where(CaseloadCount.staff_id == staff_id)
                            .values(open_assignments=want))
        else:
            session.execute(insert(CaseloadCount).values(staff_id=staff_id,
                                                         open_assignments=want))
    session.flush()
    return wrong
