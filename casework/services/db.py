"""The session type services accept: a plain SQLAlchemy session or Flask-SQLAlchemy's
scoped one (which proxies every call to the request's session), and a fast path for
reading columns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVarTuple

from sqlalchemy import Result, Select, inspect
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
