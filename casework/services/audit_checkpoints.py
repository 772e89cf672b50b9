"""Signed checkpoints of the audit chain, to be kept off the server.

The hash chain shows edits, deletions and insertions, but someone with write access to the
database could cut the tail and roll the head row back to match. A checkpoint — the head's
sequence number and MAC at a moment, signed with the organisation's Ed25519 key and printed,
mailed to the board or stored on write-once media — proves the chain once reached that
point. Verifying against it detects the cut. Format (a signed note, as in C2SP
tlog-checkpoint):

    senim/audit
    <sequence number>
    <head MAC, hex>
    <UTC time>

    — senim/audit <key version>:<base64 Ed25519 signature over the four lines>
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from casework.models import AuditChainHead, AuditEvent
from casework.services.audit import CHAIN
from casework.services.db import DbSession
from casework.services.keys import Keys
from crypto import CryptoError, KeyNotFoundError, public_key, sign, verify

ORIGIN = "senim/audit"


@dataclass(frozen=True)
class CheckpointResult:
    ok: bool
    reason: str  # "ok" or why not (safe to print)


def make(session: DbSession, keys: Keys, *, now: datetime) -> str:
    head = session.get(AuditChainHead, CHAIN)
    seq, mac = (head.seq, head.mac) if head else (0, "0" * 64)
    body = f"{ORIGIN}\n{seq}\n{mac}\n{now.replace(microsecond=0).isoformat()}Z\n"
    key = keys.current("signing")
    signature = base64.b64encode(sign(key.material, body.encode())).decode()
    return f"{body}\n— {ORIGIN} {key.version}:{signature}\n"


def check(session: DbSession, keys: Keys, text: str) -> CheckpointResult:
    """Is the chain still at least as long as the checkpoint, with the same entry there?"""
    try:
        body, _, signature_line = text.partition("\n\n")
        origin, seq_text, mac, _when = body.splitlines()
        version_text, _, b64 = signature_line.strip().split(" ")[-1].partition(":")
        signer = public_key(keys.version("signing", int(version_text)).material)
        verify(signer, (body + "\n").encode(), base64.b64decode(b64, validate=True))
        seq = int(seq_text)
    except (ValueError, KeyNotFoundError, CryptoError):
        return CheckpointResult(False, "the checkpoint is malformed or its signature is invalid")
    if origin != ORIGIN:
        return CheckpointResult(False, "not an audit checkpoint")
    if seq == 0:
        return CheckpointResult(True, "ok")
    entry = session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
    if entry is None:
        return CheckpointResult(False, f"entry {seq} named by the checkpoint is missing: "
                                       "the chain was cut after the checkpoint was taken")
    if entry.mac != mac:
        return CheckpointResult(False, f"entry {seq} differs from the checkpoint")
    return CheckpointResult(True, "ok")
