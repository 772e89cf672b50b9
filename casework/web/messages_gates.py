"""Reason codes of the safety rules at the point of effect (issue 9), for people.

Merged into ``casework.web.messages.MESSAGES``; each says what happened and what to do.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.legal import LegalReason
from casework.domain.police_contact import ContactReason
from casework.domain.release_gates import GateReason
from casework.services.disclosures import _Code
from casework.services.police_units import UnitReason
from casework.web.text import lazy_gettext as _l

GATE_MESSAGES: dict[Enum, Any] = {
    GateReason.CONSENT_WITHDRAWN: _l("The person withdrew the consent this package relied "
                                     "on. The package can no longer be handed over."),
    GateReason.CONSENT_EXPIRED: _l("The consent this package relied on has expired. The "
                                   "package can no longer be handed over."),
    GateReason.MOU_NOT_IN_FORCE: _l("The MoU with this unit is no longer in force. The "
                                    "package can no longer be handed over."),
    GateReason.RELEASER_NOT_DESIGNATED: _l("You are no longer the designated liaison or "
                                           "deputy, so you cannot hand this package over."),
    GateReason.RELEASER_NOT_ON_DUTY: _l("You are not on duty on the liaison roster right "
                                        "now. Download the package during your shift."),
    GateReason.REVOKED: _l("This package was revoked and its file deleted: what it relied "
                           "on went away before it was handed over. It cannot be "
                           "downloaded."),
    GateReason.UNIT_NOT_ASSESSED: _l("This police unit has no current assessment. The legal "
                                     "adviser must assess it before anything goes to it."),
    GateReason.UNIT_NOT_RECOMMENDED: _l("Cooperation with this unit is not recommended: only "
                                        "thematic entries may go to it, unless the legal "
                                        "adviser records a documented override."),
    GateReason.NO_CONSULTATION: _l("The person has not had a legal consultation yet. "
                                   "Specific intelligence about them can go only after it."),
    GateReason.DECISION_NOT_INTEL: _l("The person's latest decision is not to give "
                                      "intelligence through the organisation. Respect it: "
                                      "remove this entry."),
    GateReason.RISK_NOTICES_MISSING: _l("This consent lets specific intelligence go, but it "
                                        "does not record that the person was told the three "
                                        "points about risk and consequences. Record a new "
                                        "consent after telling them."),
    ContactReason.UNIT_NOT_ASSESSED: _l("This police unit has no current assessment. The "
                                        "legal adviser must assess it before a meeting is "
                                        "arranged."),
    ContactReason.WARNING_NOT_RECORDED: _l("Cooperation with this unit is not recommended. "
                                           "Tell the person why and of the risks, then tick "
                                           "that they were warned. If they still wish to "
                                           "go, the meeting is arranged."),
    ContactReason.NO_RISK_ASSESSMENT: _l("There is no current risk assessment for this "
                                         "person and this unit. Assess the risk before the "
                                         "first contact with police."),
    ContactReason.NOT_THROUGH_LIAISON: _l("Choose the designated liaison or deputy through "
                                          "whom this contact with police goes."),
    ContactReason.DIRECTION_UNKNOWN: _l("Choose whether the police called us or we called "
                                        "them."),
    ContactReason.IN_THE_FUTURE: _l("A call cannot be logged before it happened."),
    LegalReason.WITNESS_NOTICES_MISSING: _l("Tell the person the limits of protection (a "
                                            "pseudonym does not fully protect; judicial "
                                            "protection may depend on cooperation; the "
                                            "agreement not to compel testimony) and tick "
                                            "each one."),
    UnitReason.OVERRIDE_ADVISERS_ONLY: _l("Only a legal adviser can record an override."),
    UnitReason.OVERRIDE_NOT_NEEDED: _l("An override applies only to a current 'not "
                                       "recommended' assessment that has none yet."),
    UnitReason.OVERRIDE_REASON_REQUIRED: _l("Write the documented reason for the override "
                                            "(at least 20 characters)."),
    _Code.MOU_CONSENT_TOO_OLD: _l("The consent is older than the MoU allows. Ask the person "
                                  "again and record a new consent if they agree."),
    _Code.MOU_RISK_TOO_OLD: _l("The risk assessment is older than the MoU allows. Assess "
                               "the risk again."),
}
