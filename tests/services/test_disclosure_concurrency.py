"""Two liaisons approving the same request at the same moment produce exactly one package
(PostgreSQL and SQLite).

Each liaison is a thread with its own SQLAlchemy session inside its own app context; a
barrier releases both into ``disclosures.approve(..., seen_version=v)`` together. The
compare-and-set on the request's version lets one through; the other is told the request
changed meanwhile (``DisclosureReason.CHANGED``), or the database refuses it
(IntegrityError / OperationalError, which the web layer turns into the same message). After
the loser's rollback there is exactly one package row and exactly one package file.

On PostgreSQL the loser's UPDATE waits on the winner's row lock and then sees the new
version; on SQLite the loser waits on the database write lock (busy_timeout) and then sees
it. Lock waits are bounded (``lock_timeout``) so a deadlock fails instead of hanging.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from casework.models import DisclosureApproval, DisclosurePackage, DisclosureRequest, Staff
from casework.models.base import utcnow
from casework.services import disclosures
from casework.services.context import Ctx
from casework.services.disclosures import DisclosureReason
from casework.services.errors import ServiceError
from tests.services.disclosure_support import build_world

RUNS = 5
JOIN_TIMEOUT = 60.0


@dataclass
class Outcome:
    who: str
    state: str | None = None
    package: str | None = None
    error: BaseException | None = None
    timeline: list[str] = field(default_factory=list)


def _approve_in_thread(app: Any, request_id: int, staff_public_id: str, folder: Path,
                       barrier: threading.Barrier, outcome: Outcome) -> None:
    from casework.extensions import db

    try:
        with app.app_context():
            # An independent session (own connection and transaction) that still routes the
            # intelligence tables to their own engine, like the request-scoped one.
            session = db.session.session_factory()
            try:
                if session.get_bind(DisclosureRequest).dialect.name == "postgresql":
                    session.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
                ctx = Ctx(session=session, keys=app.extensions["senim.keys"],
                          passwords=app.extensions["senim.passwords"], now=utcnow(),
                          actor=staff_public_id, request_id=f"race-{outcome.who}")
                staff = session.scalar(sa.select(Staff).where(
                    Staff.public_id == staff_public_id))
                request = session.get(DisclosureRequest, request_id)
                assert staff is not None and request is not None
                seen = request.version
                barrier.wait(timeout=JOIN_TIMEOUT)
                try:
                    result = disclosures.approve(ctx, staff, request, seen_version=seen,
                                                 step_up_fresh=True, folder=folder)
                    session.commit()
                    outcome.state = result.state.value
                    outcome.package = result.package.storage_name if result.package else None
                except BaseException:
                    session.rollback()
                    raise
            finally:
                session.close()
    except BaseException as error:  # reported and classified by the main thread
        outcome.error = error


def _is_changed_meanwhile(error: BaseException | None) -> bool:
    if isinstance(error, ServiceError):
        return tuple(error.reasons) == (DisclosureReason.CHANGED,)
    return isinstance(error, sa_exc.IntegrityError | sa_exc.OperationalError)


def _new_submitted_request(ctx: Any, w: Any) -> int:
    items = [disclosures.ItemInput(w.thematic.reference, w.consent.public_id, None),
             disclosures.ItemInput(w.specific.reference, w.consent.public_id,
                                   w.risk.public_id)]
    cw = ctx.as_actor(w.caseworker.public_id)
    request = disclosures.draft(cw, w.caseworker, w.unit, purpose="investigate_traffickers",
                                items=items, tlp="TLP:AMBER+STRICT", handling_code="C")
    disclosures.submit(cw, w.caseworker, request, seen_version=request.version)
    ctx.session.commit()
    return request.id


def _race(app: Any, ctx: Any, tmp_path: Path, *, loser_may_see: tuple[type, ...] = ()) -> None:
    """RUNS times: a fresh submitted request, two approvals released together by a barrier,
    then exactly one package row and one package file."""
    today = ctx.now.date()  # MoU dates around today: the example's would expire
    w = build_world(ctx, app.extensions["senim.settings"].attachments_path, **{
        "effective_from = 2026-01-01": f"effective_from = {today - timedelta(days=30)}",
        "last_reviewed = 2026-01-01": f"last_reviewed = {today - timedelta(days=30)}",
        "expires_on = 2027-12-31": f"expires_on = {today + timedelta(days=365)}"})
    ctx.session.commit()
    liaison, deputy = w.liaison.public_id, w.deputy.public_id

    for run in range(RUNS):
        request_id = _new_submitted_request(ctx, w)
        folder = tmp_path / f"run-{run}"
        barrier = threading.Barrier(2)
        outcomes = [Outcome("liaison"), Outcome("deputy")]
        threads = [threading.Thread(target=_approve_in_thread, daemon=True, args=(
            app, request_id, who, folder, barrier, outcome))
            for who, outcome in zip((liaison, deputy), outcomes, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        assert not any(t.is_alive() for t in threads), f"run {run}: a thread hung"

        winners = [o for o in outcomes if o.error is None]
        losers = [o for o in outcomes if o.error is not None]
        assert len(winners) == 1, (run, [(o.who, o.state, repr(o.error)) for o in outcomes])
        assert winners[0].state == "released" and winners[0].package is not None
        assert len(losers) == 1, run
        error = losers[0].error
        assert _is_changed_meanwhile(error) or isinstance(error, loser_may_see), (
            run, repr(error))

        # What the database and the disk hold once the loser has rolled back.
        ctx.session.expire_all()
        packages = ctx.session.scalars(sa.select(DisclosurePackage).where(
            DisclosurePackage.request_id == request_id)).all()
        assert len(packages) == 1, run
        assert packages[0].storage_name == winners[0].package
        files = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
        assert files == [winners[0].package], (run, files)  # no orphan from the loser
        request = ctx.session.get(DisclosureRequest, request_id)
        assert request is not None and request.status == "released"
        approvals = ctx.session.scalars(sa.select(DisclosureApproval.approver).where(
            DisclosureApproval.request_id == request_id)).all()
        assert approvals == [packages[0].released_by]

    total = ctx.session.scalar(sa.select(sa.func.count()).select_from(DisclosurePackage))
    assert total == RUNS


def test_two_liaisons_approving_at_once_make_exactly_one_package(app, ctx, tmp_path) -> None:
    _race(app, ctx, tmp_path)


def test_unique_request_id_backstop_leaves_no_orphan_file(app, ctx, tmp_path,
                                                          monkeypatch) -> None:
    """Defence in depth: with the compare-and-set switched off, both approvals get past the
    state check and build a package; the unique ``request_id`` refuses the second row, and
    the second package's file must be removed with it (it used to stay on disk)."""
    monkeypatch.setattr(disclosures, "_claim", lambda ctx, request, seen_version: None)
    # Without the claim the loser may also arrive after the winner's commit and simply find
    # the request released.
    _race(app, ctx, tmp_path, loser_may_see=(ServiceError,))
