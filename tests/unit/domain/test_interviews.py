"""Interviews: an acknowledged, fresh, unused notice first; locked after sign-off; hashes
chain each addendum to what came before."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from casework.domain.interviews import (
    NOTICE_VALID_FOR,
    InterviewReason,
    NoticeFacts,
    NoticeResponse,
    can_edit_interview,
    can_record_interview,
    content_hash,
)

R = InterviewReason
NOW = datetime(2026, 3, 12, 15, 0, tzinfo=UTC)
PERSON = 7


def notice(*, person_id=PERSON, response=NoticeResponse.ACKNOWLEDGED, age=timedelta(hours=1),
           used=False):
    return NoticeFacts(person_id=person_id, response=response, given_at=NOW - age, used=used)


def test_a_notice_is_valid_for_twelve_hours():
    assert timedelta(hours=12) == NOTICE_VALID_FOR


@pytest.mark.parametrize(("facts", "reasons"), [
    pytest.param(notice(), (), id="fresh-acknowledged-unused"),
    pytest.param(notice(age=timedelta(0)), (), id="given-this-instant"),
    pytest.param(notice(age=timedelta(hours=12)), (), id="exactly-12h-still-valid"),
    pytest.param(notice(age=timedelta(hours=12, seconds=1)), (R.NOTICE_STALE,),
                 id="12h-and-1s-stale"),
    pytest.param(notice(age=timedelta(days=3)), (R.NOTICE_STALE,), id="days-old"),
    pytest.param(None, (R.NOTICE_MISSING,), id="missing"),
    pytest.param(notice(response=NoticeResponse.REFUSED), (R.NOTICE_REFUSED,), id="refused"),
    pytest.param(notice(used=True), (R.NOTICE_USED,), id="already-used"),
    pytest.param(notice(person_id=PERSON + 1), (R.NOTICE_OTHER_PERSON,),
                 id="other-person"),
    pytest.param(notice(person_id=PERSON + 1, response=NoticeResponse.REFUSED, used=True,
                        age=timedelta(hours=13)),
                 (R.NOTICE_OTHER_PERSON, R.NOTICE_REFUSED, R.NOTICE_USED, R.NOTICE_STALE),
                 id="everything-wrong-all-reasons-in-order"),
    pytest.param(notice(used=True, age=timedelta(days=1)), (R.NOTICE_USED, R.NOTICE_STALE),
                 id="used-and-stale"),
])
def test_can_record_interview(facts, reasons):
    decision = can_record_interview(notice=facts, person_id=PERSON, now=NOW)
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


@pytest.mark.parametrize(("status", "actor", "reasons"), [
    pytest.param("draft", "ana", (), id="interviewer-edits-draft"),
    pytest.param("draft", "bob", (R.NOT_INTERVIEWER,), id="colleague-edits-draft"),
    pytest.param("locked", "ana", (R.LOCKED,), id="interviewer-edits-locked"),
    pytest.param("locked", "bob", (R.LOCKED,), id="colleague-edits-locked-lock-reported"),
])
def test_can_edit_interview(status, actor, reasons):
    decision = can_edit_interview(status=status, actor=actor, interviewer="ana")
    assert decision.allowed is (not reasons)
    assert decision.reasons == reasons


# Chain-of-custody hashes -------------------------------------------------------------

def test_content_hash_is_a_sha256_hex_digest():
    value = content_hash(None, "narrative")
    assert len(value) == 64
    assert int(value, 16) >= 0


def test_content_hash_matches_the_documented_construction():
    # Stored hashes must stay verifiable: pin the byte layout (domain tag, previous, then
    # each part as an 8-byte big-endian length and its UTF-8 bytes).
    previous = "0" * 64
    parts = ("Гүлнара", "narrative")
    expected = hashlib.sha256(b"senim-interview-v1\0" + previous.encode())
    for part in parts:
        encoded = part.encode("utf-8")
        expected.update(len(encoded).to_bytes(8, "big") + encoded)
    assert content_hash(previous, *parts) == expected.hexdigest()


@pytest.mark.parametrize(("left", "right"), [
    pytest.param((None, "ab", "c"), (None, "a", "bc"), id="length-prefixed-ab|c-vs-a|bc"),
    pytest.param((None, "a", "b"), (None, "b", "a"), id="order-sensitive"),
    pytest.param((None, "ab"), (None, "a", "b"), id="split-vs-joined"),
    pytest.param((None,), (None, ""), id="no-part-vs-empty-part"),
    pytest.param((None, ""), (None, "", ""), id="one-vs-two-empty-parts"),
    pytest.param((None, "x"), ("a" * 64, "x"), id="chained-previous-changes-hash"),
    pytest.param(("a" * 64, "x"), ("b" * 64, "x"), id="different-previous"),
    pytest.param((None, "text"), (None, "text "), id="trailing-space-matters"),
])
def test_content_hash_distinguishes(left, right):
    assert content_hash(*left) != content_hash(*right)


@pytest.mark.parametrize("args", [
    pytest.param((None,), id="empty"),
    pytest.param((None, "narrative", "signed"), id="parts"),
    pytest.param(("f" * 64, "addendum"), id="chained"),
    pytest.param((None, "Гүлнараның әңгімесі"), id="unicode"),
])
def test_content_hash_is_deterministic(args):
    assert content_hash(*args) == content_hash(*args)


def test_no_previous_and_empty_previous_are_the_same_chain_start():
    assert content_hash(None, "x") == content_hash("", "x")


def test_a_chain_of_addenda_depends_on_every_earlier_link():
    first = content_hash(None, "narrative")
    second = content_hash(first, "addendum 1")
    third = content_hash(second, "addendum 2")
    tampered_first = content_hash(None, "narrative!")
    tampered_third = content_hash(content_hash(tampered_first, "addendum 1"), "addendum 2")
    assert len({first, second, third}) == 3
    assert tampered_third != third
