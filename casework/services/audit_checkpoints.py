"""Signed roots ("checkpoints") over every audit stream's head, kept in the database and
off the server (issue 12.3, docs/audit.md).

Each stream's hash chain shows edits, deletions and insertions, but someone with write
access to the database could cut a stream's tail and roll its head row back to match. A
signed root — every stream's sequence number and head MAC at a moment, signed with the
organisation's Ed25519 key — proves the streams once reached those points. Roots are taken
periodically (the scheduler's ``seal_audit`` job) and by ``senim audit checkpoint``; each is
stored, names the digest of the one before it, and is written to the log, and the printed
copy is meant for the board or write-once media. ``senim audit verify`` checks the stored
ones; ``--checkpoint FILE`` checks copies kept elsewhere. Format (a signed note, as in C2SP
tlog-checkpoint):

    senim/audit
    <entries in all streams>
    <root hash over the stream lines, hex>
    <UTC time>
    prev <digest of the previous stored note, hex>
    stream <number> <sequence number> <head MAC, hex>      (one line per stream)

    — senim/audit <key version>:<base64 Ed25519 signature over the lines above>

A checkpoint from before streams (four lines: sequence number and head MAC) is still
accepted and read as stream 0.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from casework.domain.audit_chain import (
    GENESIS,
    ORIGIN,
    StreamHead,
    parse_root,
    root_body,
)
from casework.models import AuditEvent, AuditRoot
from casework.services import audit
from casework.services.db import DbSession
from casework.services.keys import Keys
from crypto import sign


@dataclass(frozen=True)
class CheckpointResult:
    ok: bool
    reason: str  # "ok" or why not (safe to print)


def make(session: DbSession, keys: Keys, *, now: datetime) -> str:
    """Sign every stream's head now, store the note after the previous one, return it.

    Only reads the heads (one statement, one snapshot): appends are never blocked. Two roots
    taken at the same instant cannot both follow the same predecessor (``prev`` is unique):
    the second one's transaction fails and can simply be run again."""
    audit.flush(session)
    previous = session.scalar(select(AuditRoot.note).order_by(AuditRoot.id.desc()).limit(1))
    prev = parse_root(previous).digest if previous else GENESIS
    body = root_body([StreamHead(s, seq, m) for s, (seq, m) in audit.heads(session).items()],
                     prev=prev, now=now)
    key = keys.current("signing")
    signature = base64.b64encode(sign(key.material, body.encode())).decode()
    text = f"{body}\n— {ORIGIN} {key.version}:{signature}\n"
    session.execute(insert(AuditRoot).values(at=now.replace(tzinfo=None), prev=prev,
                                             note=text))
    return text


def check(session: DbSession, keys: Keys, text: str) -> CheckpointResult:
    """Does every stream still hold the entry the checkpoint names for it?"""
    try:
        note = parse_root(text)
    except ValueError:
        return CheckpointResult(False, "the checkpoint is malformed or its signature is invalid")
    if not audit.signature_ok(keys, note.key_version, note.body, note.signature):
        return CheckpointResult(False, "the checkpoint is malformed or its signature is invalid")
    audit.flush(session)
    for head in note.heads:
        if audit.root_entry_problem(session, head.stream, head.seq, head.mac) is None:
            continue
        where = f"entry {head.seq}" + (f" of stream {head.stream}" if head.stream else "")
        if _missing(session, head):
            return CheckpointResult(False, f"{where} named by the checkpoint is missing: "
                                           "the chain was cut after the checkpoint was taken")
        return CheckpointResult(False, f"{where} differs from the checkpoint")
    return CheckpointResult(True, "ok")


def _missing(session: DbSession, head: StreamHead) -> bool:
    return session.scalar(select(AuditEvent.id).where(AuditEvent.stream == head.stream,
                                                      AuditEvent.seq == head.seq)) is None
