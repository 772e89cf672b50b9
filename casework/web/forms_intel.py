"""The intelligence entry form, shared by the intelligence pages and the interview page.

Shape only: the thematic check, tag vocabulary and source rules live in the domain and the
services. Every enum value has a human, translatable label here.
"""

from __future__ import annotations

from typing import Any

from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.domain.taxonomy import (
    DEFAULT_SOURCE_EVALUATION,
    TAGS,
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.services.intel import EntryInput
from casework.web.form_base import FlaskForm
from casework.web.text import lazy_gettext as _l

KIND_LABELS = {
    EntryKind.THEMATIC: _l("Thematic: identifies no specific person or event"),
    EntryKind.SPECIFIC: _l("Specific: could identify a person or event"),
}
KIND_SHORT = {EntryKind.THEMATIC: _l("Thematic"), EntryKind.SPECIFIC: _l("Specific")}
SUBJECT_LABELS = {
    SubjectArea.RECRUITMENT: _l("Recruitment methods"),
    SubjectArea.ROUTES: _l("Routes"),
    SubjectArea.MODUS_OPERANDI: _l("Modus operandi"),
    SubjectArea.EXPLOITATION: _l("Exploitation and abuse"),
}
SOURCE_LABELS = {
    SourceType.OPEN_SOURCES: _l("Open sources (media, research, journalists)"),
    SourceType.OTHER_OFFICE: _l("Another office of our organisation"),
    SourceType.LAW_ENFORCEMENT: _l("Law enforcement (police, migration, border guards)"),
    SourceType.PARTNER: _l("Partner organisation (intergovernmental or non-governmental)"),
    SourceType.VICTIM_OR_CLOSE_PERSON: _l("A person we support or someone close to them"),
}
EVALUATION_LABELS = {
    SourceEvaluation.RELIABLE: _l("1 – reliable"),
    SourceEvaluation.UNTESTED: _l("2 – untested"),
    SourceEvaluation.NOT_RELIABLE: _l("3 – not reliable"),
}
ASSESSMENT_LABELS = {
    IntelAssessment.KNOWN_DIRECTLY: _l("A – known directly to the source"),
    IntelAssessment.INDIRECT_CORROBORATED: _l("B – known indirectly to the source, "
                                              "corroborated"),
    IntelAssessment.INDIRECT: _l("C – known indirectly to the source"),
    IntelAssessment.NOT_KNOWN: _l("D – not known"),
    IntelAssessment.SUSPECTED_FALSE: _l("E – suspected to be false"),
}
HANDLING_LABELS = {
    HandlingCode.PERMITTED: _l("P – lawful sharing permitted"),
    HandlingCode.CONDITIONS: _l("C – permitted with conditions"),
}
STATEMENT_LABELS = {
    "reported_fact": _l("Reported fact (what the source says)"),
    "assessment": _l("The organisation's own assessment"),
}
GRANULARITY_LABELS = {
    Granularity.YEAR: _l("Year"),
    Granularity.MONTH: _l("Month"),
    Granularity.DAY: _l("Day"),
    Granularity.COUNTRY: _l("Country"),
    Granularity.REGION: _l("Region"),
    Granularity.CITY: _l("City"),
    Granularity.EXACT: _l("Exact"),
}
TIME_GRANULARITIES = (Granularity.YEAR, Granularity.MONTH, Granularity.DAY, Granularity.EXACT)
PLACE_GRANULARITIES = (Granularity.COUNTRY, Granularity.REGION, Granularity.CITY,
                       Granularity.EXACT)
PRIVACY_LABELS = {
    "not_needed": _l("No privacy review needed (specific)"),
    "pending": _l("Waiting for a privacy review"),
    "cleared": _l("Reviewed for privacy"),
}
DIRECTION_LABELS = {"own": _l("Our entries"), "incoming": _l("Received from police")}
TAG_PREDICATE_LABELS = {
    "exploitation-type": _l("Type of exploitation"),
    "means-of-control": _l("Means of control"),
    "recruitment-method": _l("Recruitment method"),
    "phase": _l("Phase"),
    "documents": _l("Documents"),
    "indicator": _l("Indicator"),
}
TAG_VALUE_LABELS = {
    "forced-labour": _l("Forced labour"),
    "sexual-exploitation": _l("Sexual exploitation"),
    "domestic-servitude": _l("Domestic servitude"),
    "criminal-exploitation": _l("Forced criminality"),
    "forced-begging": _l("Forced begging"),
    "forced-marriage": _l("Forced marriage"),
    "child-labour": _l("Child labour"),
    "organ-removal": _l("Organ removal"),
    "forced-adoption": _l("Forced adoption"),
    "slavery-and-similar-practices": _l("Slavery and similar practices"),
    "other": _l("Other"),
    "debt-bondage": _l("Debt bondage"),
    "takes-earnings": _l("Takes earnings"),
    "restricts-financial-access": _l("Restricts access to money"),
    "threats": _l("Threats"),
    "threats-to-family": _l("Threats to family"),
    "threat-of-law-enforcement": _l("Threat of the police or deportation"),
    "psychological-abuse": _l("Psychological abuse"),
    "physical-abuse": _l("Physical abuse"),
    "sexual-abuse": _l("Sexual abuse"),
    "false-promises": _l("False promises"),
    "psychoactive-substances": _l("Drugs or alcohol"),
    "restricts-movement": _l("Restricts movement"),
    "restricts-medical-care": _l("Restricts medical care"),
    "excessive-working-hours": _l("Excessive working hours"),
    "withholds-necessities": _l("Withholds food, sleep or other necessities"),
    "withholds-documents": _l("Withholds documents"),
    "place-of-business": _l("At a place of business"),
    "educational-institution": _l("At a school or college"),
    "at-work": _l("At work"),
    "online-social-network": _l("Online social network"),
    "online-advertisement": _l("Online advertisement"),
    "tv-advert": _l("TV advertisement"),
    "newspaper-advert": _l("Newspaper advertisement"),
    "family-events": _l("Through family"),
    "friends-social-events": _l("Through friends or social events"),
    "abduction": _l("Abduction"),
    "recruitment": _l("Recruitment"),
    "transit": _l("Transit"),
    "exploitation": _l("Exploitation"),
    "movement-within-country": _l("Movement within the country"),
    "re-trafficking": _l("Re-trafficking"),
    "genuine": _l("Genuine"),
    "forged": _l("Forged"),
    "fraudulently-obtained": _l("Obtained by fraud"),
    "withheld-by-exploiter": _l("Withheld by the exploiter"),
    "none": _l("None"),
    "deceptive-recruitment": _l("Deceptive recruitment"),
    "coercive-recruitment": _l("Coercive recruitment"),
    "recruitment-abuse-of-vulnerability": _l("Recruitment abusing vulnerability"),
    "exploitative-conditions": _l("Exploitative conditions"),
    "coercion-at-destination": _l("Coercion at destination"),
    "abuse-of-vulnerability-at-destination": _l("Abuse of vulnerability at destination"),
}


def tag_label(tag: str) -> str:
    """``predicate:value`` in words, e.g. "Phase: Transit"."""
    predicate, _, value = tag.partition(":")
    return f"{TAG_PREDICATE_LABELS.get(predicate, predicate)}: " \
           f"{TAG_VALUE_LABELS.get(value, value)}"


def tag_groups() -> list[tuple[str, Any, list[tuple[str, Any]]]]:
    """(predicate, label, [(tag, label)]) for rendering grouped checkboxes."""
    return [(predicate, TAG_PREDICATE_LABELS[predicate],
             [(f"{predicate}:{value}", TAG_VALUE_LABELS[value]) for value in values])
            for predicate, values in TAGS.items()]


def _choices(labels: dict[Any, Any]) -> list[tuple[str, Any]]:
    return [(getattr(key, "value", key), label) for key, label in labels.items()]


def _granularity_choices(options: tuple[Granularity, ...]) -> list[tuple[str, Any]]:
    return [("", _l("Not given"))] + [(g.value, GRANULARITY_LABELS[g]) for g in options]


OTHER_SOURCES = tuple(s for s in SourceType if s is not SourceType.VICTIM_OR_CLOSE_PERSON)


class EntryForm(FlaskForm):
    """One intelligence entry. ``fixed_source_type`` pins the source type (an entry from
    an interview, or an incoming one): it is shown, not chosen, and a posted value is
    ignored."""

    kind = RadioField(_l("Kind of intelligence"), choices=_choices(KIND_LABELS),
                      validators=[InputRequired(message=_l("Choose thematic or specific."))])
    subject_area = SelectField(_l("Subject area"), choices=_choices(SUBJECT_LABELS),
                               validators=[DataRequired()])
    source_type = SelectField(_l("Source"), choices=_choices(
        {s: SOURCE_LABELS[s] for s in OTHER_SOURCES}), validators=[DataRequired()])
    source_evaluation = SelectField(_l("Source evaluation"),
                                    choices=_choices(EVALUATION_LABELS),
                                    default=DEFAULT_SOURCE_EVALUATION.value,
                                    validators=[DataRequired()])
    intel_assessment = SelectField(_l("Intelligence assessment"),
                                   choices=_choices(ASSESSMENT_LABELS),
                                   default=IntelAssessment.INDIRECT.value,
                                   validators=[DataRequired()])
    handling_code = SelectField(_l("Handling code"), choices=_choices(HANDLING_LABELS),
                                default=HandlingCode.CONDITIONS.value,
                                validators=[DataRequired()])
    statement = SelectField(_l("Statement type"), choices=_choices(STATEMENT_LABELS),
                            default="reported_fact", validators=[DataRequired()])
    text = TextAreaField(_l("The intelligence"), validators=[
        DataRequired(message=_l("Write the intelligence itself.")), Length(max=20000)])
    tags = SelectMultipleField(_l("Tags"), choices=[
        (tag, label) for _, _, group in tag_groups() for tag, label in group],
        validators=[Optional()])
    time = StringField(_l("When"), validators=[Optional(), Length(max=40)])
    time_granularity = SelectField(_l("How precise is the time"),
                                   choices=_granularity_choices(TIME_GRANULARITIES),
                                   default="")
    place = StringField(_l("Where"), validators=[Optional(), Length(max=120)])
    place_granularity = SelectField(_l("How precise is the place"),
                                    choices=_granularity_choices(PLACE_GRANULARITIES),
                                    default="")

    def __init__(self, *args: Any, fixed_source_type: SourceType | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_source_type = fixed_source_type
        if fixed_source_type is not None:
            self.source_type.choices = [(fixed_source_type.value,
                                         SOURCE_LABELS[fixed_source_type])]
            self.source_type.data = fixed_source_type.value


class IncomingForm(EntryForm):
    """Intelligence the police shared with us: who sent it, with their own grading."""

    received_from = StringField(_l("Sending police unit"), validators=[
        DataRequired(message=_l("Say which police unit sent this intelligence.")),
        Length(max=64)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fixed_source_type", SourceType.LAW_ENFORCEMENT)
        super().__init__(*args, **kwargs)


def entry_input_from_form(form: EntryForm, *, source_type: SourceType | None = None
                          ) -> EntryInput:
    """The service input from a validated form; ``source_type`` overrides the field."""
    chosen = source_type or form.fixed_source_type or SourceType(form.source_type.data)
    return EntryInput(
        kind=EntryKind(form.kind.data),
        subject_area=SubjectArea(form.subject_area.data),
        source_type=chosen,
        source_evaluation=SourceEvaluation(form.source_evaluation.data),
        intel_assessment=IntelAssessment(form.intel_assessment.data),
        handling_code=HandlingCode(form.handling_code.data),
        text=form.text.data or "",
        statement=form.statement.data or "reported_fact",
        tags=list(form.tags.data or []),
        time=(form.time.data or "").strip(),
        time_granularity=Granularity(form.time_granularity.data)
        if form.time_granularity.data else None,
        place=(form.place.data or "").strip(),
        place_granularity=Granularity(form.place_granularity.data)
        if form.place_granularity.data else None,
    )


def form_data_from_view(view: Any) -> dict[str, Any]:
    """Initial form values from a decrypted entry (``intel.EntryView``), for editing."""
    entry = view.entry
    return {"kind": entry.kind, "subject_area": entry.subject_area,
            "source_type": entry.source_type, "source_evaluation": entry.source_evaluation,
            "intel_assessment": entry.intel_assessment, "handling_code": entry.handling_code,
            "statement": view.statement, "text": view.text, "tags": view.tags,
            "time": view.time, "time_granularity": view.time_granularity or "",
            "place": view.place, "place_granularity": view.place_granularity or ""}
