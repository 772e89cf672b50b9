"""Writes that touch both databases land on both or on neither (issue 16.5).

The casework and intelligence databases are separate (the intelligence store must never
share a database with victim records), so one unit of work that writes to both (an
intelligence entry and its audit event, a source link, a key rewrap) needs its own
protocol. ``commit`` replaces the session's commit when the intelligence side changed:

1. flush; an undo image of every intelligence row touched was captured at flush time;
2. add ``IntelWriteJournal(txid, undo)`` on the intelligence side and
   ``CrossWrite(txid, committed)`` on the casework side;
3. commit the intelligence side; a failure rolls everything back (nothing was saved);
4. commit the casework side; a failure is compensated: the reconciler's claim
   ``CrossWrite(txid, aborted)`` is inserted (fencing a commit still in flight), the undo
   journal is applied and removed. If the claim finds the casework commit did land after
   all, the write stands;
5. remove the journal row (best effort; ``reconcile`` finishes it otherwise).

A crash between 3 and 4 leaves a journal row without a decision: ``reconcile`` (the
scheduler's job and ``senim check``) settles it the same way as step 4. The primary key of
``CrossWrite`` is the arbiter, so the real commit and the reconciler can never both win.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, delete, event, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session

from casework.logs import event as log_event
from casework.models import AuditEvent, IntelEntry, IntelWriteJournal, Person, SourceLink
from casework.models.base import IntelBase, utcnow
from casework.models.consistency import CrossWrite
from casework.services import audit, caseloads, subjects
from casework.services.context import Ctx
from casework.services.subjects import IntegrityAlarm, SubjectShredded
from crypto import CryptoError, KeyNotFoundError, mac

log = logging.getLogger("senim.consistency")

COMMITTED, ABORTED = "committed", "aborted"
_UNDO = "senim.intel_undo"
CREATE_ACTIONS = ("intel.create", "intel.incoming")
ACKNOWLEDGED = "consistency.missing_entry"


class NotSaved(Exception):  # noqa: N818
    """A two-database write failed and was undone: nothing the user entered was saved."""

    def __init__(self, side: str) -> None:
        super().__init__(side)
        self.side = side


def commit_side(side: str, transaction: Any) -> None:
    """Commit one database's transaction (the seam tests use to inject a failure)."""
    transaction.commit()


# --- undo images, captured while the session flushes ------------------------------------

def _is_intel(obj: Any) -> bool:
    return isinstance(obj, IntelBase) and not isinstance(obj, IntelWriteJournal)


def _encode(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"b": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "b" in value:
        return base64.b64decode(value["b"])
    if isinstance(value, dict) and "t" in value:
        return datetime.fromisoformat(value["t"])
    return value


def _undo(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    return session.info.setdefault(_UNDO, {})


def _capture(session: Session, table: Table, rows: Iterator[Any]) -> None:
    undo = _undo(session)
    for row in rows:
        mapping = dict(row._mapping)
        pk = {c.name: _encode(mapping[c.name]) for c in table.primary_key.columns}
        key = (table.name, json.dumps(pk, sort_keys=True))
        if key not in undo:  # the first image is the one before this transaction
            undo[key] = {"table": table.name, "pk": pk,
                         "before": {k: _encode(v) for k, v in mapping.items()}}


def _pk_clause(table: Table, pk: dict[str, Any]) -> Any:
    return and_(*(table.c[name] == _decode(value) for name, value in pk.items()))


def _intel(session: Session) -> Connection:
    return session.connection(bind_arguments={"mapper": inspect(IntelWriteJournal)})


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not _is_intel(obj) or not session.is_modified(obj) and obj not in session.deleted:
            continue
        state = inspect(obj)
        table = state.mapper.local_table
        assert isinstance(table, Table)
        identity = state.identity
        if identity is None:
            continue
        pk = dict(zip((c.name for c in table.primary_key.columns), identity, strict=True))
        key = (table.name, json.dumps({k: _encode(v) for k, v in pk.items()}, sort_keys=True))
        if key in _undo(session):
            continue
        rows = _intel(session).execute(select(table).where(_pk_clause(table, pk)))
        _capture(session, table, iter(rows))


def _after_flush(session: Session, _context: Any) -> None:
    undo = _undo(session)
    for obj in session.new:
        if not _is_intel(obj):
            continue
        state = inspect(obj)
        table = state.mapper.local_table
        assert isinstance(table, Table)
        pk = {c.name: _encode(getattr(obj, state.mapper.get_property_by_column(c).key))
              for c in table.primary_key.columns}
        key = (table.name, json.dumps(pk, sort_keys=True))
        undo.setdefault(key, {"table": table.name, "pk": pk, "before": None})


def _bulk_statement(state: ORMExecuteState) -> None:
    """``update(IntelEntry)…``/``delete(…)`` bypass the flush: image the rows they hit."""
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or table.name not in IntelBase.metadata.tables \
            or table.name == IntelWriteJournal.__tablename__:
        return
    where = state.statement.whereclause  # type: ignore[attr-defined]
    query = select(table) if where is None else select(table).where(where)
    _capture(state.session, table, iter(_intel(state.session).execute(query)))


def _end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_UNDO, None)


def install(session_class: type[Session]) -> None:
    """Attach the undo capture to a session class (done once, in extensions)."""
    event.listen(session_class, "before_flush", _before_flush)
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _bulk_statement)
    event.listen(session_class, "after_transaction_end", _end)


# --- the commit protocol ----------------------------------------------------------------

def _engines(session: Session) -> tuple[Engine, Engine]:
    casework = session.get_bind(mapper=inspect(CrossWrite))
    intel = session.get_bind(mapper=inspect(IntelWriteJournal))
    assert isinstance(casework, Engine)
    assert isinstance(intel, Engine)
    return casework, intel


def _commit_on(session: Session, engine: Engine, side: str) -> None:
    """Commit the session's transaction on one database now, in the protocol's order.

    The session keeps a fresh (empty) transaction on that connection in its place, so its
    own commit or rollback afterwards finds nothing left to do there.
    """
    tx = session.get_transaction()
    assert tx is not None
    connections = tx._connections  # noqa: SLF001 (no public way to order the commits)
    conn, trans, should_commit, autoclose = connections[engine]
    try:
        commit_side(side, trans)
    finally:
        if not trans.is_active:
            fresh = conn.begin()
            for key, value in list(connections.items()):
                if value[0] is conn:
                    connections[key] = (conn, fresh, should_commit, autoclose)


def commit(session: Session, finish: Callable[[], None]) -> None:
    """Commit ``session``; ``finish`` is the plain commit (bookkeeping, single database)."""
    # The queued audit events belong to the casework side's commit below, which bypasses
    # the session's own commit (and so the hook that would append them).
    audit.flush(session)
    session.flush()
    undo = session.info.get(_UNDO)
    if not undo:
        finish()
        return
    txid, now = secrets.token_hex(16), utcnow()
    session.add(IntelWriteJournal(txid=txid, created_at=now,
                                  undo=json.dumps(list(undo.values()))))
    session.add(CrossWrite(txid=txid, outcome=COMMITTED, at=now))
    session.flush()
    casework_engine, intel_engine = _engines(session)
    try:
        _commit_on(session, intel_engine, "intel")
    except Exception as error:
        session.rollback()
        log_event(log, "consistency.not_saved", side="intel", txid=txid)
        raise NotSaved("intel") from error
    try:
        _commit_on(session, casework_engine, "casework")
    except Exception as error:
        session.rollback()
        if settle(casework_engine, intel_engine, txid, now=utcnow()) != COMMITTED:
            log_event(log, "consistency.not_saved", side="casework", txid=txid)
            raise NotSaved("casework") from error
        return  # the casework commit had landed after all; settle removed the journal
    finish()
    _forget(intel_engine, txid)


def _forget(intel_engine: Engine, txid: str) -> None:
    try:
        with intel_engine.begin() as conn:
            conn.execute(delete(IntelWriteJournal).where(IntelWriteJournal.txid == txid))
    except SQLAlchemyError:
        log_event(log, "consistency.journal_kept", txid=txid)


def _claim(casework_engine: Engine, txid: str, now: datetime) -> str:
    """Declare ``txid`` aborted unless its casework commit already landed; say which."""
    try:
        with casework_engine.begin() as conn:
            conn.execute(insert(CrossWrite).values(txid=txid, outcome=ABORTED, at=now))
        return ABORTED
    except IntegrityError:
        with casework_engine.connect() as conn:
            outcome = conn.scalar(select(CrossWrite.outcome).where(CrossWrite.txid == txid))
        return str(outcome)


def _apply_undo(conn: Connection, images: list[dict[str, Any]]) -> None:
    for image in reversed(images):
        table = IntelBase.metadata.tables[image["table"]]
        where = _pk_clause(table, image["pk"])
        if image["before"] is None:
            conn.execute(delete(table).where(where))
            continue
        before = {k: _decode(v) for k, v in image["before"].items()}
        if not conn.execute(update(table).where(where).values(**before)).rowcount:
            conn.execute(insert(table).values(**before))


def settle(casework_engine: Engine, intel_engine: Engine, txid: str, *,
           now: datetime) -> str | None:
    """Decide one journalled write: COMMITTED (kept) or ABORTED (undone); None if a
    database could not be reached (the journal stays for the next attempt)."""
    try:
        outcome = _claim(casework_engine, txid, now)
        with intel_engine.begin() as conn:
            raw = conn.scalar(select(IntelWriteJournal.undo)
                              .where(IntelWriteJournal.txid == txid))
            if raw is not None and outcome == ABORTED:
                _apply_undo(conn, json.loads(raw))
            conn.execute(delete(IntelWriteJournal).where(IntelWriteJournal.txid == txid))
    except SQLAlchemyError:
        log_event(log, "consistency.settle_deferred", txid=txid)
        return None
    log_event(log, "consistency.settled", txid=txid, outcome=outcome)
    return outcome


# --- reconciliation and the orphan check ------------------------------------------------

@dataclass
class CheckReport:
    settled: dict[str, str] = field(default_factory=dict)  # txid -> committed|aborted
    deferred: list[str] = field(default_factory=list)  # journals still undecided
    unaudited_entries: list[str] = field(default_factory=list)  # references
    missing_entries: list[str] = field(default_factory=list)  # audited, not there
    acknowledged: list[str] = field(default_factory=list)  # repaired this run
    unlinked_entries: list[str] = field(default_factory=list)  # token without a link
    dangling_links: int = 0  # links whose entry does not exist (removed)
    caseloads_corrected: int = 0  # kept caseload counts that were wrong (set right)

    @property
    def unrepaired(self) -> bool:
        return bool(self.deferred or self.unaudited_entries or self.unlinked_entries
                    or set(self.missing_entries) - set(self.acknowledged))

    @property
    def found(self) -> bool:
        return bool(self.settled or self.missing_entries or self.dangling_links
                    or self.caseloads_corrected or self.unrepaired)


def reconcile(session: Session, *, now: datetime, grace: timedelta,
              report: CheckReport | None = None) -> CheckReport:
    """Settle every journalled write older than ``grace`` (younger ones may be in flight)."""
    report = report or CheckReport()
    casework_engine, intel_engine = _engines(session)
    with intel_engine.connect() as conn:
        txids = list(conn.scalars(select(IntelWriteJournal.txid).where(
            IntelWriteJournal.created_at <= now - grace).order_by(
            IntelWriteJournal.created_at)))
    for txid in txids:
        outcome = settle(casework_engine, intel_engine, txid, now=now)
        if outcome is None:
            report.deferred.append(txid)
        else:
            report.settled[txid] = outcome
    return report


def _link_entry(ctx: Ctx, link: SourceLink) -> str | None:
    """The entry a source link points to; None when it cannot be read (shredded)."""
    person = ctx.session.get(Person, link.person_id)
    if person is None:
        return None
    try:
        data = subjects.unseal_row(ctx, person.subject_id, link, "link_ciphertext") or {}
    except (SubjectShredded, IntegrityAlarm, CryptoError, KeyNotFoundError):
        return None
    entry = data.get("entry") if isinstance(data, dict) else None
    return str(entry) if entry else None


def find_orphans(ctx: Ctx, report: CheckReport) -> CheckReport:
    """Compare the two databases: entries nobody audited, audited entries that are not
    there, tokens without a link, links without an entry (those are removed)."""
    session = ctx.session
    entries = {ref: (public_id, token) for ref, public_id, token in session.execute(
        select(IntelEntry.reference, IntelEntry.public_id, IntelEntry.source_token))}
    created = set(session.scalars(select(AuditEvent.object_ref).where(
        AuditEvent.action.in_(CREATE_ACTIONS), AuditEvent.outcome == "ok")))
    acknowledged = set(session.scalars(select(AuditEvent.object_ref).where(
        AuditEvent.action == ACKNOWLEDGED)))
    report.unaudited_entries = sorted(set(entries) - created)
    report.missing_entries = sorted(r for r in created - set(entries) - acknowledged if r)
    hashes = set(session.scalars(select(SourceLink.token_hash)))
    key = subjects.index_key(ctx, "source_links.token")
    report.unlinked_entries = sorted(
        ref for ref, (_, token) in entries.items()
        if token and mac(key, token.encode("ascii")) not in hashes)
    public_ids = {public_id for public_id, _ in entries.values()}
    for link in list(session.scalars(select(SourceLink))):
        entry = _link_entry(ctx, link)
        if entry is not None and entry not in public_ids:
            session.delete(link)
            report.dangling_links += 1
    return report


def check(ctx: Ctx, *, grace: timedelta) -> CheckReport:
    """``senim check``: settle journalled writes, then find and repair orphans.

    Repairs: an undecided write is settled; an audited entry that does not exist is
    acknowledged in the chain (the chain is append-only); a link to a missing entry is
    removed. Entries nobody audited and tokens without a link cannot be repaired safely
    (which person, which author?) and are only reported.
    """
    report = reconcile(ctx.session, now=ctx.now, grace=grace)  # type: ignore[arg-type]
    find_orphans(ctx, report)
    for reference in report.missing_entries:
        ctx.audit(ACKNOWLEDGED, outcome="repaired", object_type="intel_entry",
                  object_ref=reference)
        report.acknowledged.append(reference)
    report.caseloads_corrected = caseloads.recount(ctx)
    if report.caseloads_corrected:
        ctx.audit("consistency.caseload_counts_corrected", outcome="repaired",
                  object_type="staff", object_ref=str(report.caseloads_corrected))
    if report.dangling_links:
        ctx.audit("consistency.dangling_links_removed", outcome="repaired",
                  object_type="source_link", object_ref=str(report.dangling_links))
    if report.found:
        ctx.audit("consistency.check", outcome="unrepaired" if report.unrepaired
                  else "repaired")
    return report
