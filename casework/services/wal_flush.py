"""Bounded durability for SQLite commits that did not wait for the disk (issue 12.3).

A commit made with ``synchronous=NORMAL`` (services/db.py: relax_connection) is in the
write-ahead log but possibly only in the operating system's cache: a power cut or a kernel
crash could drop it (a process that dies loses nothing). SQLite itself syncs the log only
at a checkpoint, and the kernel writes dirty pages back after about 30 seconds, so left
alone the window is long. :func:`soon` bounds it: a thread of this process syncs the log
(``fdatasync``) at most :data:`DELAY_SECONDS` after the first relaxed commit it was told
about, and one sync covers every commit made before it, by any process. Many commits a
second therefore cost a few syncs a second instead of one each, and none of them waits.

Syncing the log file is what SQLite's own ``synchronous=FULL`` commit does, after its
write; a log that is gone was checkpointed into the database and removed by the last
connection to close, which syncs the database first, so the database is synced instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time

__all__ = ["DELAY_SECONDS", "flushed", "soon"]

log = logging.getLogger("senim.db")

DELAY_SECONDS = 0.1  # at most this long (plus the sync itself) between commit and disk
_IDLE_SECONDS = 10.0  # an idle thread ends; the next relaxed commit starts another

_cond = threading.Condition()
_pending: set[str] = set()
_running_in: int | None = None  # the process whose thread is running
_flushed = 0


def soon(database: str) -> None:
    """Sync ``database``'s write-ahead log within :data:`DELAY_SECONDS`; returns at once."""
    global _running_in
    with _cond:
        _pending.add(database)
        if _running_in != os.getpid():
            _running_in = os.getpid()
            threading.Thread(target=_run, name="senim-wal-flush", daemon=True).start()
        else:
            _cond.notify()


def _forget_after_fork() -> None:
    # A child starts with no thread, and with a lock nobody holds (the parent's thread may
    # have held it at the fork); what the parent had pending, the parent syncs.
    global _cond, _running_in
    _cond = threading.Condition()
    _pending.clear()
    _running_in = None


os.register_at_fork(after_in_child=_forget_after_fork)


def flushed() -> int:
    """How many syncs this process has made (for tests and diagnostics)."""
    with _cond:
        return _flushed


def _run() -> None:
    global _running_in, _flushed
    while True:
        with _cond:
            if not _pending:
                _cond.wait(_IDLE_SECONDS)
            if not _pending:
                _running_in = None
                return
        # Let the commits of the next moment share this sync.
        time.sleep(DELAY_SECONDS)
        with _cond:
            batch = sorted(_pending)
            _pending.clear()
        for database in batch:
            _sync(database)
        with _cond:
            _flushed += len(batch)


def _sync(database: str) -> None:
    for path in (database + "-wal", database):
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("event=db.wal_flush_failed errno=%s", error.errno)
            return
        try:
            os.fdatasync(fd)
        except OSError as error:
            log.warning("event=db.wal_flush_failed errno=%s", error.errno)
        finally:
            os.close(fd)
        return
