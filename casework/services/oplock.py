"""One key operation at a time, across every process of an instance (issue 16).

Key operations (rotate, rewrap, retire, rotate-data-key, shred, restore, backup) hold this
lock for their whole run. On PostgreSQL it is a session-level advisory lock on the casework
database (scoped to its schema), held on a connection of its own; on SQLite an exclusive
``flock`` on a file beside the casework database. Both are released when the holder ends,
also when it crashes, so a dead operation never blocks the next one. A second caller is
refused at once (:class:`KeyOperationBusy`), never queued: the operator reruns it later.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, text

# pg_try_advisory_lock(classid, objid): a fixed class ("SENI") and the schema's hash, so
# instances sharing one PostgreSQL database in different schemas do not block each other.
_PG_CLASS = 0x53454E49
OPERATIONS = ("rotate", "rewrap", "retire", "rotate-data-key", "shred", "restore", "backup")


class KeyOperationBusy(Exception):  # noqa: N818 - a refusal, not a bug
    """Another key operation holds the lock; nothing was done."""

    def __init__(self, operation: str, holder: str | None = None) -> None:
        running = f" ({holder})" if holder else ""
        super().__init__(f"refused: another key operation is running{running}; `{operation}` "
                         "changed nothing. Run it again when that one has finished.")
        self.operation = operation


@contextlib.contextmanager
def exclusive(engine: Engine, operation: str, *, folder: Path) -> Iterator[None]:
    """Hold the key-operation lock for the ``with`` block or raise KeyOperationBusy.

    ``folder`` is where the SQLite lock file goes when the database is in memory."""
    if operation not in OPERATIONS:
        raise ValueError("unknown key operation")
    if engine.dialect.name == "postgresql":
        with _advisory(engine, operation):
            yield
    else:
        database = engine.url.database
        path = (Path(database).with_name(Path(database).name + ".keyops.lock")
                if database and database != ":memory:" else folder / "keyops.lock")
        with _flock(path, operation):
            yield


@contextlib.contextmanager
def _advisory(engine: Engine, operation: str) -> Iterator[None]:
    with engine.connect() as conn:
        got = conn.scalar(text("SELECT pg_try_advisory_lock(:c, hashtext(current_schema()))"),
                          {"c": _PG_CLASS})
        conn.commit()
        if not got:
            raise KeyOperationBusy(operation)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:c, hashtext(current_schema()))"),
                         {"c": _PG_CLASS})
            conn.commit()


@contextlib.contextmanager
def _flock(path: Path, operation: str) -> Iterator[None]:
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("ascii", "replace").strip()
            raise KeyOperationBusy(operation, holder or None) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{operation}, process {os.getpid()}".encode("ascii"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock (also when the process dies)
