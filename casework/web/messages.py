"""Reason codes from the domain, translated for people. The domain never holds text."""

from __future__ import annotations

from enum import Enum

from flask_babel import lazy_gettext as _l

from casework.domain.access import AccessReason
from casework.domain.accounts import AccountReason
from casework.domain.casenotes import NoteReason
from casework.domain.interviews import InterviewReason
from casework.domain.passwords import PasswordReason
from casework.domain.screening import ScreeningReason
from casework.domain.shredding import ShredRefusal
from casework.services.attachments import AttachmentReason
from casework.services.keyops import KeyReason

MESSAGES: dict[Enum, object] = {
    PasswordReason.TOO_SHORT: _l("Use at least 12 characters. A few unrelated words work well."),
    PasswordReason.TOO_LONG: _l("Use at most 128 characters."),
    PasswordReason.COMMON: _l("This password is too common and easy to guess. "
                              "Choose another one."),
    PasswordReason.CONTAINS_IDENTITY: _l("Do not use your name or e-mail address in the "
                                         "password."),
    AccountReason.SELF_DEACTIVATION: _l("You cannot deactivate your own account."),
    AccountReason.SELF_RESET: _l("You cannot reset your own account here. Use "
                                 "'Change password' instead."),
    AccountReason.ALREADY_INACTIVE: _l("This account is already deactivated."),
    AccountReason.ALREADY_ACTIVE: _l("This account is already active."),
    AccountReason.EMAIL_TAKEN: _l("An account with this e-mail address already exists."),
    AccountReason.WRONG_PASSWORD: _l("Your current password is not correct."),
    AccountReason.SAME_PASSWORD: _l("The new password must differ from the current one."),
    AccessReason.NOT_ASSIGNED: _l("This person is not assigned to you."),
    AccessReason.ROLE_NEVER_SEES_IDENTITIES: _l("Your role does not give access to "
                                                "personal records."),
    AccessReason.REASON_TOO_SHORT: _l("Write the reason in at least one full sentence "
                                      "(20 characters or more)."),
    AccessReason.NOT_A_CARE_ROLE: _l("Only caseworkers, psychologists and legal advisers "
                                     "can be assigned to a person."),
    ScreeningReason.RATIONALE_REQUIRED: _l("Explain why you chose this outcome."),
    ScreeningReason.PERSPECTIVES_REQUIRED: _l("Fill in all three perspectives: the legal "
                                              "context, the perpetrators and the person."),
    ScreeningReason.ACT_REQUIRED: _l("For trafficking, choose at least one act "
                                     "(recruitment, transportation and so on)."),
    ScreeningReason.MEANS_REQUIRED: _l("For an adult, trafficking needs at least one means "
                                       "(threat, deception, abuse of vulnerability and so "
                                       "on). If none applies, choose another outcome."),
    ScreeningReason.PURPOSE_REQUIRED: _l("For trafficking, choose the purpose of "
                                         "exploitation."),
    ScreeningReason.COERCION_CONTRADICTS: _l("A person who could not leave is not only "
                                             "smuggled. Choose trafficking or undetermined."),
    ScreeningReason.COERCION_UNANSWERED: _l("Answer whether the person could end the "
                                            "relationship of their own will."),
    ScreeningReason.UNKNOWN_INDICATOR: _l("An unknown indicator was submitted."),
    InterviewReason.NOTICE_MISSING: _l("Give the pre-interview notice first and record the "
                                       "person's answer."),
    InterviewReason.NOTICE_REFUSED: _l("The person declined to continue after the notice. "
                                       "No interview can be recorded."),
    InterviewReason.NOTICE_USED: _l("This notice was already used for another interview. "
                                    "Give the notice again."),
    InterviewReason.NOTICE_STALE: _l("The notice was given more than 12 hours ago. Give it "
                                     "again before this interview."),
    InterviewReason.NOTICE_OTHER_PERSON: _l("This notice belongs to another person."),
    InterviewReason.LOCKED: _l("This interview is signed off and locked. Add an addendum "
                               "instead."),
    InterviewReason.NOT_INTERVIEWER: _l("Only the interviewer can change a draft interview."),
    InterviewReason.EMPTY_NARRATIVE: _l("Write what the person said before saving."),
    NoteReason.EMPTY: _l("Write the text before saving."),
    NoteReason.SERVICE_TYPE_REQUIRED: _l("Choose which service was received."),
    NoteReason.REVIEW_DATE_REQUIRED: _l("A safety plan needs a review date."),
    NoteReason.REVIEW_DATE_PAST: _l("The review date is in the past."),
    NoteReason.REVIEW_TOO_FAR: _l("Review the safety plan within three months."),
    NoteReason.FUTURE_DATE: _l("The date is in the future."),
    AttachmentReason.TYPE_NOT_ALLOWED: _l("This kind of file is not accepted. Upload a PDF, "
                                          "a PNG or JPEG image, or an audio recording."),
    AttachmentReason.TOO_LARGE: _l("The file is too large."),
    AttachmentReason.EMPTY: _l("The file is empty."),
    ShredRefusal.LEGAL_HOLD: _l("A legal hold is set on this person: nothing can be "
                                "destroyed."),
    ShredRefusal.ALREADY_SHREDDED: _l("This person's data was already destroyed."),
    ShredRefusal.APPROVER_REQUIRED: _l("Destruction needs the director's approval."),
    ShredRefusal.APPROVER_IS_REQUESTER: _l("The approver must be someone other than the "
                                           "person who asked."),
    KeyReason.IN_USE: _l("This key version is still in use."),
    KeyReason.CURRENT: _l("The current key version cannot be retired."),
    KeyReason.UNKNOWN: _l("There is no such key version."),
    KeyReason.NOT_ROTATABLE: _l("This key set cannot be rotated."),
}


def _merge_intel() -> None:
    from casework.web.messages_intel import INTEL_MESSAGES

    MESSAGES.update(INTEL_MESSAGES)


_merge_intel()


def explain(reasons: tuple[Enum, ...]) -> list[str]:
    """Human messages for reason codes, in the current language."""
    return [str(MESSAGES.get(reason, _l("The request was refused."))) for reason in reasons]
