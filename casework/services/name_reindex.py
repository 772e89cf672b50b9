"""Writing the name-pair entries of people recorded before them (``senim reindex names``).

A batch at a time, each its own transaction, so an interrupted run loses at most one batch
and the next run goes on from where the flags say (``Person.name_pairs``). A batch locks
its people before reading their names: the running application changing one of them
waits, then replaces the entries with its own, so no entry is written from a stale name.
"""

from __future__ import annotations

from sqlalchemy import false, func, select, update

from casework.models import Person
from casework.services import name_pairs, persons, subjects
from casework.services.context import Ctx
from casework.services.subjects import IntegrityAlarm, SubjectShredded
from crypto import name_tokens

BATCH_SIZE = 500


def remaining(ctx: Ctx) -> int:
    """People without pair entries (not yet reached, or with too many name words)."""
    return int(ctx.session.scalar(select(func.count()).select_from(Person)
                                  .where(name_pairs.UNPAIRED)) or 0)


def batch(ctx: Ctx, *, after_id: int, size: int = BATCH_SIZE) -> tuple[int | None, int]:
    """Pair entries for up to ``size`` people without them whose id follows ``after_id``.

    Returns the last id looked at (None when none is left) and how many were paired.
    Call it at the start of a transaction; the caller commits.
    """
    if ctx.session.get_bind().dialect.name == "sqlite":
        # SQLite locks the whole file for writing, and a transaction that read first may
        # not write after another writer: take the write lock before reading anything.
        ctx.session.execute(update(Person).where(false()).values(name_pairs=false()))
    people = list(ctx.session.scalars(
        select(Person).where(name_pairs.UNPAIRED, Person.id > after_id)
        .order_by(Person.id).limit(size).with_for_update()
        .execution_options(populate_existing=True)))
    if not people:
        return None, 0
    subjects.preload_keys(ctx, [p.subject_id for p in people])
    paired = 0
    for person in people:
        try:
            names = persons.summary(ctx, person).names
        except SubjectShredded:
            # Erased: no index entries at all, and nothing left to find.
            person.name_pairs = True
            continue
        except IntegrityAlarm:
            # Tampered with: the reader logged and audited the alarm. The person stays
            # without pairs, so searches keep the word path that still finds them.
            continue
        name_pairs.write(ctx, person, [t for name in names for t in name_tokens(name)])
        paired += person.name_pairs
    ctx.session.flush()
    ctx.audit("person.reindex_names", outcome=str(paired))
    return people[-1].id, paired
