"""Telephone contacts with police, logged against the designated liaison or deputy
(issue 9; rules 2, 4). Metadata only: the unit, the direction, who, when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from casework.domain.police_contact import call_contact
from casework.models import PoliceCall, PoliceUnit, Staff
from casework.services import roster
from casework.services.context import Ctx
from casework.services.errors import ServiceError


def log_call(ctx: Ctx, unit: PoliceUnit, *, liaison: Staff | None, direction: str,
             occurred_at: datetime) -> PoliceCall:
    decision = call_contact(direction=direction, occurred_at=occurred_at, now=ctx.now,
                            liaison_designated=liaison is not None
                            and roster.is_designated(ctx, liaison))
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    assert liaison is not None
    row = PoliceCall(unit_id=unit.id, direction=direction, liaison_ref=liaison.public_id,
                     occurred_at=occurred_at, recorded_by=ctx.actor or "", recorded_at=ctx.now)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit("police.call", outcome=direction, object_type="police_unit",
              object_ref=unit.public_id)
    return row


def recent(ctx: Ctx, limit: int = 50) -> list[PoliceCall]:
    return list(ctx.session.scalars(select(PoliceCall).order_by(
        PoliceCall.occurred_at.desc(), PoliceCall.id.desc()).limit(limit)))
