"""Right-to-left overrides cannot disguise text (issue 11, item 6).

Every printed value holding a directional control is wrapped in a first-strong isolate
after its own controls are balanced (casework/web/bidi.py). The page tests simulate the
embedding stack over the whole HTML: every override must sit inside an isolate, and
nothing may remain open at the end of the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.web.bidi import FSI, PDF, PDI, balanced, isolate
from tests.support import login, make_staff, post_form

RLO, LRE, RLI = "\u202e", "\u202a", "\u2067"
DISGUISED = f"Release approved {RLO}ton od{PDF} today; recruiter {RLO}stays open"


def open_after(text: str) -> list[str]:
    """The embedding/isolate stack left open after ``text`` (UAX #9 matching)."""
    stack: list[str] = []
    for ch in text:
        if ch in "\u202a\u202b\u202d\u202e":
            stack.append(PDF)
        elif ch in "\u2066\u2067\u2068":
            stack.append(PDI)
        elif ch == PDF and stack and stack[-1] == PDF:
            stack.pop()
        elif ch == PDI and PDI in stack:
            while stack.pop() != PDI:
                pass
    return stack


def overrides_outside_isolates(text: str) -> int:
    stack: list[str] = []
    outside = 0
    for ch in text:
        if ch == RLO and PDI not in stack:
            outside += 1
        if ch in "\u202a\u202b\u202d\u202e":
            stack.append(PDF)
        elif ch in "\u2066\u2067\u2068":
            stack.append(PDI)
        elif ch == PDF and stack and stack[-1] == PDF:
            stack.pop()
        elif ch == PDI and PDI in stack:
            while stack.pop() != PDI:
                pass
    return outside


@pytest.mark.parametrize(("text", "expected"), [
    ("plain", "plain"),
    (f"a{RLO}b", f"a{RLO}b{PDF}"),
    (f"a{RLO}b{PDF}c", f"a{RLO}b{PDF}c"),
    (f"{PDF}{PDI}a", "a"),                       # closers without openers are dropped
    (f"{PDI}{RLO}escape", f"{RLO}escape{PDF}"),  # a PDI cannot close the outer isolate
    (f"{RLI}x{LRE}y", f"{RLI}x{LRE}y{PDF}{PDI}"),
    (f"{RLI}x{LRE}y{PDI}z", f"{RLI}x{LRE}y{PDI}z"),  # PDI closes what its isolate opened
])
def test_balanced(text, expected):
    assert balanced(text) == expected
    assert open_after(balanced(text)) == []


def test_isolate_wraps_only_directional_plain_text():
    from markupsafe import Markup

    assert isolate("Aigul") == "Aigul"
    assert isolate(42) == 42
    assert isolate(Markup(f"<b>{RLO}</b>")) == Markup(f"<b>{RLO}</b>")
    assert isolate(f"x{RLO}y") == f"{FSI}x{RLO}y{PDF}{PDI}"


def test_free_text_blocks_are_isolated_paragraphs_in_the_style_sheet():
    css = (Path(__file__).resolve().parents[2] / "casework/web/static/senim.css").read_text()
    assert ".pre, .intel-text { unicode-bidi:plaintext; }" in css


def _assert_isolated(html: str) -> None:
    assert RLO in html
    assert overrides_outside_isolates(html) == 0
    assert open_after(html) == []


def test_intelligence_text_with_an_override_is_rendered_isolated(app, client):
    login(client, app, make_staff(app, "caseworker"))
    response = post_form(client, "/intel/new", data={
        "kind": "specific", "subject_area": "recruitment_methods",
        "source_type": "open_sources", "source_evaluation": "2", "intel_assessment": "C",
        "handling_code": "P", "statement": "reported_fact", "text": DISGUISED,
        "tags": ["phase:recruitment"], "time": "2024", "time_granularity": "year",
        "place": "Almaty", "place_granularity": "city"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    html = client.get(response.location).get_data(as_text=True)
    assert f"{FSI}Release approved {RLO}ton od{PDF} today" in html
    _assert_isolated(html)


def test_a_note_and_a_name_with_an_override_are_rendered_isolated(app, client):
    login(client, app, make_staff(app, "caseworker"))
    response = post_form(client, "/persons/new", data={
        "full_name": f"Aigul {RLO}avokydaS", "date_of_birth": "17.05.1990",
        "dob_source": "document",
        "gender": "female", "phones": "+7 701 555 12 34", "placement": "Umit shelter",
        "safe_channel": "in_person", "code_word": "apricot"})
    assert response.status_code == 302
    person = response.location
    note = post_form(client, person, f"{person}/notes", data={
        "kind": "note", "occurred_on": "2026-11-01", "body": DISGUISED})
    assert note.status_code in (302, 303), note.get_data(as_text=True)[:500]
    html = client.get(person).get_data(as_text=True)
    assert html.count(RLO) >= 2
    _assert_isolated(html)
