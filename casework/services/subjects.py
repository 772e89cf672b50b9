"""Per-subject data keys and the encrypted values under them (issue 3, items 2-4).

Every read and write of a subject's encrypted field goes through here, so the rules are
in one place: fresh nonce per write, associated data binding the ciphertext to its table,
column, row and subject, and a decryption failure treated as an integrity alarm.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import aliased, scoped_session

from casework.logs import event
from casework.models import BlindIndexEntry, Subject, SubjectKey
from casework.services.context import Ctx
from casework.services.db import read_columns
from casework.services.errors import ServiceError
from crypto import (
    CryptoError,
    SecretKey,
    blind_index,
    decrypt_field,
    derive_index_key,
    encrypt_field,
    field_context,
    field_key_version,
    generate_key,
    unwrap_key,
    wrap_key,
)

log = logging.getLogger("senim.subjects")
WRAP_PURPOSE = "subject-data-key"
KEY_KIND = "subject"  # this module's entries in the per-request key cache
WRITE_KIND = "subject-write"  # ... and those unwrapped to seal new data
# Sized for the expected number of people an organisation holds (crypto.index_bits_for):
# 16 bits keeps false positives rare at tens of thousands of people while every value
# still collides with others, so an index value alone does not single anyone out.
INDEX_BITS = 16


class IntegrityAlarm(ServiceError):  # noqa: N818 - an alarm, not a programming error
    """A ciphertext failed to decrypt: tampered, moved, or its key is gone."""

    def __init__(self) -> None:
        Exception.__init__(self, "integrity_failure")
        self.reasons = ()


class SubjectShredded(ServiceError):  # noqa: N818
    def __init__(self) -> None:
        Exception.__init__(self, "subject_shredded")
        self.reasons = ()


def new_subject(ctx: Ctx, kind: str) -> Subject:
    """Create a subject with a fresh random 256-bit data key (version 1)."""
    subject = Subject(kind=kind, created_at=ctx.now)
    ctx.session.add(subject)
    ctx.session.flush()
    _store_key(ctx, subject.subject_id, version=1, material=generate_key())
    scope = _scope(ctx)
    if scope is not None:
        # Inserted in this transaction: no one else can see the row, let alone rotate its
        # key, before the commit (see hold_for_write), and it has no index entries yet.
        _holds(ctx).add(subject.subject_id)
        scope.fresh[subject.subject_id] = set()
    return subject


def _store_key(ctx: Ctx, subject_id: str, *, version: int, material: bytes) -> None:
    kek = ctx.keys.current("casework")
    wrapped = wrap_key(kek, material, subject=subject_id, purpose=WRAP_PURPOSE)
    ctx.session.add(SubjectKey(subject_id=subject_id, version=version, kek_version=kek.version,
                               wrapped_key=wrapped, created_at=ctx.now))
    ctx.session.flush()
    scope = _scope(ctx)
    if scope is not None:  # the newest version now; a fresh key needs no unwrapping
        key = SecretKey(version=version, material=material)
        scope.keys[(subject_id, version)] = scope.keys[(subject_id, None)] = key


_SCOPE = "senim.key_scope"


@dataclass
class _Scope:
    keys: dict[tuple[str, int | None], SecretKey] = field(default_factory=dict)
    # Subjects created inside the scope, with the index columns written for them since: a
    # column not written yet has no entries to replace.
    fresh: dict[str, set[str]] = field(default_factory=dict)
    # Index entries of fresh subjects, inserted in one statement when the scope ends.
    pending_index: list[dict[str, Any]] = field(default_factory=list)
    index_keys: dict[str, bytes] = field(default_factory=dict)


def _scope(ctx: Ctx) -> _Scope | None:
    scope: _Scope | None = ctx.session.info.get(_SCOPE)
    return scope


@contextmanager
def key_scope(ctx: Ctx) -> Iterator[None]:
    """Within the block, each data key is unwrapped at most once (bulk import, issue 12);
    the index entries of subjects created in it are written together when it ends.

    Opt-in and short-lived: the unwrapped keys live in the scope only until the block ends
    (the caller wraps one batch, one transaction), never in a process-wide cache; shredding
    and key rotation never run inside it.
    """
    previous = ctx.session.info.get(_SCOPE)
    scope = ctx.session.info[_SCOPE] = _Scope()
    try:
        yield
        if scope.pending_index:
            ctx.session.execute(insert(BlindIndexEntry), scope.pending_index)
    finally:
        if previous is None:
            ctx.session.info.pop(_SCOPE, None)
        else:
            ctx.session.info[_SCOPE] = previous


@functools.cache
def _key_rows() -> tuple[Select[int, int, bytes], Select[int, int, bytes]]:
    """A subject's key row (one version; the newest), built once (issue 12). Columns, not
    entities: nothing changes them, so they need no identity map (db.read_columns)."""
    mine = select(SubjectKey.version, SubjectKey.kek_version, SubjectKey.wrapped_key).where(
        SubjectKey.subject_id == bindparam("subject_id"))
    return (mine.where(SubjectKey.version == bindparam("version")),
            mine.order_by(SubjectKey.version.desc()).limit(1))


@functools.cache
def _newest_keys() -> Select[str, int, int, bytes]:
    """The newest key row of each of a page of subjects, built once (issue 12)."""
    newest = (select(SubjectKey.subject_id, func.max(SubjectKey.version).label("v"))
              .where(SubjectKey.subject_id.in_(bindparam("subject_ids", expanding=True)))
              .group_by(SubjectKey.subject_id).subquery())
    return select(SubjectKey.subject_id, SubjectKey.version, SubjectKey.kek_version,
                  SubjectKey.wrapped_key).join(newest, (
        SubjectKey.subject_id == newest.c.subject_id) & (SubjectKey.version == newest.c.v))


def data_key(ctx: Ctx, subject_id: str, version: int | None = None, *,
             for_write: bool = False) -> SecretKey:
    """One version (default: the newest) of a subject's data key, unwrapped at most once
    per unit of work (``ctx.key_cache``, issue 12).

    ``for_write``: the key will protect new data, so first hold the subject against a
    concurrent data-key rotation (:func:`hold_for_write`); the newest version is then
    always read from the database, never assumed from the cache. Keys unwrapped for
    writing are cached apart from keys unwrapped for reading, so a stored key that was
    altered after this unit of work wrote under it still raises the alarm when read."""
    kind = WRITE_KIND if for_write else KEY_KIND
    if for_write:
        hold_for_write(ctx, subject_id)
    if version is not None:
        cached = ctx.key_cache.get(kind, subject_id, version)
        if cached is not None:
            return cached
    scope = _scope(ctx)  # an import batch: the newest version is known too (issue 12.4)
    if scope is not None and (subject_id, version) in scope.keys:
        return scope.keys[(subject_id, version)]
    one_version, newest = _key_rows()
    row = (read_columns(ctx.session, one_version, {"subject_id": subject_id, "version": version},
                        on=SubjectKey).first() if version is not None else
           read_columns(ctx.session, newest, {"subject_id": subject_id}, on=SubjectKey).first())
    if row is None:
        if version is not None and ctx.session.scalar(select(SubjectKey.id).where(
                SubjectKey.subject_id == subject_id).limit(1)) is not None:
            # The subject has keys, just not the version a token names: the token's
            # header was altered (or the token comes from elsewhere), not a shredding.
            _alarm(ctx, "subject_key", subject_id)
        raise SubjectShredded()
    cached = ctx.key_cache.get(kind, subject_id, row.version, wrapped=row.wrapped_key)
    if cached is not None:
        return cached
    try:
        ctx.keys.version("casework", row.kek_version)  # re-reads the key file if newer
        material = unwrap_key(ctx.keys.keyset("casework"), row.wrapped_key,
                              subject=subject_id, purpose=WRAP_PURPOSE)
    except CryptoError:
        _alarm(ctx, "subject_key", subject_id)
    key = ctx.key_cache.put(kind, subject_id,
                            SecretKey(version=row.version, material=material),
                            wrapped=row.wrapped_key)
    if scope is not None:
        scope.keys[(subject_id, version)] = scope.keys[(subject_id, row.version)] = key
    return key


def preload_keys(ctx: Ctx, subject_ids: list[str]) -> None:
    """Unwrap the newest data key of each subject with one statement (a page of people
    decrypts under all of them; without this each would cost its own query)."""
    wanted = list(dict.fromkeys(subject_ids))
    if not wanted:
        return
    # Columns, not entities: nothing here is changed, so the rows need no identity map.
    for row in read_columns(ctx.session, _newest_keys(), {"subject_ids": wanted}, on=SubjectKey):
        if ctx.key_cache.get(KEY_KIND, row.subject_id, row.version,
                             wrapped=row.wrapped_key) is not None:
            continue
        try:
            ctx.keys.version("casework", row.kek_version)
            material = unwrap_key(ctx.keys.keyset("casework"), row.wrapped_key,
                                  subject=row.subject_id, purpose=WRAP_PURPOSE)
        except CryptoError:
            _alarm(ctx, "subject_key", row.subject_id)
        ctx.key_cache.put(KEY_KIND, row.subject_id,
                          SecretKey(version=row.version, material=material),
                          wrapped=row.wrapped_key)


def forget_keys(ctx: Ctx, subject_id: str, *, below: int | None = None) -> None:
    """Drop a subject's cached keys after a rotation (``below``) or a shredding."""
    ctx.key_cache.forget(KEY_KIND, subject_id, below=below)
    ctx.key_cache.forget(WRITE_KIND, subject_id, below=below)


def seal(ctx: Ctx, subject_id: str, value: Any, *, table: str, column: str, row: str) -> bytes:
    """Encrypt a JSON-serialisable value under the subject's current data key."""
    plaintext = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    context = field_context(table=table, column=column, row=row, subject=subject_id)
    return encrypt_field(data_key(ctx, subject_id, for_write=True), plaintext,
                         context=context)


def hold_for_write(ctx: Ctx, subject_id: str) -> None:
    """Hold the subject's row until the transaction ends, once per transaction: a share
    lock on PostgreSQL, the database write lock on SQLite.

    ``keyops.rotate_data_key`` locks the row exclusively, so a write either commits before
    the rotation reads the subject's rows (and is re-encrypted by it) or waits and then
    seals under the new key. pysqlite begins a transaction only at the first write, so on
    SQLite a no-op write takes the lock before the key is read.
    """
    postgres = ctx.session.get_bind().dialect.name == "postgresql"
    held = _holds(ctx)
    if subject_id in held:
        return
    share, write = _hold_statements()
    ctx.session.execute(share if postgres else write, {"held_subject": subject_id})
    held.add(subject_id)


@functools.cache
def _hold_statements() -> tuple[Select[Any], Any]:
    """The two ways to hold a subject (see :func:`hold_for_write`), built once: every
    write runs one (issue 12)."""
    subject_id: Any = bindparam("held_subject")  # not a column's name: UPDATE binds those
    return (select(Subject.subject_id).where(Subject.subject_id == subject_id)
            .with_for_update(read=True),
            update(Subject).where(Subject.subject_id == subject_id).values(kind=Subject.kind))


def _holds(ctx: Ctx) -> set[str]:
    """The subjects held in the current transaction."""
    ctx.session.connection()  # begins the transaction if none has begun
    real = ctx.session() if isinstance(ctx.session, scoped_session) else ctx.session
    transaction = real.get_transaction()
    held = ctx.session.info.get("senim.subject_holds")
    if held is None or held[0] is not transaction:
        held = (transaction, set[str]())
        ctx.session.info["senim.subject_holds"] = held
    holds: set[str] = held[1]
    return holds


def unseal(ctx: Ctx, subject_id: str, token: bytes | None, *, table: str, column: str,
           row: str) -> Any:
    """Decrypt a value; any failure is audited as an integrity alarm and raised."""
    if token is None:
        return None
    context = field_context(table=table, column=column, row=row, subject=subject_id)
    try:
        key = data_key(ctx, subject_id, field_key_version(token))
        return json.loads(decrypt_field(key, token, context=context).decode("utf-8"))
    except (CryptoError, ValueError):
        _alarm(ctx, table, row)


def _alarm(ctx: Ctx, object_type: str, object_ref: str) -> Any:
    event(log, "crypto.integrity_failure", object_type=object_type, object_ref=object_ref)
    ctx.audit("crypto.integrity_failure", outcome="alarm", object_type=object_type[:32],
              object_ref=object_ref)
    raise IntegrityAlarm()


def index_key(ctx: Ctx, column: str) -> bytes:
    scope = _scope(ctx)
    if scope is not None and column in scope.index_keys:
        return scope.index_keys[column]
    root = ctx.keys.current("index_root").material
    table, _, name = column.partition(".")
    key = derive_index_key(root, table=table, column=name)
    if scope is not None:
        scope.index_keys[column] = key
    return key


def index_value(ctx: Ctx, column: str, normalised: str) -> bytes:
    return blind_index(index_key(ctx, column), normalised, bits=INDEX_BITS)


def set_index(ctx: Ctx, subject_id: str, column: str, normalised_values: list[str]) -> None:
    """Replace the subject's blind-index entries for one column."""
    scope = _scope(ctx)
    written = scope.fresh.get(subject_id) if scope is not None else None
    values = dict.fromkeys(v for v in normalised_values if v)
    if scope is not None and written is not None:  # a subject created in this scope
        if column in written:  # rewritten in the same scope: drop what was pending
            scope.pending_index[:] = [e for e in scope.pending_index if
                                      (e["subject_id"], e["column"]) != (subject_id, column)]
        scope.pending_index.extend(
            {"subject_id": subject_id, "column": column,
             "value": index_value(ctx, column, value)} for value in values)
        written.add(column)
        return
    ctx.session.execute(delete(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == subject_id, BlindIndexEntry.column == column))
    for value in values:
        ctx.session.add(BlindIndexEntry(subject_id=subject_id, column=column,
                                        value=index_value(ctx, column, value)))
    ctx.session.flush()


def candidates(ctx: Ctx, column: str, normalised: str) -> list[str]:
    """Subject ids whose index matches; callers must re-check after decryption."""
    value = index_value(ctx, column, normalised)
    return list(ctx.session.scalars(select(BlindIndexEntry.subject_id).where(
        BlindIndexEntry.column == column, BlindIndexEntry.value == value).distinct()))


_COUNT_CAP = 512


# A probe of the blind index: ("in", column, digest) selects the subjects with that entry;
# ("has", column, digest) checks that a subject the query already narrowed down has it.
Probe = tuple[str, str, bytes]


def matching_all_probes(ctx: Ctx, column: str, normalised: list[str]) -> list[Probe]:
    """Probes that a subject has an index entry for every value.

    The candidates come from the value with the fewest entries, and each other value is
    checked per candidate through the subject's own few entries: a full name whose first
    name is shared by thousands ("Aigul") and whose surname by a handful costs as much as
    the handful, with 1,000 people or 100,000 (issue 12). One statement counts the
    entries of every value (index-only, capped)."""
    values = {value: index_value(ctx, column, value) for value in dict.fromkeys(normalised)}
    # The order only steers the query plan (any order finds the same people), so it is
    # kept for the session: a search page and its "someone else matches" check count once.
    remembered: dict[tuple[str, tuple[bytes, ...]], list[bytes]] = ctx.session.info.setdefault(
        "senim.search_order", {})
    key = (column, tuple(values.values()))
    if key in remembered:
        ordered = remembered[key]
    elif len(values) > 1:
        # Counted up to a cap: past it a value is common anyway, and the count stays cheap.
        sizes = ctx.session.execute(select(*(
            select(func.count()).select_from(
                select(BlindIndexEntry.id).where(BlindIndexEntry.column == column,
                                                 BlindIndexEntry.value == digest)
                .limit(_COUNT_CAP).subquery()).scalar_subquery()
            for digest in values.values()))).one()
        ordered = [v for _, v in sorted(zip(sizes, values.values(), strict=True),
                                        key=lambda pair: pair[0])]
    else:
        ordered = list(values.values())
    remembered[key] = ordered
    return [("in", column, ordered[0]), *(("has", column, d) for d in ordered[1:])]


def carrying_probes(ctx: Ctx, column: str, normalised: list[str]) -> list[Probe]:
    """Probes of a subject's own few entries, one per value, for a subject the query
    already narrowed down."""
    return [("has", column, index_value(ctx, column, v)) for v in dict.fromkeys(normalised)]


def clauses(probes: list[Probe], subject: Any) -> list[ColumnElement[bool]]:
    """The probes as conditions on ``subject``, their values inside (built per call)."""
    return [_clause(mode, subject, column, digest) for mode, column, digest in probes]


def probe_template(modes: tuple[str, ...], subject: Any) -> list[ColumnElement[bool]]:
    """The probes of these modes as conditions on ``subject`` whose columns and digests are
    bound parameters (``probe_c<i>``, ``probe_v<i>``: :func:`probe_params`), so a search
    builds its statement once per shape rather than on every request (issue 12)."""
    return [_clause(mode, subject, bindparam(f"probe_c{i}"), bindparam(f"probe_v{i}"))
            for i, mode in enumerate(modes)]


def probe_params(probes: list[Probe]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, (_mode, column, digest) in enumerate(probes):
        params[f"probe_c{i}"], params[f"probe_v{i}"] = column, digest
    return params


def _clause(mode: str, subject: Any, column: Any, digest: Any) -> ColumnElement[bool]:
    if mode == "in":
        return subject.in_(select(BlindIndexEntry.subject_id).where(
            BlindIndexEntry.column == column, BlindIndexEntry.value == digest))
    entry = aliased(BlindIndexEntry)
    return exists().where(entry.subject_id == subject, entry.column == column,
                          entry.value == digest)


def key_versions_in_use(ctx: Ctx) -> dict[int, int]:
    """How many subject keys each casework KEK version still wraps."""
    rows = ctx.session.execute(select(SubjectKey.kek_version, func.count())
                               .group_by(SubjectKey.kek_version))
    return {int(version): int(n) for version, n in rows}


def seal_row(ctx: Ctx, subject_id: str, row: Any, column: str, value: Any) -> None:
    """Encrypt ``value`` into ``row.column``, bound to that row's table and public id."""
    setattr(row, column, seal(ctx, subject_id, value, table=row.__tablename__, column=column,
                              row=row.public_id))


def unseal_row(ctx: Ctx, subject_id: str, row: Any, column: str) -> Any:
    return unseal(ctx, subject_id, getattr(row, column), table=row.__tablename__,
                  column=column, row=row.public_id)


ORGANISATION = "organisation"


def organisation_subject(ctx: Ctx) -> str:
    """The organisation's own subject: its data key protects what belongs to no person
    (shelter addresses, disclosure grounds, police feedback notes)."""
    subject_id = ctx.session.scalar(select(Subject.subject_id).where(
        Subject.kind == ORGANISATION).limit(1))
    return subject_id or new_subject(ctx, ORGANISATION).subject_id
