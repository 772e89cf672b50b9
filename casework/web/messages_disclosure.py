"""Reason codes of the disclosure workflow, translated for people.

Merged into ``casework.web.messages.MESSAGES`` (see ``_merge_disclosure`` there).
``CHECK_MESSAGES`` words consent and risk refusals for the disclosure checklist: what to do
next, not only what is wrong; ``checklist_messages`` looks there first.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.consent import ConsentReason
from casework.domain.disclosure import CumulativeReason, WorkflowReason
from casework.domain.risk import RiskReason
from casework.services.disclosures import DisclosureReason, _Code
from casework.web.text import lazy_gettext as _l

DISCLOSURE_MESSAGES: dict[Enum, Any] = {
    WorkflowReason.WRONG_STATE: _l("This request is no longer at a stage where that can be "
                                   "done. Its current state is shown below."),
    WorkflowReason.NOT_DRAFTER: _l("Only the person who drafted this request can do this."),
    WorkflowReason.DRAFTER_CANNOT_APPROVE: _l("You drafted this request, so you cannot "
                                              "approve or reject it. Another person must "
                                              "decide."),
    WorkflowReason.NOT_LIAISON: _l("Only the designated police liaison or their deputy can "
                                   "do this."),
    WorkflowReason.NOT_ON_DUTY: _l("You are not on duty on the liaison roster right now. Ask "
                                   "the liaison on duty, or ask the director to add your "
                                   "shift."),
    WorkflowReason.STEP_UP_REQUIRED: _l("Confirm it is you (password and a new code) before "
                                        "approving."),
    WorkflowReason.SAME_APPROVER: _l("You have already approved this request. The second "
                                     "approval must come from someone else."),
    WorkflowReason.DIRECTOR_REQUIRED: _l("An emergency disclosure needs the director's "
                                         "approval as well as the liaison's. Ask the "
                                         "director."),
    WorkflowReason.GROUNDS_REQUIRED: _l("An emergency disclosure needs written grounds and a "
                                        "harm check. Fill in both, or untick 'emergency'."),
    WorkflowReason.CHECKS_FAILING: _l("Not every check passes yet. Fix each failing check "
                                      "listed on this page first."),
    WorkflowReason.REASON_REQUIRED: _l("Write the reason for rejecting in a few words, so "
                                       "the drafter knows what to change."),
    DisclosureReason.NO_ITEMS: _l("Choose at least one intelligence entry to disclose."),
    DisclosureReason.NOT_EDITABLE: _l("Only the drafter can change a request, and only "
                                      "while it is a draft."),
    DisclosureReason.CHANGED: _l("Someone else acted on this request just now; here is its "
                                 "current state."),
    DisclosureReason.NO_MOU: _l("There is no MoU in force with this police unit. Nothing "
                                "can be disclosed to it until one is registered."),
    DisclosureReason.ENTRY_UNKNOWN: _l("One of the chosen intelligence entries does not "
                                       "exist any more."),
    DisclosureReason.INCOMING_ENTRY: _l("Intelligence received from the police cannot be "
                                        "sent back as ours. Choose our own entries only."),
    DisclosureReason.CONSENT_NOT_THIS_PERSON: _l("The chosen consent belongs to another "
                                                 "person. Choose this person's consent."),
    DisclosureReason.RISK_NOT_THIS_PERSON: _l("The chosen risk assessment is about another "
                                              "person. Choose this person's assessment."),
    DisclosureReason.NOTICE_NOT_GIVEN: _l("An emergency disclosure is possible only if the "
                                          "person was told before the interview that this "
                                          "could happen, and acknowledged it."),
    DisclosureReason.EMERGENCY_NEEDS_SOURCE: _l("An emergency disclosure must come from an "
                                                "interview in which the pre-interview notice "
                                                "was given."),
    DisclosureReason.NOT_RELEASER: _l("Only the liaison who released this package can "
                                      "download it."),
    DisclosureReason.NO_DOWNLOADS_LEFT: _l("This package has been downloaded as many times "
                                           "as allowed. It cannot be downloaded again."),
    DisclosureReason.FEEDBACK_KIND: _l("Choose what the police reported."),
    DisclosureReason.BAD_PURPOSE: _l("Choose one of the seven purposes."),
    DisclosureReason.BAD_TLP: _l("Choose a TLP marking the MoU allows."),
    _Code.MOU_NOT_IN_FORCE: _l("The MoU with this unit is not in force today. Nothing can "
                               "be disclosed under it."),
    _Code.MOU_REVIEW_OVERDUE: _l("The MoU is past its review date. The director must review "
                                 "it and register the reviewed version."),
    _Code.MOU_RECIPIENT_NOT_PARTY: _l("The package would not go to the unit that signed the "
                                      "MoU, or not to the key pinned in it. Ask the director "
                                      "to check the MoU."),
    _Code.MOU_PURPOSE_NOT_PERMITTED: _l("The MoU does not allow this purpose. Choose a "
                                        "purpose the MoU lists."),
    _Code.MOU_ENTRY_KIND_NOT_PERMITTED: _l("The MoU does not allow this kind of intelligence "
                                           "(thematic or specific). Remove those entries."),
    _Code.MOU_TLP_TOO_WEAK: _l("This TLP marking is weaker than the MoU requires for what is "
                               "inside. Choose a stricter marking."),
    _Code.MOU_HANDLING_CODE_LOOSENED: _l("The MoU says 'C' (with conditions); it cannot be "
                                         "loosened to 'P'. Choose 'C'."),
    _Code.MOU_PROHIBITED_FIELD: _l("What would leave contains data the MoU prohibits (such "
                                   "as the person's name, date of birth, phone or shelter). "
                                   "Add those words to 'withhold' for that entry."),
    _Code.MOU_THEMATIC_NOT_REVIEWED: _l("A thematic entry has not been reviewed for privacy "
                                        "by a second person. Ask a colleague to review it."),
    _Code.MOU_APPROVALS_INSUFFICIENT: _l("Not enough approvals from people other than the "
                                         "drafter."),
    _Code.MOU_EMERGENCY_NOT_PROVIDED: _l("This MoU does not provide for emergency "
                                         "disclosure. Untick 'emergency' or use the normal "
                                         "route."),
    CumulativeReason.TOO_MUCH: _l("Together with what this unit already received, this "
                                  "would add up to too much detail about one person. "
                                  "Generalise the time or place, or leave out tags."),
}

# How a failing consent or risk check reads on the disclosure checklist.
CHECK_MESSAGES: dict[Enum, Any] = {
    ConsentReason.MISSING: _l("No consent is chosen for this entry: choose the person's "
                              "written consent, or record one with the person first."),
    ConsentReason.WITHDRAWN: _l("The person withdrew this consent: nothing from them may be "
                                "disclosed under it. Remove the entry."),
    ConsentReason.EXPIRED: _l("This consent has expired: ask the person again and record a "
                              "new consent if they agree."),
    ConsentReason.NO_SIGNED_FORM: _l("This consent has no signed form: upload the signed form "
                                     "with a new consent record."),
    ConsentReason.PURPOSE_NOT_COVERED: _l("No written consent covers this purpose: record a "
                                          "new consent with the person, or choose a purpose "
                                          "they agreed to."),
    ConsentReason.RECIPIENT_NOT_COVERED: _l("The person did not agree to share with this "
                                            "police unit: record a new consent with the "
                                            "person, or do not send it to this unit."),
    ConsentReason.SPECIFIC_NOT_COVERED: _l("The person agreed only to general (thematic) "
                                           "information: remove this specific entry, or "
                                           "record a new consent with the person."),
    ConsentReason.NOTHING_MAY_BE_SHARED: _l("The person agreed that nothing may be shared: "
                                            "remove this entry."),
    ConsentReason.IDENTITY_NOT_COVERED: _l("What would leave identifies the person, and they "
                                           "did not ask for that: withhold the identifying "
                                           "words."),
    ConsentReason.OTHER_PERSON: _l("The chosen consent belongs to another person: choose "
                                   "this person's consent."),
    RiskReason.MISSING: _l("No risk assessment is chosen: assess the risk for this police "
                           "unit and choose the assessment."),
    RiskReason.EXPIRED: _l("The risk assessment has expired: assess the risk again."),
    RiskReason.ASSESSOR_IS_RELEASER: _l("You assessed the risk for this entry, so you cannot "
                                        "also release it: ask the deputy liaison."),
    RiskReason.OTHER_UNIT: _l("The chosen risk assessment is for another police unit: "
                              "assess the risk for this unit."),
    RiskReason.SEVERE: _l("The residual risk is severe: do not disclose."),
}


def checklist_messages(reasons: tuple[Enum, ...]) -> list[str]:
    """Messages for a failing check, in the current language (checklist wording first)."""
    from casework.web.messages import explain

    return [str(CHECK_MESSAGES[r]) if r in CHECK_MESSAGES else explain((r,))[0]
            for r in reasons]
