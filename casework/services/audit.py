"""Append to and verify the hash-chained audit trail (issue 2, item 5).

The MAC is HMAC-SHA256 under the dedicated audit key, so someone with write access to the
database but not the key file cannot forge a consistent chain. Appends lock the chain head
row first: PostgreSQL takes a row lock, SQLite the database write lock, so two concurrent
requests can never both extend the chain from the same head.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from casework.domain.audit_chain import GENESIS, ChainEntry, ChainReport, verify_chain
from casework.models import AuditChainHead, AuditEvent
from casework.services.db import DbSession
from casework.services.keys import Keys
from crypto import KeyNotFoundError, canonical, mac

CHAIN = "main"


class AuditTrailBroken(Exception):  # noqa: N818
    """Entries exist past the chain head (forged or a broken tail): appending would collide
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


def _entry(row: AuditEvent) -> ChainEntry:
    return ChainEntry(
        seq=row.seq, at=row.at, actor=row.actor, action=row.action,
        object_type=row.object_type, object_ref=row.object_ref, outcome=row.outcome,
        request_id=row.request_id, key_version=row.key_version, prev_mac=row.prev_mac,
        mac=row.mac,
    )


def _mac(keys: Keys, version: int, fields: tuple[str, ...]) -> str | None:
    try:
        key = keys.version("audit", version)
    except KeyNotFoundError:
        return None
    return mac(key.material, canonical("senim-audit-v1", *fields)).hex()


def record(session: DbSession, keys: Keys, event: Event, *, now: datetime) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    # Take the lock before reading the head (see module docstring).
    locked = session.execute(
        update(AuditChainHead).where(AuditChainHead.name == CHAIN).values(updated_at=now)
    )
    if locked.rowcount == 0:  # type: ignore[attr-defined]
        session.add(AuditChainHead(name=CHAIN, seq=0, mac=GENESIS, updated_at=now))
        session.flush()
    head = session.execute(
        select(AuditChainHead).where(AuditChainHead.name == CHAIN).with_for_update()
    ).scalar_one()
    if session.scalar(select(AuditEvent.seq).where(AuditEvent.seq > head.seq).limit(1)):
        raise AuditTrailBroken()
    key = keys.current("audit")
    row = AuditEvent(
        seq=head.seq + 1, at=now.replace(tzinfo=None), actor=event.actor, action=event.action,
        object_type=event.object_type, object_ref=event.object_ref, outcome=event.outcome,
        request_id=event.request_id, key_version=key.version, prev_mac=head.mac, mac="",
    )
    row.mac = _mac(keys, key.version, _entry(row).fields()) or ""
    session.add(row)
    head.seq, head.mac = row.seq, row.mac
    session.flush()
    return row


def verify(session: DbSession, keys: Keys) -> ChainReport:
    """Check the whole chain and name the first entry that does not hold."""
    head = session.get(AuditChainHead, CHAIN)
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000)
    return verify_chain(
        (_entry(r) for r in rows),
        mac=lambda version, fields: _mac(keys, version, fields),
        head_seq=head.seq if head else 0,
        head_mac=head.mac if head else GENESIS,
    )


def page(session: DbSession, *, before_seq: int | None, size: int = 50,
         action: str | None = None, actor: str | None = None,
         since: datetime | None = None, until: datetime | None = None) -> list[AuditEvent]:
    """Newest first, keyset-paginated, optionally filtered by action prefix, actor and a
    time range (``since`` included, ``until`` excluded; naive UTC)."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(size)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    if action:
        query = query.where(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEvent.actor == actor)
    return list(session.scalars(query))


def actions(session: DbSession) -> list[str]:
    """Every action code the trail holds (for the filter's list)."""
    return list(session.scalars(select(AuditEvent.action).distinct()))


def count(session: DbSession) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def iter_all(session: DbSession) -> Iterator[AuditEvent]:
    yield from session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000)
