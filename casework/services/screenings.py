"""Screening decisions (rules 113-123): recorded, never overwritten."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, func, select

from casework.domain.screening import ScreeningInput, evaluate_screening
from casework.models import Person, Screening
from casework.models.base import new_public_id
from casework.services import subjects
from casework.services.context import Ctx
from casework.services.db import read_columns
from casework.services.errors import ServiceError


def record(ctx: Ctx, person: Person, screening: ScreeningInput) -> Screening:
    """Add a screening (re-screening keeps every earlier one)."""
    decision = evaluate_screening(screening)
    if not decision.allowed:
        raise ServiceError(*decision.reasons)
    row = Screening(public_id=new_public_id(), person_id=person.id,
                    outcome=screening.outcome.value, decided_by=ctx.actor or "",
                    decided_at=ctx.now)
    ctx.session.add(row)
    content = {key: sorted(v.value if hasattr(v, "value") else v for v in value)
               if isinstance(value, frozenset) else getattr(value, "value", value)
               for key, value in asdict(screening).items()}
    subjects.seal_row(ctx, person.subject_id, row, "content_ciphertext", content)
    ctx.session.flush()
    ctx.audit("screening.record", object_type="person", object_ref=person.case_code)
    return row


@functools.cache
def _history() -> Select[str, str, datetime, bytes | None]:
    """Built once, run with the person's id (every record page, issue 12). Columns, not
    entities: the page only shows them (services/db.read_columns)."""
    return (select(Screening.public_id, Screening.outcome, Screening.decided_at,
                   Screening.content_ciphertext)
            .where(Screening.person_id == bindparam("person_id"))
            .order_by(Screening.decided_at.desc(), Screening.id.desc()))


@functools.cache
def _latest_outcomes() -> Select[Any]:
    """The newest outcome of each of a page of people, built once (issue 12)."""
    rank = func.row_number().over(partition_by=Screening.person_id, order_by=(
        Screening.decided_at.desc(), Screening.id.desc())).label("rank")
    ranked = (select(Screening.person_id, Screening.outcome, rank)
              .where(Screening.person_id.in_(bindparam("person_ids", expanding=True)))
              .subquery())
    return select(ranked.c.person_id, ranked.c.outcome).where(ranked.c.rank == 1)


def history(ctx: Ctx, person: Person
            ) -> list[tuple[Row[str, str, datetime, bytes | None], dict[str, Any]]]:
    """Every screening of the person, newest first (each a row of its public id, outcome
    and decision time), with its decrypted content."""
    rows = read_columns(ctx.session, _history(), {"person_id": person.id}, on=Screening)
    return [(row, subjects.unseal(ctx, person.subject_id, row.content_ciphertext,
                                  table=Screening.__tablename__, column="content_ciphertext",
                                  row=row.public_id) or {})
            for row in rows]


def latest_outcome(ctx: Ctx, person: Person) -> str | None:
    return ctx.session.scalar(select(Screening.outcome).where(Screening.person_id == person.id)
                              .order_by(Screening.decided_at.desc(), Screening.id.desc())
                              .limit(1))


def latest_outcomes(ctx: Ctx, people: list[Person]) -> dict[int, str]:
    """The newest screening outcome of each person, in one statement (a list page)."""
    if not people:
        return {}
    rows = ctx.session.execute(_latest_outcomes(), {"person_ids": [p.id for p in people]})
    return {int(person_id): str(outcome) for person_id, outcome in rows}
