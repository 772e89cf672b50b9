"""Extra sections of the person record page, contributed by feature blueprints.

Each feature registers a function returning the template context its section needs; the
record page includes ``templates/persons/_<name>_section.html`` for each, in order. This
keeps the record page thin and each feature in its own module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from casework.models import Person, Staff


@dataclass(frozen=True)
class Section:
    name: str
    context: Callable[[Person, Staff], dict[str, Any]]


SECTIONS: list[Section] = []


def register(name: str) -> Callable[[Callable[[Person, Staff], dict[str, Any]]],
                                    Callable[[Person, Staff], dict[str, Any]]]:
    def decorate(fn: Callable[[Person, Staff], dict[str, Any]]
                 ) -> Callable[[Person, Staff], dict[str, Any]]:
        if all(s.name != name for s in SECTIONS):
            SECTIONS.append(Section(name, fn))
        return fn
    return decorate


def render_context(person: Person, staff: Staff) -> list[tuple[str, dict[str, Any]]]:
    """(template name, context) for every registered section, for this viewer."""
    return [(f"persons/_{s.name}_section.html", s.context(person, staff)) for s in SECTIONS]
