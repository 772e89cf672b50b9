"""Reads for the sections of a person's record page, skipping the empty ones (issue 12).

One probe per request says which parts of the record hold rows
(``services/record_presence.py``); a section's read runs only for those, and reads two
sections share (the consents, the clearance) run once per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from casework.models import Clearance, Consent, Person
from casework.services import consents, legal, record_presence
from casework.web.context import ctx, per_request

T = TypeVar("T")


def parts(person: Person) -> frozenset[str]:
    return per_request(("record_parts", person.id),
                       lambda: record_presence.parts_with_rows(ctx(), person))


def read_part(person: Person, part: str, load: Callable[[], T]) -> T | None:
    """``load()`` if the record holds anything in ``part``, else None."""
    if part not in record_presence.PARTS:
        raise ValueError(part)
    return load() if part in parts(person) else None


def consent_ledger(person: Person) -> list[Consent]:
    return per_request(("consents", person.id), lambda: read_part(
        person, "consents", lambda: consents.ledger(ctx(), person)) or [])


def active_clearance(person: Person) -> Clearance | None:
    return per_request(("clearance", person.id), lambda: read_part(
        person, "clearance", lambda: legal.active_clearance(ctx(), person)))
