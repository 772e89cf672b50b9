"""Append to and verify the hash-chained audit trail (issue 2, item 5; issue 12.3).

The MAC is HMAC-SHA256 under the dedicated audit key, so someone with write access to the
database but not the key file cannot forge a consistent chain.

Throughput (docs/audit.md):

* ``record`` only queues the event on the session. Everything a unit of work queued is
  appended in one go just before its transaction commits (a ``before_commit`` hook), so the
  chain's lock is held for a handful of statements and the commit, never while the rest of
  the request runs (a password hash, an encryption, a slow page).
* The trail is up to ``MAX_STREAMS`` chains ("streams"), each with its own head row. On
  PostgreSQL an append row-locks the lowest-numbered head that nobody else holds
  (``SELECT ... FOR UPDATE SKIP LOCKED``) and opens the next stream only when every open one
  is busy, so a lone writer always extends stream 0 and concurrent writers do not queue.
  SQLite has one writer for the whole database anyway: there, appends take the database
  write lock (an UPDATE of the head) and always use stream 0.
* Signed roots over every stream's head (``audit_checkpoints``) prove that no stream was cut.

Completeness is unchanged: the events commit in the same transaction as the work they
describe, or not at all; a query that reads the trail first appends what is queued.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Select,
    Table,
    bindparam,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.util import find_tables

from casework.domain.audit_chain import (
    GENESIS,
    BreakReason,
    ChainEntry,
    ChainReport,
    parse_root,
    verify_chain,
)
from casework.models import AuditChainHead, AuditEvent, AuditRoot
from casework.services import paging
from casework.services.db import DbSession, relax_connection
from casework.services.keys import Keys
from crypto import CryptoError, KeyNotFoundError, canonical, mac, public_key
from crypto import verify as verify_signature

__all__ = ["CHAIN", "MAX_STREAMS", "AuditTrailBroken", "ChainReport", "Event", "append_alone",
           "count", "events_page", "flush",
           "iter_all", "page", "record", "verify"]

CHAIN = 0  # stream 0: the single chain of before issue 12.3
# More concurrent writers than this wait for a head row lock (each held for milliseconds).
MAX_STREAMS = 16
_PENDING = "senim.audit.pending"
_EVENTS = cast(Table, AuditEvent.__table__)
_HEADS = cast(Table, AuditChainHead.__table__)
_AUDIT_TABLES = frozenset({"audit_events", "audit_chain_heads", "audit_roots"})


class AuditTrailBroken(Exception):  # noqa: N818
    """Entries exist past a chain head (forged or a broken tail): appending would collide
    with them, so nothing audited can happen until someone looks (fail closed)."""


@dataclass(frozen=True)
class Event:
    """What happened, by whom, to which opaque object; never a field value."""

    action: str
    outcome: str = "ok"
    actor: str | None = None
    object_type: str | None = None
    object_ref: str | None = None
    request_id: str | None = None


@dataclass
class _Pending:
    keys: Keys
    items: list[tuple[Event, datetime]] = field(default_factory=list)


def _mac(keys: Keys, version: int, fields: tuple[str, ...]) -> str | None:
    try:
        key = keys.version("audit", version)
    except KeyNotFoundError:
        return None
    return mac(key.material, canonical("senim-audit-v1", *fields)).hex()


def record(session: DbSession, keys: Keys, event: Event, *, now: datetime) -> None:
    """Queue one event; it is appended when this unit of work commits (or reads the trail)
    and is discarded with it if it rolls back."""
    real: Session = session() if isinstance(session, scoped_session) else session
    if not real.in_transaction():
        real.begin()  # so that a rollback before the commit discards the event too
    pending = real.info.get(_PENDING)
    if pending is None:
        pending = real.info[_PENDING] = _Pending(keys)
    pending.items.append((event, now))


def flush(session: DbSession) -> int:
    """Append everything queued on this session now, under one lock; returns how many."""
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None or not pending.items:
        return 0
    try:
        # On the session's own connection (same transaction), past the ORM's execution
        # layer: these are Core statements and every audited write runs four (issue 12).
        _append(session.connection(bind_arguments={"mapper": AuditEvent.__mapper__}),
                pending.keys, pending.items)
    except BaseException:
        # Keep them queued: committing after a failed append must not lose the events.
        session.info[_PENDING] = pending
        raise
    return len(pending.items)


def _dialect(session: DbSession | Connection) -> str:
    if isinstance(session, Connection):
        return session.dialect.name
    return session.get_bind(mapper=AuditEvent.__mapper__).dialect.name


def _past_a_head_query() -> Select[Any]:
    """Is there an entry past its stream's head, or in a stream numbered beyond every head?

    Written so that both databases answer from the (stream, seq) index whatever their
    statistics say: one newest-entry lookup per head (at most ``MAX_STREAMS``) and the
    smallest and largest stream number (min/max read one end of the index)."""
    head, entry = _HEADS.alias("h"), _EVENTS.alias("e")
    newest = select(func.max(entry.c.seq)).where(entry.c.stream == head.c.stream)
    past = select(head.c.stream).where(newest.scalar_subquery() > head.c.seq).exists()
    top_head = select(func.coalesce(func.max(_HEADS.c.stream), -1)).scalar_subquery()
    top_entry = select(func.max(_EVENTS.c.stream)).scalar_subquery()
    low_entry = select(func.min(_EVENTS.c.stream)).scalar_subquery()
    return select(or_(past, top_entry > top_head, low_entry < 0))


# Built once: it has no parameters, and building the expression costs more than running it
# (every page view runs it, issue 12).
_PAST_A_HEAD = _past_a_head_query()


def _past_a_head(session: DbSession | Connection) -> bool:
    return bool(session.execute(_PAST_A_HEAD).scalar())


# Built once, run with bound values (every page view runs both, issue 12). On SQLite the
# check for a forged entry rides on the locking UPDATE: its RETURNING clause is evaluated
# after the write lock is taken, so it sees exactly what a query after it would see, and
# a page view runs one statement fewer.
_LOCK_STREAM_ZERO = (update(_HEADS).where(_HEADS.c.stream == 0)
                     .values(updated_at=bindparam("now", type_=DateTime))
                     .returning(_HEADS.c.seq, _HEADS.c.mac,
                                _PAST_A_HEAD.scalar_subquery().label("broken")))
_INSERT_EVENTS = insert(_EVENTS)
_ADVANCE_HEAD = (update(_HEADS).where(_HEADS.c.stream == bindparam("head_stream"))
                 .values(seq=bindparam("head_seq"), mac=bindparam("head_mac"),
                         updated_at=bindparam("now", type_=DateTime)))


def _lock_head(session: DbSession | Connection, dialect: str, now: datetime
               ) -> tuple[int, int, str, bool | None]:
    """Lock one stream's head row for this transaction; returns (stream, seq, mac, broken):
    ``broken`` tells whether an entry lies past a head, when the lock could tell it
    (None: ask :func:`_past_a_head`)."""
    if dialect != "postgresql":
        # SQLite: the UPDATE takes the database write lock before the head is read.
        row = session.execute(_LOCK_STREAM_ZERO, {"now": now}).first()
        if row is None:
            session.execute(insert(_HEADS).values(stream=0, seq=0, mac=GENESIS, updated_at=now))
            return 0, 0, GENESIS, None
        return 0, row.seq, row.mac, bool(row.broken)
    free = select(_HEADS.c.stream, _HEADS.c.seq, _HEADS.c.mac).with_for_update(skip_locked=True)
    row = session.execute(free.where(_HEADS.c.stream < MAX_STREAMS)
                          .order_by(_HEADS.c.stream).limit(1)).first()
    if row is not None:
        return row.stream, row.seq, row.mac, None
    # Every open stream is busy (or none exists yet): open the next one, if allowed.
    top = session.scalar(select(func.max(_HEADS.c.stream)))
    for stream in range(0 if top is None else top + 1, MAX_STREAMS):
        session.execute(pg_insert(_HEADS).values(stream=stream, seq=0, mac=GENESIS,
                                                 updated_at=now).on_conflict_do_nothing())
        row = session.execute(free.where(_HEADS.c.stream == stream)).first()
        if row is not None:
            return row.stream, row.seq, row.mac, None
    # All MAX_STREAMS are busy: wait for one, spread by thread so waiters do not pile up.
    stream = threading.get_ident() % MAX_STREAMS
    row = session.execute(select(_HEADS.c.stream, _HEADS.c.seq, _HEADS.c.mac)
                          .where(_HEADS.c.stream == stream).with_for_update()).one()
    return row.stream, row.seq, row.mac, None


def _append(session: DbSession | Connection, keys: Keys,
            items: list[tuple[Event, datetime]]) -> None:
    key = keys.current("audit")
    now = max(at for _, at in items).replace(tzinfo=None)
    stream, seq, prev, broken = _lock_head(session, _dialect(session), now)
    # Under the lock: a forged entry anywhere (this stream included, one written a moment
    # ago too) stops every append. One statement, after the lock rather than one before
    # it and one more after (on SQLite, part of the lock's own): each page view pays for
    # it (issue 12).
    if broken is None:
        broken = _past_a_head(session)
    if broken:
        raise AuditTrailBroken()
    rows: list[dict[str, Any]] = []
    for item, at in items:
        seq += 1
        entry = ChainEntry(
            seq=seq, at=at.replace(tzinfo=None), actor=item.actor, action=item.action,
            object_type=item.object_type, object_ref=item.object_ref, outcome=item.outcome,
            request_id=item.request_id, key_version=key.version, prev_mac=prev, mac="",
            stream=stream)
        prev = mac(key.material, canonical("senim-audit-v1", *entry.fields())).hex()
        rows.append({"stream": stream, "seq": seq, "at": entry.at, "actor": item.actor,
                     "action": item.action, "object_type": item.object_type,
                     "object_ref": item.object_ref, "outcome": item.outcome,
                     "request_id": item.request_id, "key_version": key.version,
                     "prev_mac": entry.prev_mac, "mac": prev})
    session.execute(_INSERT_EVENTS, rows)
    session.execute(_ADVANCE_HEAD, {"head_stream": stream, "head_seq": seq, "head_mac": prev,
                                    "now": now})


# --- Group commit of events that stand alone (page views) -------------------------------


@dataclass
class _Ticket:
    event: Event
    now: datetime
    wait_for_disk: bool = True
    done: bool = False
    error: BaseException | None = None


@dataclass
class _Group:
    cond: threading.Condition = field(default_factory=threading.Condition)
    queue: list[_Ticket] = field(default_factory=list)
    leading: bool = False


_GROUPS: dict[int, _Group] = {}
_GROUPS_LOCK = threading.Lock()


def append_alone(session: DbSession, keys: Keys, event: Event, *, now: datetime,
                 wait_for_disk: bool = True) -> None:
    """Append and commit one event in a transaction of its own, before returning.

    For an event that is all its unit of work writes (the request gate's page view, which
    must be durable before the page is built). Concurrent callers in this process share one
    transaction and one commit (group commit): whoever finds no commit under way takes every
    queued event, appends them under one lock and commits; the others wait for that commit
    and share its outcome (AuditTrailBroken included, fail closed). On SQLite, where every
    commit waits for the disk and writers queue for the one database lock, this is what
    keeps page views from queueing behind each other. The caller's own session must hold no
    uncommitted writes (commit it first): the commit runs on another connection.

    ``wait_for_disk=False`` (a page view: what was read, never what was changed): the
    commit does not wait for the disk (db.relax_connection). The event is committed, in
    the chain and checked like any other before this returns; only a power cut or an
    operating-system crash within a fraction of a second could drop it (docs/audit.md).
    A batch in which anyone waits for the disk waits as a whole."""
    engine = session.get_bind(mapper=AuditEvent.__mapper__)
    if not isinstance(engine, Engine):  # its own transaction needs its own connection
        raise TypeError("append_alone needs a session bound to an engine")
    with _GROUPS_LOCK:
        group = _GROUPS.setdefault(id(engine), _Group())
    ticket = _Ticket(event, now, wait_for_disk)
    with group.cond:
        group.queue.append(ticket)
        while group.leading and not ticket.done:
            group.cond.wait()
        if ticket.done:
            if ticket.error is not None:
                raise ticket.error
            return
        group.leading = True
        batch, group.queue = group.queue, []
    error: BaseException | None = None
    try:
        # A Core transaction of its own: nothing but these rows is written, so the ORM
        # session's machinery (and its hooks) would only cost time on every page view.
        with engine.begin() as connection:
            if not any(item.wait_for_disk for item in batch):
                relax_connection(connection)
            _append(connection, keys, [(item.event, item.now) for item in batch])
    except BaseException as exc:  # every waiter learns it; the leader raises it below
        error = exc
    with group.cond:
        for item in batch:
            item.done, item.error = True, error
        group.leading = False
        group.cond.notify_all()
    if error is not None:
        raise error


# --- Session hooks: append at commit, discard on rollback, append before reading ---------


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    flush(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _before_reading_the_trail(state: ORMExecuteState) -> None:
    if _PENDING not in state.session.info:
        return
    tables = find_tables(cast(ClauseElement, state.statement), include_joins=True,
                         include_aliases=True, include_crud=True)
    if any(getattr(t, "name", None) in _AUDIT_TABLES for t in tables):
        flush(state.session)


# --- Verification ------------------------------------------------------------------------


def _entries(session: DbSession, stream: int) -> Iterator[ChainEntry]:
    columns = (_EVENTS.c.seq, _EVENTS.c.at, _EVENTS.c.actor, _EVENTS.c.action,
               _EVENTS.c.object_type, _EVENTS.c.object_ref, _EVENTS.c.outcome,
               _EVENTS.c.request_id, _EVENTS.c.key_version, _EVENTS.c.prev_mac, _EVENTS.c.mac)
    result = session.execute(select(*columns).where(_EVENTS.c.stream == stream)
                             .order_by(_EVENTS.c.seq).execution_options(yield_per=2000))
    for row in result:
        yield ChainEntry(*row, stream=stream)


def heads(session: DbSession) -> dict[int, tuple[int, str]]:
    """Every stream's head: stream -> (seq, mac)."""
    return {row.stream: (row.seq, row.mac) for row in session.execute(
        select(_HEADS.c.stream, _HEADS.c.seq, _HEADS.c.mac).order_by(_HEADS.c.stream))}


def verify(session: DbSession, keys: Keys) -> ChainReport:
    """Check every stream and the stored signed roots; name the first entry that does not
    hold (the stream is in the report)."""
    flush(session)
    known = heads(session)
    streams = sorted(set(known) | set(session.scalars(select(_EVENTS.c.stream).distinct())))
    checked = 0
    for stream in streams:
        head_seq, head_mac = known.get(stream, (0, GENESIS))
        report = verify_chain(_entries(session, stream),
                              mac=lambda version, fields: _mac(keys, version, fields),
                              head_seq=head_seq, head_mac=head_mac, stream=stream)
        checked += report.checked
        if not report.ok:
            return ChainReport(False, checked, report.first_broken_seq, report.reason, stream)
    return _check_roots(session, keys, checked)


def signature_ok(keys: Keys, version: int, body: str, signature: str) -> bool:
    try:
        signer = public_key(keys.version("signing", version).material)
        verify_signature(signer, body.encode(), base64.b64decode(signature, validate=True))
    except (ValueError, KeyNotFoundError, CryptoError):
        return False
    return True


def _check_roots(session: DbSession, keys: Keys, checked: int) -> ChainReport:
    """Every stored root is signed and names its predecessor; the newest names entries the
    streams still hold. (A root is authentic, so the entries it names were once there: the
    newest covers the older ones because each stream only grows.)"""
    prev, newest = GENESIS, None
    for note_text in session.scalars(select(AuditRoot.note).order_by(AuditRoot.id)):
        try:
            note = parse_root(note_text)
        except ValueError:
            return ChainReport(False, checked, None, BreakReason.ROOT_INVALID)
        if note.legacy or note.prev != prev or not signature_ok(
                keys, note.key_version, note.body, note.signature):
            return ChainReport(False, checked, None, BreakReason.ROOT_INVALID)
        prev, newest = note.digest, note
    if newest is not None:
        for head in newest.heads:
            missing = root_entry_problem(session, head.stream, head.seq, head.mac)
            if missing is not None:
                return ChainReport(False, checked, missing, BreakReason.ROOT_MISMATCH,
                                   head.stream)
    return ChainReport(True, checked)


def root_entry_problem(session: DbSession, stream: int, seq: int, entry_mac: str) -> int | None:
    """None if entry ``seq`` of ``stream`` is there with this MAC; else the first entry
    that is missing (the stream was cut) or differs."""
    if seq == 0:
        return None
    found = session.scalar(select(_EVENTS.c.mac).where(_EVENTS.c.stream == stream,
                                                       _EVENTS.c.seq == seq))
    if found is None:
        last = session.scalar(select(func.max(_EVENTS.c.seq)).where(
            _EVENTS.c.stream == stream)) or 0
        return min(last, seq - 1) + 1
    return None if found == entry_mac else seq


# --- Reading -----------------------------------------------------------------------------


def page(session: DbSession, *, before_seq: int | None, size: int = 50,
         action: str | None = None, actor: str | None = None,
         since: datetime | None = None, until: datetime | None = None) -> list[AuditEvent]:
    """Newest first (in insertion order over all streams), keyset-paginated on the row id,
    optionally filtered by action prefix, actor and a time range (``since`` included,
    ``until`` excluded; naive UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(size)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_seq is not None:
        query = query.where(AuditEvent.id < before_seq)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    return list(session.scalars(query))



def events_page(session: DbSession, request: paging.PageRequest, *,
                action: str | None = None, actor: str | None = None,
                since: datetime | None = None, until: datetime | None = None,
                ) -> paging.Page[AuditEvent]:
    """Newest first, a page at a time with the filtered total (issue 12); ordered by the
    listing id, which grows across every stream (issue 12.3). Filters as :func:`page`."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return paging.keyset(session, query, (AuditEvent.id,), request)


def actions(session: DbSession) -> list[str]:
    """Every action code the trail holds (for the filter's list)."""
    return list(session.scalars(select(AuditEvent.action).distinct()))


def count(session: DbSession) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def iter_all(session: DbSession) -> Iterator[AuditEvent]:
    yield from session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000)
