"""Pure hash-chain verification: every kind of tampering is found at the right entry."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from casework.domain.audit_chain import GENESIS, BreakReason, ChainEntry, verify_chain

KEYS = {1: b"k" * 32, 2: b"j" * 32}


def mac_fn(version: int, fields: tuple[str, ...]) -> str | None:
    key = KEYS.get(version)
    if key is None:
        return None
    return hmac.new(key, "\x1f".join(fields).encode(), hashlib.sha256).hexdigest()


def sign(entry: ChainEntry) -> ChainEntry:
    return replace(entry, mac=mac_fn(entry.key_version, entry.fields()) or "")


def build(n: int = 6, *, version_of=lambda seq: 1) -> list[ChainEntry]:
    entries, prev = [], GENESIS
    start = datetime(2026, 1, 1, 9, 0, 0, 123456)
    for seq in range(1, n + 1):
        entry = sign(ChainEntry(seq=seq, at=start + timedelta(seconds=seq), actor=f"a{seq % 2}",
                                action="view.case", object_type="case", object_ref=f"c{seq}",
                                outcome="ok", request_id=f"r{seq}",
                                key_version=version_of(seq), prev_mac=prev, mac=""))
        entries.append(entry)
        prev = entry.mac
    return entries


def check(entries, *, head_seq=None, head_mac=None, original=None):
    original = original if original is not None else entries
    return verify_chain(entries, mac=mac_fn,
                        head_seq=len(original) if head_seq is None else head_seq,
                        head_mac=(original[-1].mac if original else GENESIS)
                        if head_mac is None else head_mac)


def test_intact_chain_verifies():
    chain = build()
    report = check(chain)
    assert (report.ok, report.checked, report.first_broken_seq, report.reason) == (
        True, 6, None, None)


def test_empty_chain_with_genesis_head_verifies():
    assert check([], head_seq=0, head_mac=GENESIS).ok


def test_key_rotation_mid_chain_verifies():
    chain = build(version_of=lambda seq: 1 if seq < 4 else 2)
    assert check(chain).ok


@pytest.mark.parametrize("field", ["actor", "action", "object_ref", "outcome", "request_id"])
def test_edited_field_is_found_at_that_entry(field):
    chain = build()
    tampered = list(chain)
    tampered[2] = replace(chain[2], **{field: "forged"})
    report = check(tampered, original=chain)
    assert (report.ok, report.first_broken_seq, report.reason, report.checked) == (
        False, 3, BreakReason.MAC_MISMATCH, 2)


def test_edited_time_is_found():
    chain = build()
    tampered = list(chain)
    tampered[3] = replace(chain[3], at=chain[3].at + timedelta(microseconds=1))
    report = check(tampered, original=chain)
    assert (report.first_broken_seq, report.reason) == (4, BreakReason.MAC_MISMATCH)


def test_edit_with_recomputed_mac_breaks_the_next_link():
    # An insider who recomputes the edited row's MAC still breaks the following entry.
    chain = build()
    tampered = list(chain)
    tampered[2] = sign(replace(chain[2], outcome="denied"))
    report = check(tampered, original=chain)
    assert (report.first_broken_seq, report.reason) == (4, BreakReason.PREVIOUS_MISMATCH)


def test_deleted_entry_is_a_gap_at_its_seq():
    chain = build()
    report = check(chain[:2] + chain[3:], original=chain)
    assert (report.ok, report.first_broken_seq, report.reason, report.checked) == (
        False, 3, BreakReason.GAP, 2)


def test_deleted_first_entry():
    chain = build()
    report = check(chain[1:], original=chain)
    assert (report.first_broken_seq, report.reason) == (1, BreakReason.GAP)


def test_inserted_entry_without_the_key_is_found():
    chain = build()
    forged = replace(chain[2], seq=3, action="forged", mac="f" * 64)
    renumbered = [replace(e, seq=e.seq + 1) for e in chain[2:]]
    report = check(chain[:2] + [forged] + renumbered, original=chain)
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.MAC_MISMATCH)


def test_inserted_entry_with_a_wrong_key_is_found():
    chain = build()
    forged = ChainEntry(seq=3, at=chain[2].at, actor="x", action="forged", object_type=None,
                        object_ref=None, outcome="ok", request_id=None, key_version=1,
                        prev_mac=chain[1].mac, mac="")
    forged = replace(forged, mac=hmac.new(b"wrong" * 8, "\x1f".join(forged.fields()).encode(),
                                          hashlib.sha256).hexdigest())
    report = check(chain[:2] + [forged], head_seq=3, head_mac=forged.mac)
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.MAC_MISMATCH)


def test_reordered_entries_are_found():
    chain = build()
    swapped = chain[:2] + [chain[3], chain[2]] + chain[4:]
    report = check(swapped, original=chain)
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 3, BreakReason.GAP)


def test_reordered_with_renumbered_seqs_is_found():
    chain = build()
    swapped = chain[:2] + [replace(chain[3], seq=3), replace(chain[2], seq=4)] + chain[4:]
    report = check(swapped, original=chain)
    assert (report.first_broken_seq, report.reason) == (3, BreakReason.PREVIOUS_MISMATCH)


@pytest.mark.parametrize("cut", [1, 2, 6])
def test_truncated_tail_is_found_against_the_head(cut):
    chain = build()
    report = check(chain[:-cut], original=chain)
    assert (report.ok, report.reason) == (False, BreakReason.HEAD_MISMATCH)
    assert report.checked == 6 - cut
    assert report.first_broken_seq == 6 - cut + 1


def test_appended_entry_not_in_the_head_is_found():
    chain = build()
    extra = sign(replace(chain[-1], seq=7, prev_mac=chain[-1].mac, request_id="late"))
    report = check(chain + [extra], original=chain)
    assert (report.ok, report.first_broken_seq, report.reason) == (
        False, 7, BreakReason.HEAD_MISMATCH)


def test_edited_head_mac_is_found():
    chain = build()
    report = check(chain, head_mac="0" * 63 + "1")
    assert (report.ok, report.first_broken_seq, report.reason, report.checked) == (
        False, 6, BreakReason.HEAD_MISMATCH, 6)


def test_edited_head_seq_is_found():
    chain = build()
    report = check(chain, head_seq=9)
    assert (report.ok, report.reason) == (False, BreakReason.HEAD_MISMATCH)
    assert report.first_broken_seq == 7


def test_unknown_key_version_is_reported():
    chain = build()
    tampered = list(chain)
    tampered[4] = replace(chain[4], key_version=99)
    report = check(tampered, original=chain)
    assert (report.ok, report.first_broken_seq, report.reason, report.checked) == (
        False, 5, BreakReason.UNKNOWN_KEY, 4)


def test_fields_cover_every_column_but_the_mac():
    entry = build(1)[0]
    fields = entry.fields()
    for value in (str(entry.seq), entry.actor, entry.action, entry.object_type,
                  entry.object_ref, entry.outcome, entry.request_id,
                  str(entry.key_version), entry.prev_mac):
        assert value in fields
    assert entry.mac not in fields
    assert "2026-01-01T09:00:01.123456" in fields


# --- Streams and signed roots (issue 12.3) ---------------------------------------------


def test_stream_zero_keeps_the_fields_it_had_and_other_streams_cover_their_number():
    entry = build(1)[0]
    assert len(entry.fields()) == 10  # as before streams: old entries still verify
    moved = replace(entry, stream=3)
    assert moved.fields() == entry.fields() + ("stream=3",)
    # The same entry relabelled into another stream no longer matches its MAC.
    report = verify_chain([moved], mac=mac_fn, head_seq=1, head_mac=moved.mac, stream=3)
    assert (report.ok, report.reason, report.stream) == (False, BreakReason.MAC_MISMATCH, 3)


def test_an_entry_of_another_stream_is_a_gap_in_this_one():
    entry = build(1)[0]
    report = verify_chain([entry], mac=mac_fn, head_seq=1, head_mac=entry.mac, stream=2)
    assert (report.ok, report.first_broken_seq, report.reason) == (False, 1, BreakReason.GAP)


def test_root_note_round_trip_and_its_root_hash_binds_every_line():
    from casework.domain.audit_chain import StreamHead, parse_root, root_body

    heads = [StreamHead(1, 4, "b" * 64), StreamHead(0, 7, "a" * 64)]
    body = root_body(heads, prev="c" * 64, now=datetime(2026, 12, 2, 8, 0, 1, 5))
    assert body.splitlines()[:2] == ["senim/audit", "11"]
    assert body.splitlines()[3:] == ["2026-12-02T08:00:01Z", "prev " + "c" * 64,
                                     "stream 0 7 " + "a" * 64, "stream 1 4 " + "b" * 64]
    note = parse_root(body + "\n— senim/audit 2:c2ln\n")
    assert (note.heads, note.prev, note.key_version, note.signature, note.legacy) == (
        (StreamHead(0, 7, "a" * 64), StreamHead(1, 4, "b" * 64)), "c" * 64, 2, "c2ln", False)
    for forged in (body.replace("stream 1 4", "stream 1 3"), body.replace("\n11\n", "\n10\n"),
                   body + "stream 0 7 " + "a" * 64 + "\n", body.replace("prev ", "prevx ")):
        with pytest.raises(ValueError):
            parse_root(forged + "\n— senim/audit 2:c2ln\n")
    with pytest.raises(ValueError):
        parse_root(body)  # unsigned
