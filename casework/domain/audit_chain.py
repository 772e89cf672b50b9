"""The audit trail as hash chains (issue 2, item 5; issue 12.3): pure verification logic.

Each entry's MAC covers the previous entry's MAC and its own fields, so editing, deleting,
inserting or reordering a row breaks the chain at a nameable sequence number. The MAC
function is passed in (HMAC under the dedicated audit key), which keeps this module pure.

The trail is several such chains ("streams"); a signed root names every stream's head at one
moment, as a transparency log's signed tree head does (docs/audit.md). This module builds
and parses the root's text; signing it is the service's job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainEntry:
    seq: int
    at: datetime
    actor: str | None
    action: str
    object_type: str | None
    object_ref: str | None
    outcome: str
    request_id: str | None
    key_version: int
    prev_mac: str
    mac: str
    stream: int = 0

    def fields(self) -> tuple[str, ...]:
        """The exact values the MAC covers, in a fixed order. Stream 0 keeps the fields it
        had before streams existed (its old entries still verify); any other stream's
        entries also cover the stream number, so an entry cannot be moved between streams."""
        base = (
            str(self.seq),
            self.at.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            self.actor or "",
            self.action,
            self.object_type or "",
            self.object_ref or "",
            self.outcome,
            self.request_id or "",
            str(self.key_version),
            self.prev_mac,
        )
        return base + (f"stream={self.stream}",) if self.stream else base


class BreakReason(str, Enum):
    GAP = "sequence_gap"
    PREVIOUS_MISMATCH = "previous_mac_mismatch"
    MAC_MISMATCH = "mac_mismatch"
    HEAD_MISMATCH = "head_mismatch"
    UNKNOWN_KEY = "unknown_key_version"
    # A signed root names an entry the stream no longer has (cut) or has differently.
    ROOT_MISMATCH = "signed_root_mismatch"
    # A stored signed root is malformed, badly signed, or a root between two was removed.
    ROOT_INVALID = "signed_root_invalid"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: BreakReason | None = None
    stream: int = 0


MacFn = Callable[[int, tuple[str, ...]], str | None]


def verify_chain(
    entries: Iterable[ChainEntry], *, mac: MacFn, head_seq: int, head_mac: str,
    stream: int = 0,
) -> ChainReport:
    """Walk the chain in sequence order and name the first entry that does not hold.

    ``mac(key_version, fields)`` returns the expected MAC, or None for an unknown key.
    ``head_seq``/``head_mac`` come from the separately stored chain head, so a deleted tail
    is detected too.
    """
    expected_seq, prev, checked = 1, GENESIS, 0
    for entry in entries:
        if entry.seq != expected_seq or entry.stream != stream:
            return ChainReport(False, checked, expected_seq, BreakReason.GAP, stream)
        if entry.prev_mac != prev:
            return ChainReport(False, checked, entry.seq, BreakReason.PREVIOUS_MISMATCH, stream)
        computed = mac(entry.key_version, entry.fields())
        if computed is None:
            return ChainReport(False, checked, entry.seq, BreakReason.UNKNOWN_KEY, stream)
        if computed != entry.mac:
            return ChainReport(False, checked, entry.seq, BreakReason.MAC_MISMATCH, stream)
        prev, expected_seq, checked = entry.mac, expected_seq + 1, checked + 1
    if checked != head_seq or prev != head_mac:
        # Fewer rows than the head promises: the tail was cut. More rows: something was
        # appended without going through the head. Same count: the head itself was edited.
        first = min(checked, head_seq) + 1 if checked != head_seq else max(head_seq, 1)
        return ChainReport(False, checked, first, BreakReason.HEAD_MISMATCH, stream)
    return ChainReport(True, checked)


# --- Signed roots over every stream's head ----------------------------------------------

ORIGIN = "senim/audit"


@dataclass(frozen=True)
class StreamHead:
    stream: int
    seq: int
    mac: str


@dataclass(frozen=True)
class RootNote:
    """A parsed signed note. ``legacy`` notes predate streams: one head, stream 0."""

    body: str  # the signed text
    heads: tuple[StreamHead, ...]
    prev: str
    key_version: int
    signature: str  # base64
    legacy: bool = False

    @property
    def digest(self) -> str:
        """What the next note names as its predecessor."""
        return hashlib.sha256(self.body.encode()).hexdigest()


def root_hash(heads: Sequence[StreamHead]) -> str:
    """One hash over every stream's head, in stream order."""
    digest = hashlib.sha256(b"senim-audit-root-v1\n")
    for head in sorted(heads, key=lambda h: h.stream):
        digest.update(f"{head.stream} {head.seq} {head.mac}\n".encode())
    return digest.hexdigest()


def root_body(heads: Sequence[StreamHead], *, prev: str, now: datetime) -> str:
    """The text to sign, a C2SP tlog-checkpoint style note: origin, size (entries in all
    streams), root hash, time, then one extension line per stream and the predecessor."""
    ordered = sorted(heads, key=lambda h: h.stream)
    lines = [ORIGIN, str(sum(h.seq for h in ordered)), root_hash(ordered),
             now.replace(microsecond=0, tzinfo=None).isoformat() + "Z", f"prev {prev}"]
    lines += [f"stream {h.stream} {h.seq} {h.mac}" for h in ordered]
    return "\n".join(lines) + "\n"


def parse_root(text: str) -> RootNote:
    """Parse a signed note; raises ValueError if it is not one (the signature is checked by
    the caller). A note of four lines is a checkpoint from before streams: stream 0 only."""
    body, sep, signature_line = text.partition("\n\n")
    if not sep:
        raise ValueError("no signature")
    lines = body.split("\n")
    if len(lines) < 4 or lines[0] != ORIGIN:
        raise ValueError("not an audit note")
    version_text, _, signature = signature_line.strip().split(" ")[-1].partition(":")
    version = int(version_text)
    if len(lines) == 4:
        seq, mac = int(lines[1]), lines[2]
        return RootNote(body + "\n", (StreamHead(0, seq, mac),), GENESIS, version, signature,
                        legacy=True)
    size, claimed, prev_line = int(lines[1]), lines[2], lines[4]
    if not prev_line.startswith("prev "):
        raise ValueError("no predecessor line")
    heads = []
    for line in lines[5:]:
        word, stream_text, seq_text, head_mac = line.split(" ")
        if word != "stream":
            raise ValueError("unknown line")
        heads.append(StreamHead(int(stream_text), int(seq_text), head_mac))
    if root_hash(heads) != claimed or sum(h.seq for h in heads) != size:
        raise ValueError("root does not match its stream lines")
    if len({h.stream for h in heads}) != len(heads):
        raise ValueError("a stream is named twice")
    return RootNote(body + "\n", tuple(heads), prev_line[5:], version, signature)
