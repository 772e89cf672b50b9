"""The current key versions, as the casework database names them (issue 16).

The key file holds the keys; the ``key_state`` table says which version of each key set is
current (with its fingerprint). Every process calls :func:`follow` at the start of each
unit of work (web request, scheduler job, operator command): it reads that small table,
re-reads the key file when the database names a version it does not hold or holds
differently, and from then on protects new data only under the named version. It also
acknowledges, in ``key_users``, the versions it now uses, so that retirement can tell
whether a running process is still behind (``keyops.retire``).

Order of writes in a rotation: key file first, database second. A crash in between leaves
a key file with one unused new version and the database still naming the old one, which
every process keeps using; the next ``keys rotate`` finishes the interrupted rotation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, delete, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from casework.domain.keyversions import (
    ACK_EVERY,
    GRACE,
    ProcessAck,
    decode_versions,
    encode_versions,
)
from casework.logs import event
from casework.models import KeyState, KeyUser
from casework.services.db import DbSession, read_columns
from casework.services.keys import Keys
from crypto import KEY_SET_NAMES, KeyMaterial, SecretKey

log = logging.getLogger("senim.keystate")


class KeyStateMismatch(RuntimeError):  # noqa: N818 - an operational alarm
    """The key file does not hold the current version the database names (or holds a
    different key under that number): nothing may be encrypted until an operator fixes it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"the key file does not hold the current {name} key version that "
                         "the casework database names; copy the current key file to this "
                         "server (docs/crypto.md §10)")
        self.name = name


@dataclass(frozen=True)
class Current:
    version: int
    fingerprint: str
    since: datetime


State = dict[str, Current]


def read_state(session: DbSession) -> State:
    return {row.name: Current(row.current_version, row.fingerprint, row.updated_at)
            for row in session.scalars(select(KeyState))}


def ensure_state(session: DbSession, material: KeyMaterial, now: datetime) -> State:
    """The recorded state, first recording the key file's current versions for any key set
    the database does not name yet (a new or just-upgraded instance)."""
    state = read_state(session)
    for name in KEY_SET_NAMES:
        if name not in state:
            key = getattr(material, name).current_key
            session.add(KeyState(name=name, current_version=key.version,
                                 fingerprint=key.fingerprint(), updated_at=now))
            state[name] = Current(key.version, key.fingerprint(), now)
    session.flush()
    return state


def set_current(session: DbSession, name: str, key: SecretKey, now: datetime) -> None:
    """Name ``key`` as the current version of ``name`` (caller holds the key-operation lock
    and has already written the key file)."""
    row = session.get(KeyState, name)
    if row is None:
        session.add(KeyState(name=name, current_version=key.version,
                             fingerprint=key.fingerprint(), updated_at=now))
    else:
        row.current_version, row.fingerprint, row.updated_at = (
            key.version, key.fingerprint(), now)
    session.flush()


def live_processes(session: DbSession, now: datetime) -> list[ProcessAck]:
    """Acknowledgements recent enough that the process may still be at work."""
    rows = session.scalars(select(KeyUser).where(KeyUser.seen_at >= now - GRACE))
    return [ProcessAck(r.process_id, decode_versions(r.versions), r.seen_at) for r in rows]


def forget_stale(session: DbSession, now: datetime) -> None:
    session.execute(delete(KeyUser).where(KeyUser.seen_at < now - timedelta(days=1)))


def agrees(material: KeyMaterial, state: State) -> bool:
    for name, current in state.items():
        keyset = getattr(material, name, None)
        if keyset is None or current.version not in keyset.versions:
            return False
        if keyset.get(current.version).fingerprint() != current.fingerprint:
            return False
    return True


def adopt(keys: Keys, state: State) -> None:
    """Use the versions ``state`` names, re-reading the key file once if needed."""
    if not agrees(keys.file_material(), state):
        event(log, "keys.reload", reason="database_names_other_version")
        keys.reload()
        material = keys.file_material()
        for name, current in state.items():
            if not agrees(material, {name: current}):
                event(log, "keys.state_mismatch", keyset=name)
                raise KeyStateMismatch(name)
    wanted = {name: current.version for name, current in state.items()}
    if keys.pins() != wanted:
        keys.pin(wanted)


_ALL_STATE = select(KeyState.__table__)  # Core, built once: every request reads it (issue 12)


def follow(engine: Engine, keys: Keys, *, now: datetime, role: str,
           session: DbSession | None = None) -> None:
    """Start of a unit of work: take up the current versions, then acknowledge them.

    Uses its own connection (and short transactions), never the unit of work's session:
    with one exception, a read. Given the unit of work's ``session``, the rows are first
    read on the connection it holds; when they are the rows this process last adopted
    against the same key file (nearly every request), nothing else needs doing but the
    periodic acknowledgement, and a request spares a connection of its own (a pool
    checkout, and on PostgreSQL the ping that tests it: issue 12). Anything else is done
    as before, on a connection of its own.
    Raises :class:`KeyStateMismatch` when this key file cannot serve the current versions.
    """
    if not _migrated(engine, keys):
        return
    followed = keys.followed
    if (session is not None and followed is not None
            and followed[1] is keys.file_material()
            and read_columns(session, _ALL_STATE, on=KeyState).all() == followed[0]):
        if _ack_due(keys, now):
            with engine.connect() as conn:
                _acknowledge(conn, keys, now=now, role=role)
        return
    with engine.connect() as conn:
        rows = conn.execute(_ALL_STATE).all()
        followed = keys.followed
        if followed is not None and followed[0] == rows \
                and followed[1] is keys.file_material():
            # The rows this process last adopted, against the same key file: adopting them
            # again would change nothing (issue 12: this runs on every request, and
            # checking fingerprints costs more than reading the rows).
            conn.rollback()
            _acknowledge(conn, keys, now=now, role=role)
            return
        state = {row.name: Current(row.current_version, row.fingerprint, row.updated_at)
                 for row in rows}
        if len(state) < len(KEY_SET_NAMES):
            state = _record_missing(conn, keys.file_material(), state, now)
            rows = []  # not remembered: read them again next time
        conn.rollback()  # end the read transaction before any write below
        checked_against = keys.file_material()
        adopt(keys, state)
        if rows:
            keys.remember_followed(rows, checked_against)
        _acknowledge(conn, keys, now=now, role=role)


def _migrated(engine: Engine, keys: Keys) -> bool:
    if id(engine) in keys.migrated_engines:
        return True
    if not inspect(engine).has_table("key_state"):
        return False  # an instance not yet migrated (`senim init`, `db upgrade`)
    keys.migrated_engines.add(id(engine))
    return True


def _record_missing(conn: Connection, material: KeyMaterial, state: State,
                    now: datetime) -> State:
    conn.rollback()
    for name in KEY_SET_NAMES:
        if name in state:
            continue
        key = getattr(material, name).current_key
        try:
            conn.execute(insert(KeyState).values(
                name=name, current_version=key.version, fingerprint=key.fingerprint(),
                updated_at=now))
            conn.commit()
        except IntegrityError:  # another process recorded it first: read theirs
            conn.rollback()
    rows = conn.execute(select(KeyState)).all()
    return {row.name: Current(row.current_version, row.fingerprint, row.updated_at)
            for row in rows}


def _versions(keys: Keys) -> str:
    """The current versions this process uses, encoded; worked out once per material (the
    pinned key file object, replaced whenever a pin or the file changes)."""
    material = keys.material
    memo = keys.versions_memo
    if memo is None or memo[0] is not material:
        memo = keys.versions_memo = (material, encode_versions(
            {name: getattr(material, name).current_key.version for name in KEY_SET_NAMES}))
    return memo[1]


def _ack_due(keys: Keys, now: datetime) -> bool:
    last = keys.acked
    return last is None or last[0] != _versions(keys) or now - last[1] >= ACK_EVERY


def _acknowledge(conn: Connection, keys: Keys, *, now: datetime, role: str) -> None:
    if not _ack_due(keys, now):
        return
    versions = _versions(keys)
    last = keys.acked
    values: dict[str, object] = {"versions": versions, "seen_at": now, "role": role[:16]}
    if last is None or last[0] != versions:
        values["changed_at"] = now
    try:
        done = conn.execute(update(KeyUser).where(KeyUser.process_id == keys.process_id)
                            .values(**values))
        if done.rowcount == 0:
            conn.execute(insert(KeyUser).values(process_id=keys.process_id,
                                                **{"changed_at": now, **values}))
        conn.commit()
    except (OperationalError, IntegrityError):
        # Busy (SQLite) or raced by our own other thread: the next unit of work retries.
        conn.rollback()
        return
    keys.acked = (versions, now)
