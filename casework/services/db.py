"""The session type services accept: a plain SQLAlchemy session or Flask-SQLAlchemy's
scoped one (which proxies every call to the request's session), and a fast path for
reading columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVarTuple

from sqlalchemy import Connection, Engine, Result, Select, event, inspect
from sqlalchemy.orm import Session, scoped_session

DbSession: TypeAlias = Session | scoped_session[Any]


_Row = TypeVarTuple("_Row")


def read_columns(session: DbSession, statement: Select[*_Row],
                 params: Mapping[str, Any] | None = None, *, on: type[Any]
                 ) -> Result[*_Row]:
    """Run a SELECT of columns (never of entities) on the connection the session holds for
    ``on``'s database, in the session's transaction.

    The ORM's execution layer builds nothing for such a statement but still costs about
    50 microseconds a statement (its events, option handling and result wrapping), and the
    hot pages run several each (issue 12: bench/pages.py). Pending changes are flushed
    first, as the ORM's autoflush would. Only for reads: the consistency journal
    (services/consistency.py) and the audit trail's read hook watch ORM executions, and
    neither cares about a read of columns outside the audit tables.
    """
    real: Session = session() if isinstance(session, scoped_session) else session
    if real.autoflush:
        real.flush()  # returns at once when nothing is pending
    connection = real.connection(bind_arguments={"mapper": inspect(on)})
    return connection.execute(statement, params)


_RELAXED = "senim.relaxed_durability"


def relax_durability(session: DbSession, *, on: type[Any]) -> None:
    """Let the session's coming commit on ``on``'s database not wait for the disk: for a
    write whose loss in a power cut is harmless, or bounded (:func:`relax_connection`),
    never for one whose loss could bring back something taken away. Call it before the
    transaction's first write."""
    real: Session = session() if isinstance(session, scoped_session) else session
    relax_connection(real.connection(bind_arguments={"mapper": inspect(on)}))


def relax_connection(connection: Connection) -> None:
    """The connection's coming commit does not wait for the disk.

    The write stays atomic and ordered: it is lost whole or kept whole, only in a power cut
    or an operating-system crash (never when a process dies), and any later commit that
    does wait for the disk keeps it too. PostgreSQL: ``SET LOCAL synchronous_commit TO
    OFF`` (this transaction only; the server's WAL writer flushes it within a fraction of
    a second). SQLite (WAL): ``synchronous=NORMAL`` on the connection, set back to FULL
    when the connection returns to the pool (:func:`restore_durability_on_checkin`), so no
    other unit of work runs relaxed; the return also asks for the log to be synced within
    a tenth of a second (services/wal_flush.py), so the window is bounded. SQLite cannot
    change it inside a transaction: a transaction that already wrote keeps waiting."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    elif connection.dialect.name == "sqlite":
        raw = connection.connection
        if not raw.driver_connection.in_transaction:  # type: ignore[union-attr]
            raw.info[_RELAXED] = True  # before the PRAGMA: the reset must follow it
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")


def restore_durability_on_checkin(engine: Engine) -> None:
    """SQLite: a connection relaxed by :func:`relax_connection` waits for the disk again
    before anyone else can check it out, and what it committed reaches the disk soon."""
    if engine.dialect.name != "sqlite":
        return

    from casework.services import wal_flush

    database = engine.url.database

    @event.listens_for(engine, "checkin")
    def _restore(dbapi_connection: Any, record: Any) -> None:
        if dbapi_connection is not None and record is not None \
                and record.info.pop(_RELAXED, False):
            dbapi_connection.execute("PRAGMA synchronous=FULL")
            if database and database != ":memory:":
                wal_flush.soon(database)
