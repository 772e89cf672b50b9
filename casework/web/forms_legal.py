"""Forms for police units, legal consultation, decisions, compensation, witness protection
and privileged notes (shape only; the rules live in casework.domain.legal and the services).

Every enum value has a human, translatable label here; the form fields for the ten
questions of rule 27 and for the measures of rules 42 and 44 are generated from the domain
lists, so a question or a measure cannot be added there and forgotten here.
"""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from casework.domain.consent import NOTICES_29, NOTICES_32
from casework.domain.legal import (
    JUDICIAL_MEASURES,
    MEASURE_AVAILABILITY,
    MEASURE_STATUS,
    PHYSICAL_MEASURES,
    UNIT_ANSWERS,
    UNIT_QUESTIONS,
    WITNESS_NOTICES,
    Concern,
    LegalOption,
    PersonDecision,
    UnitRecommendation,
)
from casework.services.legal import COMPENSATION_STATUSES
from casework.web.form_base import FlaskForm
from casework.web.form_dates import LocalDateField
from casework.web.forms_casework import MultiCheckbox
from casework.web.text import lazy_gettext as _l

# --- Police units (rule 27) -------------------------------------------------------------

QUESTION_LABELS: dict[str, Any] = {
    "specialised_unit": _l("Is there a specialised anti-trafficking unit?"),
    "alternative_organisations": _l("Are there other bodies the person could go to instead "
                                    "(another unit, a prosecutor, a labour inspectorate)?"),
    "contact_established": _l("Have we established a working contact in this unit?"),
    "professionalism": _l("Does the unit work professionally with victims?"),
    "trust_from_experience": _l("From our own experience, can the unit be trusted?"),
    "corruption_risk": _l("Is there a risk of corruption or of links to traffickers?"),
    "confidentiality_practice": _l("Does the unit keep what it is told confidential?"),
    "witness_protection_available": _l("Can the unit arrange witness protection?"),
    "victim_can_withstand_stress": _l("Can a victim withstand the stress of this unit's "
                                      "procedures (interviews, confrontations, waiting)?"),
    "compensation_routes": _l("Does cooperating open a route to compensation?"),
}
ANSWER_LABELS: dict[str, Any] = {"yes": _l("Yes"), "partly": _l("Partly"), "no": _l("No"),
                                 "unknown": _l("Not known")}
RECOMMENDATION_LABELS: dict[str, Any] = {
    UnitRecommendation.COOPERATE.value: _l("Cooperation recommended"),
    UnitRecommendation.CAUTION.value: _l("Cooperation with caution"),
    UnitRecommendation.NOT_RECOMMENDED.value: _l("Cooperation not recommended"),
}
RECOMMENDATION_HELP: dict[str, Any] = {
    UnitRecommendation.COOPERATE.value: _l("We have good reason to trust this unit."),
    UnitRecommendation.CAUTION.value: _l("Cooperation is possible, with the precautions "
                                         "written in the answers."),
    UnitRecommendation.NOT_RECOMMENDED.value: _l(
        "Warn the person clearly about the risks. The decision stays theirs: we never "
        "stand in the way of someone who wants to go to the police."),
}


class UnitForm(FlaskForm):
    name = StringField(_l("Name of the unit"), validators=[DataRequired(), Length(max=160)])
    jurisdiction = StringField(_l("Jurisdiction (country, region or city)"),
                               validators=[Optional(), Length(max=80)])


class OverrideForm(FlaskForm):
    """Issue 9 (rules 73, 109): why specific intelligence may go to a "not recommended"
    unit all the same; documented by a legal adviser, bound to this assessment."""

    reason = TextAreaField(_l("Documented reason for the override"),
                           validators=[DataRequired(), Length(max=5000)])


class _AssessmentBase(FlaskForm):
    recommendation = RadioField(
        _l("Our recommendation"),
        choices=[(r.value, RECOMMENDATION_LABELS[r.value]) for r in UnitRecommendation],
        validators=[DataRequired(message=_l("Choose a recommendation."))])
    valid_until = LocalDateField(_l("Valid until"), validators=[DataRequired(
        message=_l("Give the date until which this assessment can be relied on."))])


def _assessment_form() -> type[FlaskForm]:
    fields: dict[str, Any] = {}
    for question in UNIT_QUESTIONS:
        fields[f"answer_{question}"] = RadioField(
            QUESTION_LABELS[question], choices=[(a, ANSWER_LABELS[a]) for a in UNIT_ANSWERS],
            validators=[DataRequired(message=_l("Answer this question; choose 'Not known' "
                                                "if we do not know."))])
        fields[f"note_{question}"] = TextAreaField(_l("Note"), validators=[
            Optional(), Length(max=4000)])
    return type("AssessmentForm", (_AssessmentBase,), fields)


AssessmentForm = _assessment_form()


def assessment_answers(form: FlaskForm) -> dict[str, dict[str, str]]:
    return {q: {"answer": form[f"answer_{q}"].data or "",
                "note": (form[f"note_{q}"].data or "").strip()} for q in UNIT_QUESTIONS}


# --- Consultation (rules 28-35, 70) -----------------------------------------------------

OPTION_LABELS: dict[str, Any] = {
    LegalOption.INTEL_THROUGH_ORGANISATION.value: _l(
        "Give information to the police through our organisation"),
    LegalOption.INTEL_DIRECTLY.value: _l("Give information to the police directly"),
    LegalOption.WITNESS.value: _l("Act as a witness in a criminal case"),
    LegalOption.COMPENSATION.value: _l("Claim compensation"),
    LegalOption.NOTHING.value: _l("Do nothing"),
}
OPTION_HELP: dict[str, Any] = {
    LegalOption.INTEL_THROUGH_ORGANISATION.value: _l(
        "We pass on only what the person agrees to, without their name unless they ask "
        "for it; they do not have to meet the police."),
    LegalOption.INTEL_DIRECTLY.value: _l(
        "The person speaks to the police themself; we can help them prepare and go with "
        "them."),
    LegalOption.WITNESS.value: _l(
        "The person makes a statement and may be called to court; protection measures can "
        "be requested and we go through them together."),
    LegalOption.COMPENSATION.value: _l(
        "Money from the traffickers for the harm and unpaid work, through the criminal "
        "case or a separate civil claim."),
    LegalOption.NOTHING.value: _l(
        "The person does not have to cooperate with anyone. Our help does not depend on "
        "it, and they can change their mind later."),
}
NOTICE_LABELS: dict[str, Any] = {
    "all_options_explained": _l("I explained every option, including doing nothing."),
    "no_need_to_decide_now": _l("I said there is no need to decide today."),
    "take_your_time": _l("I said the person can take as much time as they need and talk "
                         "to people they trust."),
    "may_reconsider_any_time": _l("I said the person can change their decision at any "
                                  "time, and that this will not affect our help."),
    "risk_always_present": _l("I said that cooperating with the police always carries some "
                              "risk, even with protection."),
    "not_obliged_but_it_helps": _l("I said the person is not obliged to cooperate, but that "
                                   "cooperation can help stop the traffickers and protect "
                                   "others."),
    "waiting_makes_it_harder": _l("I said that waiting can make a case harder to prove, "
                                  "because evidence and witnesses are lost over time."),
}
DECISION_LABELS: dict[str, Any] = {
    PersonDecision.UNDECIDED.value: _l("Has not decided yet"),
    PersonDecision.INTEL_THROUGH_ORGANISATION.value: _l(
        "Give information through our organisation"),
    PersonDecision.INTEL_DIRECTLY.value: _l("Give information to the police directly"),
    PersonDecision.WITNESS.value: _l("Act as a witness"),
    PersonDecision.COMPENSATION.value: _l("Claim compensation"),
    PersonDecision.NOTHING.value: _l("Do nothing for now"),
}
DECISION_CHOICES = [(d.value, DECISION_LABELS[d.value]) for d in PersonDecision]


class ConsultationForm(FlaskForm):
    unit = SelectField(_l("Police unit discussed"), validators=[Optional()])
    options_explained = MultiCheckbox(
        _l("Options explained"),
        choices=[(o.value, OPTION_LABELS[o.value]) for o in LegalOption])
    notices_29 = MultiCheckbox(_l("What I told the person about deciding"),
                               choices=[(n, NOTICE_LABELS[n]) for n in NOTICES_29])
    notices_32 = MultiCheckbox(_l("What I told the person about cooperating with the police"),
                               choices=[(n, NOTICE_LABELS[n]) for n in NOTICES_32])
    decision = RadioField(_l("The person's decision"), choices=DECISION_CHOICES,
                          validators=[DataRequired(message=_l(
                              "Record the person's decision; 'Has not decided yet' is a "
                              "valid answer."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=20_000)])


class DecisionForm(FlaskForm):
    decision = SelectField(_l("The person's decision now"), choices=DECISION_CHOICES,
                           validators=[DataRequired()])
    note = TextAreaField(_l("What changed (optional)"), validators=[Optional(),
                                                                     Length(max=4000)])


# --- Compensation -----------------------------------------------------------------------

ROUTE_LABELS: dict[str, Any] = {"criminal": _l("Within the criminal case"),
                                "civil": _l("Separate civil claim")}
COMPENSATION_LABELS: dict[str, Any] = {
    "considering": _l("Considering"), "filed": _l("Claim filed"), "hearing": _l("Hearing"),
    "awarded": _l("Awarded"), "refused": _l("Refused"), "paid": _l("Paid"),
    "abandoned": _l("Abandoned")}


class CompensationForm(FlaskForm):
    route = SelectField(_l("Route"), choices=list(ROUTE_LABELS.items()),
                        validators=[DataRequired()])
    status = SelectField(_l("Status"), choices=[(s, COMPENSATION_LABELS[s])
                                                for s in COMPENSATION_STATUSES],
                         validators=[DataRequired()])
    occurred_on = LocalDateField(_l("Date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=4000)])


# --- Witness protection (rules 39-47) ---------------------------------------------------

CONCERN_LABELS: dict[str, Any] = {
    Concern.PERSONAL_SAFETY.value: _l("Personal safety of the person and their family"),
    Concern.CONFIDENTIALITY.value: _l("Confidentiality, and fear of disgrace if others "
                                      "find out"),
    Concern.FEAR_OF_TRAFFICKER.value: _l("Fear of being in the traffickers' presence"),
}
MEASURE_LABELS: dict[str, Any] = {
    "relocation": _l("Relocation to another area"),
    "new_housing": _l("New housing"),
    "change_of_identity": _l("Change of identity"),
    "physical_protection": _l("Physical protection (guard, alarm, escort)"),
    "confidential_proceedings": _l("Hearings closed to the public"),
    "statement_under_pseudonym": _l("Statement under a pseudonym"),
    "no_confrontation": _l("No face-to-face confrontation with the accused"),
    "one_way_screen": _l("Screen or one-way mirror in the courtroom"),
    "media_ban": _l("Ban on publishing the person's identity"),
    "remote_testimony": _l("Testimony by video link"),
    "support_at_every_stage": _l("A support person at every stage"),
    "no_compulsion_agreement": _l("Agreement that the person will not be compelled to "
                                  "testify"),
}
AVAILABILITY_LABELS: dict[str, Any] = {
    "available": _l("Available"), "in_law_only": _l("In law only, not in practice"),
    "not_available": _l("Not available"), "unknown": _l("Not known")}
MEASURE_STATUS_LABELS: dict[str, Any] = {
    "not_considered": _l("Not considered"), "recommended": _l("Recommended by us"),
    "requested": _l("Requested"), "granted": _l("Granted"), "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn")}
MEASURE_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_l("Physical protection (rule 42)"), PHYSICAL_MEASURES),
    (_l("Protection in the proceedings (rule 44)"), JUDICIAL_MEASURES))


WITNESS_NOTICE_LABELS: dict[str, Any] = {
    "pseudonym_not_full_protection": _l("A pseudonym or a hidden name does not fully "
                                        "protect: details in official statements can still "
                                        "point to the source (rule 45)"),
    "judicial_protection_needs_cooperation": _l("Protection in the proceedings may be given "
                                                "only if the person cooperates and gives "
                                                "statements (rule 43)"),
    "no_compulsion_agreement_explained": _l("Whether there is an agreement with the police "
                                            "and prosecution not to compel testimony if a "
                                            "protection measure is challenged (rules 46, "
                                            "99)"),
}


class _WitnessBase(FlaskForm):
    notices_told = MultiCheckbox(_l("What I told the person about the limits of protection"),
                                 choices=[(n, WITNESS_NOTICE_LABELS[n])
                                          for n in WITNESS_NOTICES])
    recommendation = TextAreaField(_l("Our recommendation"),
                                   validators=[Optional(), Length(max=20_000)])
    persons_view = TextAreaField(_l("The person's own view"),
                                 validators=[Optional(), Length(max=20_000)])
    next_deadline = LocalDateField(_l("Next deadline"), validators=[Optional()])


def _witness_form() -> type[FlaskForm]:
    fields: dict[str, Any] = {}
    for concern in Concern:
        fields[f"concern_{concern.value}"] = TextAreaField(
            CONCERN_LABELS[concern.value], validators=[
                DataRequired(message=_l("Write what the person said about this, even if it "
                                        "is 'no concern'.")), Length(max=20_000)])
    for measure in PHYSICAL_MEASURES + JUDICIAL_MEASURES:
        fields[f"availability_{measure}"] = SelectField(
            _l("Availability in the jurisdiction"), default="unknown",
            choices=[(a, AVAILABILITY_LABELS[a]) for a in MEASURE_AVAILABILITY],
            validators=[DataRequired()])
        fields[f"status_{measure}"] = SelectField(
            _l("Status"), default="not_considered",
            choices=[(s, MEASURE_STATUS_LABELS[s]) for s in MEASURE_STATUS],
            validators=[DataRequired()])
    return type("WitnessForm", (_WitnessBase,), fields)


WitnessForm = _witness_form()


def witness_concerns(form: FlaskForm) -> dict[str, str]:
    return {c.value: (form[f"concern_{c.value}"].data or "").strip() for c in Concern}


def witness_measures(form: FlaskForm) -> dict[str, dict[str, str]]:
    return {m: {"availability": form[f"availability_{m}"].data or "",
                "status": form[f"status_{m}"].data or ""}
            for m in PHYSICAL_MEASURES + JUDICIAL_MEASURES}


# --- Privileged notes -------------------------------------------------------------------

class PrivilegedNoteForm(FlaskForm):
    text = TextAreaField(_l("Privileged note"), validators=[DataRequired(),
                                                            Length(max=50_000)])
