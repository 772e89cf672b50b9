"""Reason codes from the domain, translated for people. The domain never holds text."""

from __future__ import annotations

from enum import Enum

from casework.domain.access import AccessReason
from casework.domain.accounts import AccountReason
from casework.domain.casenotes import NoteReason
from casework.domain.consent import ConsentReason
from casework.domain.interviews import InterviewReason
from casework.domain.legal import LegalReason
from casework.domain.meetings import MeetingReason
from casework.domain.passwords import PasswordReason
from casework.domain.risk import RiskReason
from casework.domain.screening import ScreeningReason
from casework.domain.shredding import ShredRefusal
from casework.services.attachments import AttachmentReason
from casework.services.keyops import KeyReason
from casework.services.legal import CompensationReason, PrivilegeReason
from casework.services.police_units import UnitReason
from casework.web.text import lazy_gettext as _l

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
    LegalReason.NO_CLEARANCE: _l("A psychologist must clear this person for a legal "
                                 "consultation first."),
    LegalReason.OPTIONS_NOT_ALL_EXPLAINED: _l("Explain every option to the person, including "
                                              "doing nothing, and tick each one."),
    LegalReason.NOTICES_NOT_GIVEN: _l("Tell the person all seven points about deciding and "
                                      "about cooperating with the police, and tick each one."),
    LegalReason.UNIT_NOT_ASSESSED: _l("This police unit has no current assessment. Assess it "
                                      "before discussing it with the person."),
    LegalReason.NOT_PSYCHOLOGIST: _l("Only a psychologist can give or withdraw this "
                                     "clearance."),
    LegalReason.ALREADY_CLEARED: _l("This person is already cleared for a legal "
                                    "consultation."),
    LegalReason.NOT_CLEARED: _l("This person has no clearance to withdraw."),
    LegalReason.UNKNOWN_MEASURE: _l("An unknown protection measure, availability or status "
                                    "was submitted."),
    LegalReason.CONCERNS_MISSING: _l("Record what the person said about each of the three "
                                     "areas of concern."),
    UnitReason.INCOMPLETE: _l("Answer all ten questions; choose 'Not known' where we do not "
                              "know."),
    UnitReason.NAME_REQUIRED: _l("Give the name of the unit."),
    UnitReason.VALIDITY_PAST: _l("The assessment must be valid until a date in the future."),
    PrivilegeReason.LEGAL_ADVISERS_ONLY: _l("Only legal advisers can read or write privileged "
                                            "notes."),
    PrivilegeReason.EMPTY: _l("Write the note before saving it."),
    CompensationReason.BAD_ROUTE: _l("Choose the criminal or the civil route."),
    CompensationReason.BAD_STATUS: _l("Choose a known status for the claim."),
    # Consent, risk and meetings (casework.web.consent).
    ConsentReason.MISSING: _l("There is no consent from this person for this. Nothing may be "
                              "shared."),
    ConsentReason.WITHDRAWN: _l("This consent has been withdrawn. Nothing more may be shared "
                                "under it."),
    ConsentReason.EXPIRED: _l("This consent has expired. Ask the person again if they still "
                              "agree."),
    ConsentReason.NO_SIGNED_FORM: _l("Upload the signed consent form (a PDF or a photo of "
                                     "the paper). Without it, no consent can be recorded."),
    ConsentReason.PURPOSE_NOT_COVERED: _l("The person did not agree to this use of the "
                                          "information."),
    ConsentReason.RECIPIENT_NOT_COVERED: _l("The person did not agree to share with this "
                                            "police unit."),
    ConsentReason.SPECIFIC_NOT_COVERED: _l("The person agreed only to general (thematic) "
                                           "information being shared, not specific details."),
    ConsentReason.NOTHING_MAY_BE_SHARED: _l("The person agreed that nothing may be shared."),
    ConsentReason.IDENTITY_NOT_COVERED: _l("The person's name and identity data may not be "
                                           "shared under this consent."),
    ConsentReason.IDENTITY_NOT_REQUESTED: _l("Identity data may be shared only if the person "
                                             "asked for it themselves. If they did not ask, "
                                             "untick 'identity data may be shared'. Never "
                                             "suggest it."),
    ConsentReason.NOTICES_INCOMPLETE: _l("Tell the person every point under 'Before "
                                         "deciding' and 'About their data', and tick each "
                                         "one. A consent is valid only when all were said."),
    ConsentReason.CHILD_REPRESENTATIVE_MISSING: _l("This is a child: their legal "
                                                   "representative must consent too. Record "
                                                   "the representative and tick that they "
                                                   "consented."),
    ConsentReason.CHILD_REFUSED: _l("The child did not agree. Their 'no' is respected: no "
                                    "consent can be recorded."),
    ConsentReason.CHILD_VIEW_MISSING: _l("This is a child: say whether the child agreed, and "
                                         "write down the child's own view, whatever their "
                                         "age."),
    ConsentReason.CHILD_REASON_MISSING: _l("Explain in a sentence why the child could not be "
                                           "asked."),
    ConsentReason.OTHER_PERSON: _l("This consent belongs to another person."),
    RiskReason.MISSING: _l("A risk assessment for this police unit is needed before anything "
                           "specific is shared."),
    RiskReason.EXPIRED: _l("The risk assessment has expired. Assess the risk again."),
    RiskReason.ASSESSOR_IS_RELEASER: _l("The person who assessed the risk cannot also release "
                                        "the information. Ask a colleague."),
    RiskReason.OTHER_UNIT: _l("This risk assessment was made for another police unit."),
    RiskReason.OTHER_PERSON: _l("This risk assessment is about another person."),
    RiskReason.RESIDUAL_NONE: _l("Choose the residual risk: low, medium, high or severe. It "
                                 "can never be 'none': some risk always remains."),
    RiskReason.SEVERE: _l("The residual risk is severe. Do not disclose without "
                          "extraordinary grounds."),
    RiskReason.INCOMPLETE: _l("Fill in all three kinds of identifying details, the harm to "
                              "others and the safety of staff. Write 'nothing found' where "
                              "that is the answer."),
    MeetingReason.PROTECTED_ADDRESS: _l("This is one of the organisation's protected "
                                        "addresses. Meet at a safe, neutral place instead."),
    MeetingReason.SHELTER: _l("Never meet police at a shelter. Meet at a safe, neutral place "
                              "instead."),
    MeetingReason.LAWYER_QUESTION: _l("First ask the person whether they want the legal "
                                      "consultant at the meeting, then tick the box and "
                                      "record their answer."),
    MeetingReason.PLACE_MISSING: _l("Write where the meeting will be."),
}


def _merge_intel() -> None:
    from casework.web.messages_intel import INTEL_MESSAGES

    MESSAGES.update(INTEL_MESSAGES)


_merge_intel()


def _merge_disclosure() -> None:
    from casework.web.messages_disclosure import DISCLOSURE_MESSAGES

    MESSAGES.update(DISCLOSURE_MESSAGES)


_merge_disclosure()


def _merge_versions() -> None:
    from casework.web.messages_versions import VERSION_MESSAGES

    MESSAGES.update(VERSION_MESSAGES)


_merge_versions()


def _merge_mou_roster() -> None:
    from casework.services.mou_versions import MouReason
    from casework.services.roster import RosterReason

    MESSAGES.update({
        MouReason.INVALID: _l("The terms file has an error. Correct it and upload it again."),
        MouReason.PDF_MISMATCH: _l("This PDF is not the signed text the terms file names: its "
                                   "SHA-256 differs from 'text_sha256'. Upload the PDF that "
                                   "was signed, or correct the terms file."),
        MouReason.WRONG_UNIT: _l("The terms file names another police unit as the recipient."),
        MouReason.VERSION_EXISTS: _l("This version of this MoU is already registered for the "
                                     "unit. Increase 'version' in the terms file."),
        RosterReason.NOT_LIAISON_ROLE: _l("Only active staff with the liaison role can be "
                                          "designated."),
        RosterReason.NOT_DESIGNATED: _l("Only the designated liaison or a deputy can be put on "
                                        "call. Designate them first."),
        RosterReason.BAD_SHIFT: _l("A shift must end after it starts and last at most 14 "
                                   "days."),
        RosterReason.ONE_LIAISON: _l("There can be only one designated liaison."),
    })


_merge_mou_roster()


def _merge_children_and_time() -> None:
    from casework.domain.case_events import EventReason
    from casework.domain.chronology import TimeReason
    from casework.domain.minors import MinorReason

    MESSAGES.update({
        MinorReason.BEST_INTERESTS_MISSING: _l("This person is a child: write why this "
                                               "decision is in the child's best interests "
                                               "(at least one full sentence)."),
        MinorReason.REPRESENTATIVE_TYPE_MISSING: _l("This person is a child: say whether "
                                                    "the representative is a parent, a "
                                                    "guardian or an appointed "
                                                    "representative."),
        MinorReason.DOB_SOURCE_MISSING: _l("Say where the date of birth comes from: a "
                                           "document, the person's own statement or an age "
                                           "assessment."),
        MinorReason.DOB_IN_FUTURE: _l("The date of birth is in the future."),
        ConsentReason.GIVEN_AS_CHILD_NOW_ADULT: _l("This consent was given while the person "
                                                   "was a child. They are now 18: review it "
                                                   "with them and record their own consent."),
        ConsentReason.ADULT_RULES_FOR_CHILD: _l("This person is a child, but this consent "
                                                "was recorded without the child rules. "
                                                "Record a new consent with the legal "
                                                "representative and the child's own view."),
        RiskReason.AFTER_RELEASE: _l("The risk assessment is dated after this release. The "
                                     "assessment must come first."),
        TimeReason.FUTURE: _l("The date is in the future. Enter the day it happened."),
        TimeReason.BEFORE_NOTICE: _l("The interview cannot be dated before the day the "
                                     "pre-interview notice was given and acknowledged."),
        TimeReason.BEFORE_CLEARANCE: _l("The consultation cannot come before the "
                                        "psychologist's clearance."),
        TimeReason.BEFORE_CONSULTATION: _l("This disclosure cannot come before the person's "
                                           "legal consultation."),
        TimeReason.BEFORE_RISK_ASSESSMENT: _l("The release cannot come before the risk "
                                              "assessment."),
        EventReason.UNKNOWN_KIND: _l("Choose what happened: arrest, charge, hearing, "
                                     "release, acquittal or conviction."),
        EventReason.NOTE_TOO_LONG: _l("The details are too long."),
    })


_merge_children_and_time()


def _merge_gates() -> None:
    from casework.web.messages_gates import GATE_MESSAGES

    MESSAGES.update(GATE_MESSAGES)


_merge_gates()


def explain(reasons: tuple[Enum, ...]) -> list[str]:
    """Human messages for reason codes, in the current language."""
    return [str(MESSAGES.get(reason, _l("The request was refused."))) for reason in reasons]


def _merge_grants() -> None:
    from casework.web.messages_grants import GRANT_MESSAGES

    MESSAGES.update(GRANT_MESSAGES)


_merge_grants()


def _merge_channel() -> None:
    from casework.web.messages_channel import CHANNEL_MESSAGES

    MESSAGES.update(CHANNEL_MESSAGES)


_merge_channel()
