"""Labels of the statistics page: measure titles and category names in kk/ru/en."""

from __future__ import annotations

from typing import Any

from casework.web.forms_casework import (
    ACT_LABELS,
    GENDERS,
    MEANS_LABELS,
    OUTCOME_LABELS,
    PURPOSE_LABELS,
    SERVICE_LABELS,
)
from casework.web.forms_disclosure import FEEDBACK_LABELS
from casework.web.forms_disclosure import PURPOSE_LABELS as DISCLOSURE_PURPOSES
from casework.web.text import lazy_gettext as _l

MEASURE_TITLES: dict[str, Any] = {
    "registered": _l("People registered"),
    "outcome": _l("Screening outcome"),
    "exploitation": _l("Forms of exploitation"),
    "means": _l("Means of control"),
    "acts": _l("Acts (how the person was moved or held)"),
    "gender": _l("Gender"),
    "age_band": _l("Age at registration"),
    "minor": _l("Children and adults"),
    "nationality_region": _l("Nationality (world region)"),
    "services": _l("Services provided"),
    "interviewed": _l("Interviews"),
    "case_status": _l("Open and closed cases"),
    "days_to_first_service": _l("Time from registration to the first service"),
    "consents": _l("Consents given and withdrawn"),
    "disclosures": _l("Disclosures to police released"),
    "feedback": _l("Police feedback"),
}

_COMMON: dict[str, Any] = {
    "none_recorded": _l("None recorded"),
    "not_screened": _l("Not screened yet"),
    "unknown": _l("Not known"),
    "other": _l("Other"),
    "registered": _l("People registered"),
    "minor": _l("Children"),
    "adult": _l("Adults"),
    "interviewed": _l("Interviewed"),
    "open": _l("Open (someone is assigned)"),
    "closed": _l("Closed (no one is assigned any more)"),
    "not_interviewed": _l("Not interviewed"),
    "no_service_yet": _l("No service yet"),
    "same_or_next_day": _l("The same or the next day"),
    "within_a_week": _l("Within a week"),
    "within_a_month": _l("Within a month"),
    "longer": _l("Longer than a month"),
    "given": _l("Given"),
    "withdrawn": _l("Withdrawn"),
    "emergency": _l("Emergency disclosure"),
    "central_asia": _l("Central Asia"),
    "eastern_europe": _l("Eastern Europe"),
    "western_asia": _l("Western Asia"),
    "southern_asia": _l("Southern Asia"),
    "eastern_asia": _l("Eastern Asia"),
    "none": _l("None recorded"),
}

_BY_MEASURE: dict[str, dict[str, Any]] = {
    "outcome": dict(OUTCOME_LABELS),
    "exploitation": dict(PURPOSE_LABELS),
    "means": dict(MEANS_LABELS),
    "acts": dict(ACT_LABELS),
    "gender": dict(GENDERS),
    "services": dict(SERVICE_LABELS),
    "disclosures": dict(DISCLOSURE_PURPOSES),
    "feedback": dict(FEEDBACK_LABELS),
}


def category_label(measure: str, code: str) -> Any:
    """The translated name of a category; age bands are shown as they are (0-8, 48+)."""
    return _BY_MEASURE.get(measure, {}).get(code) or _COMMON.get(code) or code
