"""Forms for consent, clearance, risk assessments, meetings and protected addresses.

Shape only (required, length, format); the rules live in the domain and the services say
every reason a record is refused.
"""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from casework.domain.consent import (
    NOTICES_29,
    NOTICES_32,
    NOTICES_HTCDS,
    ChildConsent,
    Purpose,
    ShareLevel,
)
from casework.domain.meetings import PlaceType
from casework.domain.risk import RiskCategory, RiskLevel
from casework.web.form_base import FlaskForm
from casework.web.form_dates import LocalDateField
from casework.web.forms_casework import LANGUAGE_CHOICES, REPRESENTATIVE_CHOICES, MultiCheckbox
from casework.web.text import lazy_gettext as _l

# Rules 138-139: every decision about a child says why it serves the child.
BEST_INTERESTS_LABEL = _l("For a child: why this decision is in the child's best interests")

# Rule 59: the seven uses, in words a person can agree to.
PURPOSE_LABELS = {
    Purpose.RESCUE.value: _l("To rescue other people who are still being exploited"),
    Purpose.REFERRAL.value: _l("To refer people to help and assistance"),
    Purpose.INVESTIGATION.value: _l("To investigate and prosecute the traffickers"),
    Purpose.STRATEGY.value: _l("For police strategy and tactics against trafficking"),
    Purpose.RESOURCES.value: _l("To decide where police and services put their resources"),
    Purpose.PREVENTION.value: _l("For prevention and awareness campaigns"),
    Purpose.RESEARCH.value: _l("For research and analysis"),
}
SHARE_LABELS = {
    ShareLevel.NONE.value: _l("Nothing may be shared"),
    ShareLevel.THEMATIC_ONLY.value: _l("Only general (thematic) information that cannot point "
                                       "to the person"),
    ShareLevel.SPECIFIC.value: _l("Specific information about the case (after a risk "
                                  "assessment)"),
}
NOTICE_LABELS = {
    # Rule 29: before deciding.
    "all_options_explained": _l("We explained all the options, including doing nothing."),
    "no_need_to_decide_now": _l("We said they do not have to decide now."),
    "take_your_time": _l("We said they can take as much time as they need."),
    "may_reconsider_any_time": _l("We said they can change their mind at any time."),
    # Rule 32: about consequences.
    "risk_always_present": _l("We said that some risk always remains, whatever we do."),
    "not_obliged_but_it_helps": _l("We said they are not obliged to help the police, but "
                                   "that it can help others."),
    "waiting_makes_it_harder": _l("We said that waiting can make an investigation harder."),
    # HTCDS: about their data.
    "purpose_told": _l("We said why we would share information."),
    "uses_told": _l("We said exactly how the information may be used."),
    "research_use_told": _l("We said whether it may be used for research."),
    "right_to_access_told": _l("We said they may see what we hold about them."),
    "retention_told": _l("We said how long we keep the information."),
    "how_to_withdraw_told": _l("We said how to withdraw consent, and that it is one simple "
                               "step."),
}
CHILD_CONSENT_LABELS = {
    ChildConsent.OBTAINED.value: _l("The child agreed"),
    ChildConsent.REFUSED.value: _l("The child did not agree"),
    ChildConsent.TOO_YOUNG.value: _l("Could not be asked: too young to understand"),
    ChildConsent.UNREACHABLE.value: _l("Could not be asked: the child could not be reached"),
    ChildConsent.OTHER.value: _l("Could not be asked: another reason"),
}
CATEGORY_LABELS = {
    RiskCategory.CASE_SIGNIFICANT.value: _l("Details significant to the case (rule 66): what "
                                            "did you find, and what will be withheld?"),
    RiskCategory.IDENTITY.value: _l("Personal identity data (rule 68): what did you find, and "
                                    "what will be withheld?"),
    RiskCategory.ONLY_KNOWN_TO_PERSON.value: _l("Details only the person could know (rule "
                                                "69): what did you find, and what will be "
                                                "withheld?"),
}
RISK_LABELS = {
    RiskLevel.LOW.value: _l("Low"),
    RiskLevel.MEDIUM.value: _l("Medium"),
    RiskLevel.HIGH.value: _l("High"),
    RiskLevel.SEVERE.value: _l("Severe: do not disclose without extraordinary grounds"),
}
MEETING_PLACE_LABELS = {
    PlaceType.POLICE_STATION.value: _l("Police station"),
    PlaceType.NEUTRAL_OFFICE.value: _l("Neutral office"),
    PlaceType.COURT.value: _l("Court building"),
    PlaceType.OTHER_NEUTRAL.value: _l("Another safe, neutral place"),
    PlaceType.SHELTER.value: _l("Shelter (never allowed)"),
}
LAWYER_LABELS = [("yes", _l("Yes, they want the legal consultant there")),
                 ("no", _l("No, they do not want the legal consultant there"))]


def _pairs(values: tuple[str, ...]) -> list[tuple[str, object]]:
    return [(v, NOTICE_LABELS[v]) for v in values]


class ConsentForm(FlaskForm):
    purposes = MultiCheckbox(_l("What the information may be used for"),
                             choices=list(PURPOSE_LABELS.items()))
    recipient_units = MultiCheckbox(_l("Which police units may receive it (none is a valid "
                                       "answer)"), choices=[])
    share_level = RadioField(_l("What may be shared"), choices=list(SHARE_LABELS.items()),
                             validators=[DataRequired(message=_l("Choose what may be "
                                                                 "shared."))])
    identity_allowed = BooleanField(_l("The person's name and identity data may be shared"))
    identity_at_persons_request = BooleanField(_l("The person asked for this themselves"))
    valid_until = LocalDateField(_l("Valid until (leave empty if the person set no end date)"),
                            validators=[Optional()])
    notices_29 = MultiCheckbox(_l("Before deciding"), choices=_pairs(NOTICES_29))
    notices_32 = MultiCheckbox(_l("About consequences (optional)"), choices=_pairs(NOTICES_32))
    notices_htcds = MultiCheckbox(_l("About their data"), choices=_pairs(NOTICES_HTCDS))
    language = SelectField(_l("Language the consent was explained in"),
                           choices=LANGUAGE_CHOICES, validators=[DataRequired()])
    interpreter = StringField(_l("Interpreter (name and language), if any"),
                              validators=[Optional(), Length(max=200)])
    witness = StringField(_l("Witness (name and role), if any"),
                          validators=[Optional(), Length(max=200)])
    representative = StringField(_l("The child's legal representative (name and relation)"),
                                 validators=[Optional(), Length(max=200)])
    representative_type = SelectField(_l("The representative is"),
                                      choices=REPRESENTATIVE_CHOICES, validators=[Optional()])
    representative_consented = BooleanField(_l("The legal representative consented"))
    child_consent = RadioField(_l("The child's own consent"),
                               choices=list(CHILD_CONSENT_LABELS.items()),
                               validators=[Optional()])
    child_view = TextAreaField(_l("The child's own view, in their words"),
                               validators=[Optional(), Length(max=4000)])
    child_age_and_maturity = TextAreaField(_l("Age and maturity: how well the child "
                                              "understood"),
                                           validators=[Optional(), Length(max=2000)])
    child_unobtainable_reason = TextAreaField(_l("If the child could not be asked: why"),
                                              validators=[Optional(), Length(max=2000)])
    best_interests = TextAreaField(BEST_INTERESTS_LABEL,
                                   validators=[Optional(), Length(max=4000)])
    notes = TextAreaField(_l("Other notes"), validators=[Optional(), Length(max=4000)])
    signed_form = FileField(_l("The signed consent form (PDF or photo)"))


class ClearanceForm(FlaskForm):
    note = TextAreaField(_l("Why the person is ready for a consultation about the police"),
                         validators=[Optional(), Length(max=4000)])


class RiskForm(FlaskForm):
    unit = SelectField(_l("Police unit the information would go to"),
                       validators=[DataRequired()], choices=[])
    case_significant_details = TextAreaField(
        CATEGORY_LABELS[RiskCategory.CASE_SIGNIFICANT.value],
        validators=[Optional(), Length(max=4000)])
    personal_identity_data = TextAreaField(
        CATEGORY_LABELS[RiskCategory.IDENTITY.value],
        validators=[Optional(), Length(max=4000)])
    details_known_only_to_the_person = TextAreaField(
        CATEGORY_LABELS[RiskCategory.ONLY_KNOWN_TO_PERSON.value],
        validators=[Optional(), Length(max=4000)])
    unit_assessment_note = TextAreaField(_l("What the unit's assessment means for this "
                                            "disclosure"),
                                         validators=[Optional(), Length(max=4000)])
    harm_to_others = TextAreaField(_l("Could it harm anyone else: family, other victims, "
                                      "witnesses? (rule 72)"),
                                   validators=[Optional(), Length(max=4000)])
    staff_safety = TextAreaField(_l("Could it put our staff at risk? (rule 74)"),
                                 validators=[Optional(), Length(max=4000)])
    # Not limited to the choices here: a value outside them is refused by the rule itself,
    # with the message that residual risk is never "none" (rule 40).
    residual = SelectField(_l("Residual risk after the measures below"),
                           choices=[("", _l("Choose…"))] + list(RISK_LABELS.items()),
                           validate_choice=False)
    mitigations = TextAreaField(_l("Measures: which details to withhold or generalise"),
                                validators=[Optional(), Length(max=4000)])


class MeetingForm(FlaskForm):
    unit = SelectField(_l("Police unit"), validators=[DataRequired()], choices=[])
    scheduled_for = DateTimeLocalField(_l("Date and time"), format="%Y-%m-%dT%H:%M",
                                       validators=[DataRequired(message=_l(
                                           "Enter the date and time of the meeting."))])
    place = StringField(_l("Place (address or description)"),
                        validators=[Optional(), Length(max=300)])
    place_type = SelectField(_l("Kind of place"), choices=list(MEETING_PLACE_LABELS.items()),
                             validators=[DataRequired()])
    lawyer_question_asked = BooleanField(_l("We asked the person beforehand whether the legal "
                                            "consultant should attend"))
    lawyer_wanted = RadioField(_l("Their answer"), choices=LAWYER_LABELS,
                               validators=[Optional()])
    attendees = TextAreaField(_l("Who will attend"), validators=[Optional(), Length(max=1000)])
    best_interests = TextAreaField(BEST_INTERESTS_LABEL,
                                   validators=[Optional(), Length(max=4000)])
    # Issue 9: every contact with police goes through the designated liaison or deputy
    # (rules 2, 4); a "not recommended" unit needs the person warned (rules 15, 109).
    liaison = SelectField(_l("Through the designated liaison or deputy"), choices=[],
                          validators=[Optional()])
    person_warned = BooleanField(_l("The person was told that cooperation with this unit is "
                                    "not recommended, why, and the risks, and still wishes "
                                    "to meet"))


class MeetingContentForm(FlaskForm):
    content = TextAreaField(_l("What was discussed (strictly confidential)"),
                            validators=[DataRequired(), Length(max=50_000)])


class ProtectedAddressForm(FlaskForm):
    label = StringField(_l("Name (for example: Shelter 1)"),
                        validators=[DataRequired(), Length(max=80)])
    address = TextAreaField(_l("Address"), validators=[DataRequired(), Length(max=500)])
