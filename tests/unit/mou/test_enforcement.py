"""Issue 9, item 5: every term the loader accepts is enforced by a named check, and every
other term is refused by the loader as unsupported."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from mou import MouError, MouTerms, loads
from mou.checks import RULES, consent_fresh, risk_fresh
from mou.enforcement import ENFORCEMENT, NOT_TERMS
from mou.loader import KNOWN_KEYS

EXAMPLE = (Path(__file__).resolve().parents[3] / "mou" / "example.toml").read_text()


def test_every_field_of_the_terms_has_a_named_check() -> None:
    names = {f.name for f in fields(MouTerms)}
    assert names - NOT_TERMS == set(ENFORCEMENT)
    for rule, how in ENFORCEMENT.values():
        assert re.fullmatch(r"MOU-\d\d", rule) and how


def test_the_ids_of_checks_in_mou_checks_are_in_the_map() -> None:
    in_checks = {rule(loads(EXAMPLE), _package(), _now()).rule for rule in RULES}
    assert in_checks - {"MOU-08"} <= {rule for rule, _ in ENFORCEMENT.values()}


def test_every_key_of_the_example_is_known_and_every_known_key_is_used() -> None:
    import tomllib

    data = tomllib.loads(EXAMPLE)
    assert set(data) == set(KNOWN_KEYS)
    for table, keys in KNOWN_KEYS.items():
        assert set(data[table]) == keys


@pytest.mark.parametrize(("old", "new", "message"), [
    ("[risk]\n", "[risk]\nmax_age_hours = 4\n", "'risk.max_age_hours' is not a term"),
    ("[approval]\n", "[bonus]\nx = 1\n\n[approval]\n", "'[bonus]' is not a term"),
    ('{ id = "contact_only_through_liaison"', '{ id = "contact_any_officer"',
     "contact_only_through_liaison"),
    ('"NO_ONWARD_DISSEMINATION_WITHOUT_ORIGINATOR",\n', "",
     "'use.onward_sharing' must be carried"),
])
def test_unsupported_or_unenforceable_terms_are_refused(old: str, new: str,
                                                        message: str) -> None:
    assert EXAMPLE.count(old) == 1
    with pytest.raises(MouError) as error:
        loads(EXAMPLE.replace(old, new))
    assert message in str(error.value)
    assert error.value.line > 0


def test_an_unknown_key_names_its_own_line() -> None:
    text = EXAMPLE.replace("[risk]\n", "[risk]\nmax_age_hours = 4\n")
    with pytest.raises(MouError) as error:
        loads(text)
    assert text.splitlines()[error.value.line - 1].startswith("max_age_hours")


@pytest.mark.parametrize("age_days", [0, 179, 180, 181, 365])
@pytest.mark.parametrize("which", ["consent", "risk"])
def test_maximum_ages_table(age_days: int, which: str) -> None:
    from datetime import timedelta

    terms = loads(EXAMPLE)
    now = _now()
    limit = terms.consent_max_age_days if which == "consent" else terms.risk_max_age_days
    check = consent_fresh if which == "consent" else risk_fresh
    result = check(terms, now - timedelta(days=age_days), now)
    assert result.passed is (age_days <= limit)
    assert result.rule == ("MOU-11" if which == "consent" else "MOU-12")
    assert check(terms, None, now).passed  # nothing relied on: another check says so


def _now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(2026, 6, 1, 12, 0)


def _package():  # type: ignore[no-untyped-def]
    from mou import EntryFacts, PackageFacts

    terms = loads(EXAMPLE)
    return PackageFacts(recipient_code=terms.recipient.code,
                        recipient_key=terms.recipient_age_key, purpose="rescue_victims",
                        tlp="TLP:RED", handling_code="C",
                        entries=(EntryFacts("thematic", frozenset(), True),), approvers=(),
                        drafter="d")
