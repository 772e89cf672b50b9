"""A double click on Approve (issue 16.7): the same liaison's two requests with the same
version arrive together; both get the result of the one approval, never "changed"."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from casework.models import AuditEvent, DisclosurePackage, DisclosureRequest
from tests.services.disclosure_support import build_world
from tests.services.test_disclosure_concurrency import (
    JOIN_TIMEOUT,
    Outcome,
    _approve_in_thread,
    _new_submitted_request,
)


def test_a_double_click_on_approve_gives_the_same_result_twice(app, ctx, tmp_path) -> None:
    today = ctx.now.date()
    w = build_world(ctx, app.extensions["senim.settings"].attachments_path, **{
        "effective_from = 2026-01-01": f"effective_from = {today - timedelta(days=30)}",
        "last_reviewed = 2026-01-01": f"last_reviewed = {today - timedelta(days=30)}",
        "expires_on = 2027-12-31": f"expires_on = {today + timedelta(days=365)}"})
    ctx.session.commit()
    for run in range(3):
        request_id = _new_submitted_request(ctx, w)
        barrier = threading.Barrier(2)
        outcomes = [Outcome("click-1"), Outcome("click-2")]
        threads = [threading.Thread(target=_approve_in_thread, daemon=True, args=(
            app, request_id, w.liaison.public_id, tmp_path / f"run-{run}", barrier, o))
            for o in outcomes]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        assert [(o.error, o.state) for o in outcomes] == [(None, "released")] * 2, run
        assert outcomes[0].package == outcomes[1].package is not None
        ctx.session.expire_all()
        request = ctx.session.get(DisclosureRequest, request_id)
        assert request is not None
        assert ctx.session.scalar(sa.select(sa.func.count()).select_from(DisclosurePackage)
                                  .where(DisclosurePackage.request_id == request_id)) == 1
        assert ctx.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "disclosure.approve",
            AuditEvent.object_ref == request.reference)) == 1
