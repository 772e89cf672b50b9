"""Interviews: the pre-interview notice first (rule 81), locked after sign-off."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from casework.domain.decisions import Decision

# A notice is given at the start of a sitting; one given days ago does not cover today.
NOTICE_VALID_FOR = timedelta(hours=12)


class NoticeResponse(str, Enum):
    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"  # rule 82: told, the person may decline to continue


class PlaceType(str, Enum):
    SHELTER = "shelter"
    OFFICE = "office"
    OUTREACH = "outreach"
    HOSPITAL = "hospital"
    REMOTE = "remote"
    OTHER = "other"


class IntervieweeRole(str, Enum):
    VICTIM = "victim"
    FAMILY_MEMBER = "family_member"
    FRIEND = "friend_or_close_person"


class InterviewReason(str, Enum):
    NOTICE_MISSING = "notice_missing"
    NOTICE_REFUSED = "notice_refused"
    NOTICE_USED = "notice_already_used"
    NOTICE_STALE = "notice_stale"
    NOTICE_OTHER_PERSON = "notice_other_person"
    LOCKED = "interview_locked"
    NOT_INTERVIEWER = "not_interviewer"
    EMPTY_NARRATIVE = "narrative_empty"


@dataclass(frozen=True)
class NoticeFacts:
    person_id: int
    response: NoticeResponse
    given_at: datetime
    used: bool


def can_record_interview(*, notice: NoticeFacts | None, person_id: int,
                         now: datetime) -> Decision:
    """An interview may be saved only under an acknowledged, fresh, unused notice."""
    if notice is None:
        return Decision.deny(InterviewReason.NOTICE_MISSING)
    reasons: list[InterviewReason] = []
    if notice.person_id != person_id:
        reasons.append(InterviewReason.NOTICE_OTHER_PERSON)
    if notice.response is NoticeResponse.REFUSED:
        reasons.append(InterviewReason.NOTICE_REFUSED)
    if notice.used:
        reasons.append(InterviewReason.NOTICE_USED)
    if now - notice.given_at > NOTICE_VALID_FOR:
        reasons.append(InterviewReason.NOTICE_STALE)
    return Decision.deny(*reasons) if reasons else Decision.allow()


def can_edit_interview(*, status: str, actor: str, interviewer: str) -> Decision:
    """After sign-off the record is evidence: changes become addenda."""
    if status == "locked":
        return Decision.deny(InterviewReason.LOCKED)
    if actor != interviewer:
        return Decision.deny(InterviewReason.NOT_INTERVIEWER)
    return Decision.allow()


def content_hash(previous: str | None, *parts: str) -> str:
    """Chain-of-custody hash: each addendum's hash covers everything before it."""
    digest = hashlib.sha256(b"senim-interview-v1\0" + (previous or "").encode())
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
    return digest.hexdigest()
