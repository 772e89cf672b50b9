"""Forms for person records, screening, interviews and case notes (shape only)."""

from __future__ import annotations

from enum import Enum

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.domain.casenotes import ServiceType
from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.screening import INDICATORS, Act, CouldLeave, Means, Outcome, Purpose
from casework.web.form_base import FlaskForm
from casework.web.form_dates import LocalDateField, NotInFuture
from casework.web.text import lazy_gettext as _l


class MultiCheckbox(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


GENDERS = [("female", _l("Female")), ("male", _l("Male")), ("other", _l("Other")),
           ("not_stated", _l("Prefers not to say"))]
LANGUAGE_CHOICES = [("kk", _l("Kazakh")), ("ru", _l("Russian")), ("en", _l("English")),
                    ("uz", _l("Uzbek")), ("ky", _l("Kyrgyz")), ("tg", _l("Tajik")),
                    ("other", _l("Other language"))]
SAFE_CHANNELS = [("", _l("Not agreed yet")), ("in_person", _l("Only in person")),
                 ("phone_call", _l("Phone call")), ("sms", _l("Text message")),
                 ("messenger", _l("Messenger app")),
                 ("through_contact", _l("Through a trusted person"))]


# Rule 21: who represents a child.
REPRESENTATIVE_LABELS = {"parent": _l("A parent"), "guardian": _l("A guardian"),
                         "appointed_representative": _l("An appointed representative")}
REPRESENTATIVE_CHOICES = [("", "—"), *REPRESENTATIVE_LABELS.items()]
# Issue 15: opt-in to de-identified statistics (Primero's practice); "" = not asked yet.
STATISTICS_CONSENT_CHOICES = [
    ("", _l("Not asked yet")), ("yes", _l("Yes, they agreed")),
    ("no", _l("No, they refused"))]


class PersonForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    aliases = TextAreaField(_l("Other names and spellings (one per line)"),
                            validators=[Optional(), Length(max=2000)])
    date_of_birth = StringField(_l("Date of birth (DD.MM.YYYY), if known"),
                                validators=[Optional(), Length(max=20)])
    estimated_age = IntegerField(_l("Estimated age, if the date is not known"),
                                 validators=[Optional(), NumberRange(min=0, max=120)])
    # Rule 130: where the date of birth comes from.
    dob_source = SelectField(_l("Source of the date of birth"), choices=[
        ("", _l("Choose…")), ("document", _l("A document (passport, identity card, birth "
                                               "certificate)")),
        ("self_declared", _l("The person's own statement")),
        ("age_assessment", _l("A medical or age assessment"))], validators=[Optional()])
    possibly_child = BooleanField(_l("Age unknown: possibly a child (child rules apply until "
                                     "an age assessment says otherwise)"))
    # Derived from the facts above; this box can only add protection, never remove it.
    is_minor = BooleanField(_l("The person is a child (under 18)"))
    # Rule 122: no default gender; the radio has no preselected value.
    gender = RadioField(_l("Gender"), choices=GENDERS, validators=[DataRequired(
        message=_l("Choose one; do not guess."))])
    nationality = StringField(_l("Nationality"), validators=[Optional(), Length(max=80)])
    languages = MultiCheckbox(_l("Languages"), choices=LANGUAGE_CHOICES)
    statistics_consent = RadioField(
        _l("May their de-identified data be counted in statistics?"),
        choices=STATISTICS_CONSENT_CHOICES, default="", validators=[Optional()])
    phones = TextAreaField(_l("Phone numbers (one per line)"),
                           validators=[Optional(), Length(max=500)])
    contact = TextAreaField(_l("Other contact details"), validators=[Optional(),
                                                                    Length(max=1000)])
    safe_channel = SelectField(_l("Safe way to contact"), choices=SAFE_CHANNELS,
                               validators=[Optional()])
    safe_times = StringField(_l("Safe times to contact"), validators=[Optional(),
                                                                      Length(max=200)])
    code_word = StringField(_l("Code word"), validators=[Optional(), Length(max=80)])
    do_not_contact = TextAreaField(_l("Never contact through (people, numbers, places)"),
                                   validators=[Optional(), Length(max=1000)])
    documents_held = TextAreaField(_l("Documents held (by whom)"),
                                   validators=[Optional(), Length(max=1000)])
    placement = StringField(_l("Placement"), validators=[Optional(), Length(max=200)])
    guardian = TextAreaField(_l("Legal representative or guardian (for a child)"),
                             validators=[Optional(), Length(max=1000)])
    representative_type = SelectField(_l("The representative is"),
                                      choices=REPRESENTATIVE_CHOICES, validators=[Optional()])
    child_views = TextAreaField(_l("The child's own views"),
                                validators=[Optional(), Length(max=4000)])


class SearchForm(FlaskForm):
    query = StringField(_l("Name, date of birth or phone number"),
                        validators=[DataRequired(), Length(min=2, max=200)])


class BreakGlassForm(FlaskForm):
    reason = TextAreaField(_l("Why do you need this record now?"),
                           validators=[DataRequired(), Length(max=2000)])


class TicketBreakGlassForm(FlaskForm):
    """Emergency access to a match the user was not shown (issues 13.3, 13.4)."""

    ticket = HiddenField(validators=[DataRequired(), Length(max=64)])
    reason = TextAreaField(_l("Why do you need this record now?"),
                           validators=[DataRequired(), Length(max=2000)])


class AssignForm(FlaskForm):
    staff = SelectField(_l("Member of staff"), validators=[DataRequired()])
    action = HiddenField(default="assign")


def _choices(enum: type[Enum], labels: dict[str, object]) -> list[tuple[str, object]]:
    return [(member.value, labels.get(member.value, member.value)) for member in enum]


OUTCOME_LABELS = {"trafficking": _l("Trafficking"), "smuggling": _l("Smuggling"),
                  "other_abuse": _l("Other abuse (e.g. domestic violence)"),
                  "undetermined": _l("Undetermined")}
ACT_LABELS = {"recruitment": _l("Recruitment"), "transportation": _l("Transportation"),
              "transfer": _l("Transfer"), "harbouring": _l("Harbouring"),
              "receipt": _l("Receipt of persons")}
MEANS_LABELS = {"threat": _l("Threat"), "force": _l("Use of force"),
                "other_coercion": _l("Other coercion"), "abduction": _l("Abduction"),
                "fraud": _l("Fraud"), "deception": _l("Deception"),
                "abuse_of_power": _l("Abuse of power"),
                "abuse_of_vulnerability": _l("Abuse of a position of vulnerability"),
                "payments_to_controller": _l("Payments to a person in control")}
PURPOSE_LABELS = {"sexual_exploitation": _l("Sexual exploitation"),
                  "forced_labour": _l("Forced labour or services"),
                  "slavery_or_similar": _l("Slavery or similar practices"),
                  "servitude": _l("Servitude"), "organ_removal": _l("Removal of organs"),
                  "forced_begging": _l("Forced begging"), "forced_marriage": _l("Forced marriage"),
                  "criminal_exploitation": _l("Forced criminality"), "other": _l("Other")}
COULD_LEAVE_LABELS = {"yes": _l("Yes, the person could end it of their own will"),
                      "no": _l("No, the person could not leave or end it"),
                      "unknown": _l("Not known yet")}
INDICATOR_LABELS = {
    "deceptive_recruitment": _l("Deceptive recruitment"),
    "coercive_recruitment": _l("Coercive recruitment"),
    "recruitment_abuse_of_vulnerability": _l("Recruitment by abuse of vulnerability"),
    "exploitative_conditions": _l("Exploitative conditions of work"),
    "coercion_at_destination": _l("Coercion at destination"),
    "abuse_of_vulnerability_at_destination": _l("Abuse of vulnerability at destination"),
    "documents_withheld": _l("Documents withheld"), "debt_bondage": _l("Debt bondage"),
    "restricted_movement": _l("Restricted movement"), "isolation": _l("Isolation"),
    "threats_to_family": _l("Threats to family"),
    "no_pay_or_little_pay": _l("No pay or very little pay"),
}


class ScreeningForm(FlaskForm):
    legal_context = TextAreaField(_l("Legal context"), validators=[DataRequired(),
                                                                   Length(max=4000)])
    perpetrators = TextAreaField(_l("The perpetrators: what was the purpose of their conduct?"),
                                 validators=[DataRequired(), Length(max=4000)])
    person_perspective = TextAreaField(_l("The person's own perspective"),
                                       validators=[DataRequired(), Length(max=4000)])
    acts = MultiCheckbox(_l("Act"), choices=_choices(Act, ACT_LABELS))
    means = MultiCheckbox(_l("Means (not required for a child)"),
                          choices=_choices(Means, MEANS_LABELS))
    purposes = MultiCheckbox(_l("Purpose"), choices=_choices(Purpose, PURPOSE_LABELS))
    could_leave = RadioField(_l("Could the person end the relationship of their own will?"),
                             choices=_choices(CouldLeave, COULD_LEAVE_LABELS),
                             validators=[DataRequired()])
    indicators = MultiCheckbox(_l("Indicators seen"),
                               choices=[(i, INDICATOR_LABELS[i]) for i in INDICATORS])
    outcome = RadioField(_l("Outcome"), choices=_choices(Outcome, OUTCOME_LABELS),
                         validators=[DataRequired()])
    rationale = TextAreaField(_l("Why this outcome"), validators=[DataRequired(),
                                                                  Length(max=4000)])


NOTICE_RESPONSE_LABELS = {"acknowledged": _l("Understood and agreed to continue"),
                          "refused": _l("Declined to continue after hearing it")}


# Rule 81 / issue 13.12: the notice exists in these languages only, so only these are offered.
NOTICE_LANGUAGES = ("kk", "ru", "en")


class NoticeForm(FlaskForm):
    language = SelectField(_l("Language the notice was given in"),
                           choices=[c for c in LANGUAGE_CHOICES if c[0] in NOTICE_LANGUAGES],
                           validators=[DataRequired()])
    response = RadioField(_l("The person's answer"),
                          choices=_choices(NoticeResponse, NOTICE_RESPONSE_LABELS),
                          validators=[DataRequired()])


PLACE_LABELS = {"shelter": _l("Shelter"), "office": _l("Office"), "outreach": _l("Outreach"),
                "hospital": _l("Hospital"), "remote": _l("By phone or video"),
                "other": _l("Other place")}
INTERVIEWEE_LABELS = {"victim": _l("The person themself"),
                      "family_member": _l("A family member"),
                      "friend_or_close_person": _l("A friend or close person")}


class InterviewForm(FlaskForm):
    notice = HiddenField()
    interviewee_role = SelectField(_l("Who was interviewed"),
                                   choices=_choices(IntervieweeRole, INTERVIEWEE_LABELS),
                                   validators=[DataRequired()])
    place_type = SelectField(_l("Where"), choices=_choices(PlaceType, PLACE_LABELS),
                             validators=[DataRequired()])
    held_on = LocalDateField(_l("Date"), validators=[DataRequired(), NotInFuture()])
    interpreter = StringField(_l("Interpreter (name and language), if any"),
                              validators=[Optional(), Length(max=200)])
    narrative = TextAreaField(_l("What the person said"), validators=[DataRequired(),
                                                                      Length(max=100_000)])


class AddendumForm(FlaskForm):
    text = TextAreaField(_l("Addendum"), validators=[DataRequired(), Length(max=20_000)])


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, image or audio)"), validators=[DataRequired()])


SERVICE_LABELS = {"shelter": _l("Shelter"), "medical": _l("Medical care"),
                  "psychological": _l("Psychological support"), "legal": _l("Legal help"),
                  "documents": _l("Documents"), "education": _l("Education"),
                  "employment": _l("Employment"), "family_tracing": _l("Family tracing"),
                  "repatriation": _l("Return home"), "financial": _l("Financial support"),
                  "other": _l("Other")}


class NoteForm(FlaskForm):
    kind = HiddenField(default="note")
    occurred_on = LocalDateField(_l("Date"), validators=[DataRequired(), NotInFuture()])
    service_type = SelectField(_l("Service"), choices=[("", "—")] + _choices(
        ServiceType, SERVICE_LABELS), validators=[Optional()])
    review_on = LocalDateField(_l("Review by"), validators=[Optional()])
    body = TextAreaField(_l("Text"), validators=[DataRequired(), Length(max=20_000)])
