"""Counting what a page costs: SQL statements and data-key unwraps (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from tests.support import make_staff


@dataclass
class Counter:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting_statements(app: Any) -> Iterator[Counter]:
    """Every statement sent to either database while the block runs."""
    from casework.extensions import db

    counter = Counter()

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        counter.statements.append(statement)

    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


# What makes a commit not wait for the disk (services/db.py: relax_connection).
RELAXING = ("PRAGMA synchronous=NORMAL", "SET LOCAL synchronous_commit TO OFF")


def relaxed(statements: list[str]) -> bool:
    """Whether these statements (a unit of work) include relaxing its commit."""
    return any(s.strip() in RELAXING for s in statements)


@contextmanager
def committed_units(app: Any) -> Iterator[list[list[str]]]:
    """The statements of every transaction committed while the block runs, one list each."""
    from casework.extensions import db

    open_units: dict[int, list[str]] = {}
    done: list[list[str]] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        open_units.setdefault(id(conn.connection.dbapi_connection), []).append(statement)

    def commit(conn):  # type: ignore[no-untyped-def]
        done.append(open_units.pop(id(conn.connection.dbapi_connection), []))

    def rollback(conn):  # type: ignore[no-untyped-def]
        open_units.pop(id(conn.connection.dbapi_connection), None)

    with app.app_context():
        engines = list(db.engines.values())
    hooks = (("before_cursor_execute", record), ("commit", commit), ("rollback", rollback))
    for engine in engines:
        for name, fn in hooks:
            event.listen(engine, name, fn)
    try:
        yield done
    finally:
        for engine in engines:
            for name, fn in hooks:
                event.remove(engine, name, fn)


def service_ctx(app: Any, actor: str | None = None) -> Any:
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services.context import Ctx

    return Ctx(session=db.session, keys=app.extensions["senim.keys"],
               passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="t",
               actor=actor)


def add_people(app: Any, staff_public_id: str, count: int, *, interviews: int = 0,
               notes: int = 0) -> list[str]:
    """Register ``count`` people assigned to the member of staff, with
    interviews and notes; returns their case codes."""
    from datetime import timedelta

    from casework.domain.casenotes import NoteKind
    from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
    from casework.extensions import db
    from casework.services import access, accounts, casenotes, clock, persons
    from casework.services import interviews as interview_service

    codes = []
    with app.app_context():
        c = service_ctx(app, staff_public_id)
        staff = accounts.by_public_id(c, staff_public_id)
        for n in range(count):
            person = persons.register(c, names=[f"Айгүл Садықова {n}", f"Aigul Sadykova {n}"],
                                      date_of_birth="1990-05-17", phones=["+7 701 555 1234"],
                                      profile={"gender": "female", "placement": "shelter"})
            access.assign(c, person, staff)
            today = clock.today(c)
            for i in range(interviews):
                notice = interview_service.record_notice(
                    c, person, language="ru", response=NoticeResponse.ACKNOWLEDGED)
                interview_service.record(c, person, notice.public_id,
                                         interview_service.InterviewInput(
                                             IntervieweeRole.VICTIM, PlaceType.SHELTER,
                                             today, "", f"Narrative {i}."))
            for i in range(notes):
                casenotes.add(c, person, kind=NoteKind.NOTE, body=f"Note {i}",
                              occurred_on=today - timedelta(days=i))
            codes.append(person.case_code)
        db.session.commit()
    return codes


def caseworker(app: Any) -> Any:
    return make_staff(app, "caseworker")
