"""Forms and labels of the disclosure pages (issue 6, item 3).

Shape only: every rule lives in ``casework.domain.disclosure``, ``mou.checks`` and the
services. The draft form is built per request: one group of fields per intelligence entry
the drafter may send (include it? which consent and risk assessment it relies on? what to
withhold?), so the page works without any script.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from casework.domain.consent import Purpose
from casework.domain.disclosure import State
from casework.web.form_base import FlaskForm
from casework.web.text import lazy_gettext as _l
from mou.terms import FEEDBACK_EVENTS

FEEDBACK_KINDS = FEEDBACK_EVENTS

# Rule 59: the seven uses of intelligence, as the drafter and the liaison read them.
PURPOSE_LABELS: dict[str, Any] = {
    Purpose.RESCUE.value: _l("Rescue people still being exploited"),
    Purpose.REFERRAL.value: _l("Refer people to assistance"),
    Purpose.INVESTIGATION.value: _l("Investigate and prosecute traffickers"),
    Purpose.STRATEGY.value: _l("Police strategy and tactics"),
    Purpose.RESOURCES.value: _l("Allocation of police and service resources"),
    Purpose.PREVENTION.value: _l("Prevention and awareness campaigns"),
    Purpose.RESEARCH.value: _l("Research and analysis"),
}
TLP_LABELS: dict[str, Any] = {
    "TLP:RED": _l("TLP:RED – named recipients only, no further sharing"),
    "TLP:AMBER+STRICT": _l("TLP:AMBER+STRICT – the receiving unit only"),
    "TLP:AMBER": _l("TLP:AMBER – the receiving unit and those who need to know"),
    "TLP:GREEN": _l("TLP:GREEN – the wider law-enforcement community"),
    "TLP:CLEAR": _l("TLP:CLEAR – no restriction"),
}
HANDLING_CODE_LABELS: dict[str, Any] = {
    "C": _l("C – permitted with the MoU's conditions"),
    "P": _l("P – lawful sharing permitted"),
}
FEEDBACK_LABELS: dict[str, Any] = {
    "acknowledged": _l("Acknowledged: the unit confirmed receipt"),
    "actioned": _l("Actioned: the unit acted on it"),
    "arrest": _l("Arrest"),
    "charge": _l("Charge"),
    "release": _l("Release: a suspect is free again"),
    "no_further_action": _l("No further action"),
    "assessed_false": _l("Assessed as false"),
}
STATE_LABELS: dict[str, Any] = {
    State.DRAFT.value: _l("Draft"),
    State.SUBMITTED.value: _l("Waiting for the liaison"),
    State.APPROVED_FIRST.value: _l("Waiting for the second approval"),
    State.RELEASED.value: _l("Released"),
    State.REJECTED.value: _l("Rejected"),
    State.STOPPED.value: _l("Stopped"),
}
RISK_LEVEL_LABELS: dict[str, Any] = {
    "low": _l("low"), "medium": _l("medium"), "high": _l("high"), "severe": _l("severe"),
}
STOP_LABELS: dict[str, Any] = {
    "cancelled": _l("Cancelled by the drafter"),
    "mou_not_in_force": _l("The MoU with the unit is no longer in force"),
    "consent_withdrawn": _l("The person withdrew their consent"),
    "persons_decision": _l("The person decided not to give intelligence"),
    "gate_consent_expired": _l("The consent it relied on expired"),
    "gate_mou_not_in_force": _l("The MoU with the unit is no longer in force"),
    "mou_terminated_destroy": _l("The MoU was terminated"),
    "mou_terminated_return": _l("The MoU was terminated"),
    "mou_terminated_destroy_or_return": _l("The MoU was terminated"),
}
# What each line of the checklist checks (``Check.label``).
CHECK_LABELS: dict[str, Any] = {
    "mou_active": _l("An MoU with this police unit is in force"),
    "consent": _l("Written consent covers this use"),
    "risk": _l("A current risk assessment allows it"),
    "cumulative": _l("Over all packages, not too much detail about one person"),
    "version": _l("The entry is the version drafted, unchanged"),
    "emergency_notice": _l("The person was told before the interview that this could "
                           "happen"),
    "MOU-01": _l("The MoU is in force and reviewed on time"),
    "MOU-02": _l("The package goes to the unit that signed, encrypted to its key"),
    "MOU-03": _l("The MoU allows this purpose"),
    "MOU-04": _l("The MoU allows these kinds of intelligence"),
    "MOU-05": _l("The TLP marking is strict enough"),
    "MOU-06": _l("The handling code is not loosened"),
    "MOU-07": _l("Nothing the MoU prohibits leaves"),
    "MOU-08": _l("Thematic entries were reviewed for privacy"),
    "MOU-09": _l("Enough approvals"),
    "MOU-10": _l("The MoU provides for emergency disclosure"),
    "MOU-11": _l("The consent is no older than the MoU allows"),
    "MOU-12": _l("The risk assessment is no older than the MoU allows"),
    "unit_assessment": _l("The police unit has a current assessment that allows this"),
    "informed_choice": _l("The person was advised and chose to give intelligence through us"),
    "consent_risk_notices": _l("The person was told the risks and consequences (rule 32)"),
    "child_best_interests": _l("For a child: a note says why this is in the child's best "
                               "interests"),
    "consultation_first": _l("The legal consultation came before this disclosure"),
}


def label_of(labels: dict[str, Any], value: str | None) -> str:
    return str(labels.get(value or "", value or ""))


@dataclass
class Candidate:
    """One intelligence entry the drafter may include, with what it may rely on."""

    key: str  # safe field-name part
    reference: str
    kind: str
    subject_area: str
    text: str
    person_code: str | None = None  # case code (the drafter is assigned to the person)
    consents: list[tuple[str, str]] = field(default_factory=list)
    risks: list[tuple[str, str]] = field(default_factory=list)
    default_consent: str = ""
    default_risk: str = ""


def field_key(reference: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in reference)


class DraftForm(FlaskForm):
    purpose = SelectField(_l("Purpose of the disclosure"),
                          choices=[("", _l("— choose the purpose —")),
                                   *PURPOSE_LABELS.items()],
                          validators=[InputRequired(_l("Choose the purpose."))])
    tlp = SelectField(_l("TLP marking"), validators=[InputRequired()])
    handling_code = SelectField(_l("Handling code"), choices=list(HANDLING_CODE_LABELS.items()),
                                validators=[InputRequired()])
    emergency = BooleanField(_l("Emergency limited disclosure"))
    grounds = TextAreaField(_l("Grounds for the emergency"),
                            validators=[Optional(), Length(max=4000)])
    harm_check = TextAreaField(_l("Harm check: what could happen to the person and to others "
                                  "if this is disclosed, and if it is not"),
                               validators=[Optional(), Length(max=4000)])

    def validate_grounds(self, field: Any) -> None:
        if self.emergency.data and len((field.data or "").strip()) < 10:
            raise ValidationError(_l("Write the grounds for the emergency in at least one "
                                     "sentence."))

    def validate_harm_check(self, field: Any) -> None:
        if self.emergency.data and len((field.data or "").strip()) < 10:
            raise ValidationError(_l("Write the harm check in at least one sentence."))

    # Filled by ``draft_form``.
    candidates: list[Candidate] = []

    def include(self, candidate: Candidate) -> Any:
        return self[f"include_{candidate.key}"]

    def consent(self, candidate: Candidate) -> Any:
        return self[f"consent_{candidate.key}"]

    def risk(self, candidate: Candidate) -> Any:
        return self[f"risk_{candidate.key}"]

    def withhold(self, candidate: Candidate) -> Any:
        return self[f"withhold_{candidate.key}"]

    def best_interests(self, candidate: Candidate) -> Any:
        return self[f"best_interests_{candidate.key}"]

    def chosen(self) -> list[Candidate]:
        return [c for c in self.candidates if self.include(c).data]


NONE_CHOICE = ("", _l("— none chosen —"))
BEST_INTERESTS_LABEL = _l("For a child: why this disclosure is in the child's best interests")


def draft_form(candidates: list[Candidate], tlp_choices: list[str], *,
               default_tlp: str, default_handling: str, **kwargs: Any) -> DraftForm:
    """A draft form with one group of fields per candidate entry."""

    class Form(DraftForm):
        pass

    for c in candidates:
        setattr(Form, f"include_{c.key}", BooleanField(_l("Include this entry")))
        setattr(Form, f"withhold_{c.key}", TextAreaField(
            _l("Details to withhold or generalise (one word or phrase per line; each is "
               "replaced by [withheld])"), validators=[Optional(), Length(max=4000)]))
        if c.person_code is not None:
            setattr(Form, f"best_interests_{c.key}", TextAreaField(
                BEST_INTERESTS_LABEL, validators=[Optional(), Length(max=4000)]))
            # Issue 13.5: radio buttons, so each label is read in full (a select cuts
            # long labels off, on a phone above all).
            setattr(Form, f"consent_{c.key}", RadioField(
                _l("Consent it relies on"), choices=[NONE_CHOICE, *c.consents],
                default=c.default_consent, validators=[Optional()]))
            setattr(Form, f"risk_{c.key}", RadioField(
                _l("Risk assessment it relies on"), choices=[NONE_CHOICE, *c.risks],
                default=c.default_risk, validators=[Optional()]))
    form = Form(**kwargs)
    form.candidates = candidates
    form.tlp.choices = [(t, label_of(TLP_LABELS, t)) for t in tlp_choices]
    if not form.is_submitted():
        form.tlp.data = default_tlp
        form.handling_code.data = default_handling
    return form


_VERSION = [DataRequired(), Regexp(r"^\d{1,9}$")]


class ActionForm(FlaskForm):
    """Submit, cancel, approve: the version the person saw (compare-and-set)."""

    seen_version = HiddenField(validators=_VERSION)
    back = HiddenField()


class RejectForm(FlaskForm):
    seen_version = HiddenField(validators=_VERSION)
    reason = TextAreaField(_l("Reason for rejecting (the drafter will read it)"),
                           validators=[DataRequired(), Length(min=5, max=2000)])


class FeedbackForm(FlaskForm):
    kind = SelectField(_l("What did the police report?"),
                       choices=[NONE_CHOICE, *FEEDBACK_LABELS.items()],
                       validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


class DownloadForm(FlaskForm):
    """Downloading spends one of the package's few downloads: a POST, never a link."""
