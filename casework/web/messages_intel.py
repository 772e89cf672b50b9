"""Reason codes of the intelligence area, translated for people.

To be merged into ``casework.web.messages.MESSAGES``; until then ``casework.web.intel``
looks here first. Each thematic finding says what was found and how to generalise it.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from casework.domain.identifiers import Finding, ReviewReason
from casework.services.intel import IntelReason
from casework.web.text import lazy_gettext as _l

INTEL_MESSAGES: dict[Enum, Any] = {
    Finding.PERSON_NAME: _l("Contains the person's name. Replace it with a description such "
                            "as 'a woman in her twenties'."),
    Finding.PERSON_PHONE: _l("Contains the person's phone number. Remove it; a thematic "
                             "entry never holds a number."),
    Finding.PERSON_DATE: _l("Contains a date from the person's record (birth or interview). "
                            "Remove it or use only the month or year."),
    Finding.PERSON_PLACE: _l("Contains a place from the person's record (where they stay, "
                             "their contact or documents). Use the region or country "
                             "instead."),
    Finding.PHONE_NUMBER: _l("Contains a phone number. Remove it; numbers belong in "
                             "specific intelligence only."),
    Finding.DOCUMENT_NUMBER: _l("Contains what looks like a passport, ID or other document "
                                "number. Remove it and describe the document instead, "
                                "e.g. 'a forged passport'."),
    Finding.EXACT_DATE: _l("Contains an exact date. Use the month or year instead."),
    Finding.ADDRESS: _l("Contains an address (street, building or flat). Use the city "
                        "district, region or country instead."),
    Finding.FINE_TIME: _l("The time is too precise for thematic intelligence. Use month or "
                          "year."),
    Finding.FINE_PLACE: _l("The place is too precise for thematic intelligence. Use region "
                           "or country."),
    ReviewReason.SELF_REVIEW: _l("You wrote this entry, so someone else must review it for "
                                 "privacy."),
    ReviewReason.NOT_PENDING: _l("This entry is not waiting for a privacy review."),
    IntelReason.UNKNOWN_TAG: _l("One of the tags is not in the vocabulary. Choose tags from "
                                "the list."),
    IntelReason.EMPTY_TEXT: _l("Write the intelligence itself; the text cannot be empty."),
    IntelReason.SOURCE_MISMATCH: _l("This source type is not possible here. Intelligence "
                                    "from a person we support is recorded from their "
                                    "interview; other sources are recorded here."),
    IntelReason.INCOMING_SOURCE: _l("Say which police unit sent this intelligence."),
}
