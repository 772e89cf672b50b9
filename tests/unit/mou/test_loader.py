"""``mou.loader``: the example loads, and every deliberate fault is reported as a MouError
naming the line that was broken (computed from the broken text, never hard-coded) and a
message a director can act on."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from mou import MouError, MouTerms, loads
from mou.loader import REQUIRED_CLAUSES
from mou.terms import PURPOSES, TLP_ORDER

EXAMPLE_PATH = Path(__file__).resolve().parents[3] / "mou" / "example.toml"
EXAMPLE = EXAMPLE_PATH.read_text(encoding="utf-8")
AGE_KEY = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"


def line_containing(text: str, needle: str) -> int:
    """The 1-based number of the one line of ``text`` containing ``needle``."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def broken(old: str, new: str) -> str:
    assert EXAMPLE.count(old) == 1, f"{old!r} must occur exactly once in the example"
    return EXAMPLE.replace(old, new)


def load_error(text: str) -> MouError:
    with pytest.raises(MouError) as caught:
        loads(text)
    return caught.value


# --- the example ---------------------------------------------------------------------------


def test_example_loads_into_terms() -> None:
    terms = loads(EXAMPLE)
    assert isinstance(terms, MouTerms)
    assert (terms.id, terms.version) == ("MOU-DEMO-POLICE-01", 1)
    assert terms.recipient.code == "POL-ATU-DEMO"
    assert [p.role for p in terms.parties] == ["originator", "recipient"]
    assert (terms.effective_from, terms.expires_on) == (date(2026, 1, 1), date(2027, 12, 31))
    assert terms.last_reviewed == date(2026, 1, 1) and terms.review_every_months == 12
    assert [c.role for c in terms.organisation_contacts] == ["liaison", "deputy"]
    assert [c.role for c in terms.police_contacts] == ["liaison"]
    assert set(terms.purposes) <= set(PURPOSES) and "research_and_analysis" not in terms.purposes
    assert terms.entry_kinds == ("thematic", "specific")
    assert "victim_name" in terms.prohibited_fields
    assert {c.id for c in terms.clauses} >= set(REQUIRED_CLAUSES)
    assert terms.clause("no_source_identity") is not None and terms.clause("nope") is None
    assert (terms.tlp_thematic, terms.tlp_specific) == ("TLP:GREEN", "TLP:AMBER+STRICT")
    assert set(terms.allowed_tlp) <= set(TLP_ORDER)
    assert terms.handling_code == "C" and len(terms.handling_conditions) == 4
    assert (terms.feedback.ack_within_days, terms.feedback.outcome_within_days) == (5, 90)
    assert terms.recipient_age_key == AGE_KEY
    assert terms.second_approver is False and terms.emergency_disclosure is True
    assert (terms.consent_max_age_days, terms.risk_max_age_days,
            terms.withdrawal_notice_days) == (180, 30, 5)
    assert terms.cumulative_limit == 3
    assert (terms.retention_review_months, terms.retention_delete_months) == (12, 36)
    assert (terms.termination_notice_days, terms.on_termination) == (30, "destroy_or_return")


def test_sha256_is_accepted_in_upper_case_and_stored_lower() -> None:
    digest = "AB" * 32
    terms = loads(broken('text_sha256 = "' + "0" * 64 + '"', f'text_sha256 = "{digest}"'))
    assert terms.text_sha256 == digest.lower()


def test_error_text_starts_with_the_line() -> None:
    error = load_error(broken("version = 1", 'version = "one"'))
    assert str(error) == f"line {error.line}: {error.message}"
    assert MouError("no line").line == 0 and str(MouError("no line")) == "no line"


# --- deliberate faults, one at a time ------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    old: str  # text in the example, exactly once
    new: str  # what it becomes
    line_of: str  # a needle for the line the error must name, in the BROKEN text
    message: tuple[str, ...]  # fragments the message must contain


FAULTS = [
    # Missing keys: the error points at the table the key belongs in.
    Fault("missing title", 'title = "Memorandum of Understanding on confidential '
          'intelligence exchange"\n', "", "[mou]", ("missing 'mou.title'",)),
    Fault("missing key whose name recurs in a later table", "max_age_days = 180\n", "",
          "[consent]", ("missing 'consent.max_age_days'",)),
    Fault("missing emergency flag", "limited_disclosure_allowed = true", "", "[emergency]",
          ("missing 'emergency.limited_disclosure_allowed'",)),
    # Wrong types.
    Fault("version is a string", "version = 1", 'version = "1"', 'version = "1"',
          ("'mou.version' must be int",)),
    Fault("boolean where a number belongs", "review_every_months = 12",
          "review_every_months = true", "review_every_months = true",
          ("'mou.review_every_months' must be int",)),
    Fault("number that is not positive", "ack_within_days = 5", "ack_within_days = 0",
          "ack_within_days = 0", ("'feedback.ack_within_days' must be a positive number",)),
    Fault("date written as a string", "effective_from = 2026-01-01",
          'effective_from = "2026-01-01"', 'effective_from = "2026-01-01"',
          ("'mou.effective_from' must be date",)),
    Fault("date-time where a date belongs", "expires_on = 2027-12-31",
          "expires_on = 2027-12-31T00:00:00", "expires_on = 2027-12-31T00:00:00",
          ("'mou.expires_on' must be date",)),
    Fault("yes/no written as a word", "second_approver = false", 'second_approver = "no"',
          'second_approver = "no"', ("'approval.second_approver' must be bool",)),
    # Bad enumerations.
    Fault("handling code unknown", 'code = "C"', 'code = "X"', 'code = "X"',
          ("'handling.code' must be one of: P, C",)),
    Fault("purpose unknown", '"strategy_and_tactics"]', '"strategy_and_tactics", "fishing"]',
          'purposes = [', ("'scope.purposes' has an unknown value 'fishing'",
                           "rescue_victims")),
    Fault("termination choice unknown", 'on_termination = "destroy_or_return"',
          'on_termination = "keep"', 'on_termination = "keep"',
          ("'termination.on_termination' must be one of: destroy, return, "
           "destroy_or_return",)),
    Fault("feedback event unknown", '"assessed_false"]', '"assessed_false", "praise"]',
          "events = [", ("'feedback.events' has an unknown value 'praise'",)),
    # Traffic Light Protocol.
    Fault("TLP label that does not exist", 'tlp_specific = "TLP:AMBER+STRICT"',
          'tlp_specific = "TLP:PURPLE"', 'tlp_specific = "TLP:PURPLE"',
          ("'handling.tlp_specific' must be one of: TLP:CLEAR",)),
    Fault("TLP 1.0 label in the allowed list", '"TLP:GREEN"]', '"TLP:WHITE"]',
          "allowed_tlp = [", ("'handling.allowed_tlp' has an unknown value 'TLP:WHITE'",)),
    Fault("TLP default not in the allowed list", 'tlp_thematic = "TLP:GREEN"',
          'tlp_thematic = "TLP:CLEAR"', 'tlp_thematic = "TLP:CLEAR"',
          ("'handling.tlp_thematic' must be one of handling.allowed_tlp",)),
    # Term.
    Fault("expires before it takes effect", "expires_on = 2027-12-31",
          "expires_on = 2025-12-31", "expires_on = 2025-12-31",
          ("'mou.expires_on' must be after 'mou.effective_from'",)),
    Fault("expires the day it takes effect", "expires_on = 2027-12-31",
          "expires_on = 2026-01-01", "expires_on = 2026-01-01",
          ("'mou.expires_on' must be after 'mou.effective_from'",)),
    # Recipient key and the signed text.
    Fault("age key malformed", AGE_KEY, "age1notakey", "age1notakey",
          ("'recipient.age_public_key' must be an age X25519 public key",)),
    Fault("secret key pasted instead of the public key", AGE_KEY,
          "AGE-SECRET-KEY-1" + "Q" * 58, "AGE-SECRET-KEY-1",
          ("'recipient.age_public_key' must be an age X25519 public key",)),
    Fault("sha256 too short", "0" * 64, "abc123", 'text_sha256 = "abc123"',
          ("'mou.text_sha256' must be the SHA-256",)),
    Fault("sha256 not hex", "0" * 64, "g" * 64, "text_sha256 = ",
          ("'mou.text_sha256' must be the SHA-256",)),
    # Confidentiality clauses required by rules 11, 84, 96.
    Fault("required confidentiality clause missing",
          '  { id = "no_organisation_role", text = "The police shall not disclose the '
          'organisation\'s role in obtaining the information." },\n', "", "clauses = [",
          ("confidentiality clauses required", "no_organisation_role")),
    Fault("required clause renamed", 'id = "confidential_storage"', 'id = "storage"',
          "clauses = [", ("confidential_storage",)),
    # Contacts reachable 24/7 (rules 1, 5-7).
    Fault("police contacts without a liaison",
          '{ name = "Duty officer, ATU", role = "liaison"',
          '{ name = "Duty officer, ATU", role = "deputy"', "police = [",
          ("'contacts.police' must name a liaison",)),
    Fault("organisation mobile not a phone number", 'mobile = "+7 700 000 0002"',
          'mobile = "call the office"', "organisation = [",
          ("'contacts.organisation'", "mobile a phone number reachable 24/7")),
    Fault("contact role unknown", 'role = "deputy", mobile', 'role = "boss", mobile',
          "organisation = [", ("role must be liaison or deputy",)),
    Fault("contact without a mobile", ', mobile = "+7 700 000 0102" }', " }", "police = [",
          ("each of 'contacts.police' needs name, role and mobile",)),
    # Parties.
    Fault("two originators and no recipient", 'name = "Demo Police Anti-Trafficking Unit", '
          'role = "recipient"', 'name = "Demo Police Anti-Trafficking Unit", '
          'role = "originator"', "parties = [",
          ("'mou.parties' must list one originator and one recipient",)),
    # Not TOML at all.
    Fault("TOML syntax: doubled equals sign", "version = 1", "version = = 1", "version = = 1",
          ("not valid TOML",)),
    Fault("TOML syntax: unterminated string", 'code = "C"', 'code = "C', 'code = "C',
          ("not valid TOML",)),
    Fault("TOML syntax: key written twice", "review_every_months = 12",
          "review_every_months = 12\nreview_every_months = 6", "review_every_months = 6",
          ("not valid TOML",)),
]


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault_names_its_line_and_what_is_wrong(fault: Fault) -> None:
    text = broken(fault.old, fault.new)
    error = load_error(text)
    assert error.line == line_containing(text, fault.line_of), error
    for fragment in fault.message:
        assert fragment in error.message, (fragment, error.message)


def test_missing_table_names_no_line_rather_than_another_tables_key() -> None:
    """Without ``[risk]`` there is no line to point at; before the fix the error blamed
    ``max_age_days`` in ``[consent]``."""
    text = broken("[risk]\nmax_age_days = 30\n", "")
    error = load_error(text)
    assert error.message == "missing 'risk.max_age_days'"
    assert error.line == 0 and str(error) == "missing 'risk.max_age_days'"


def test_both_dates_as_date_times_are_refused_not_loaded() -> None:
    """Loading date-times for both dates used to succeed and then crash every check that
    compares them with today's date (TypeError in ``mou_active`` and ``mou_versions``)."""
    text = EXAMPLE.replace("effective_from = 2026-01-01", "effective_from = 2026-01-01T08:00:00")
    text = text.replace("expires_on = 2027-12-31", "expires_on = 2027-12-31T08:00:00")
    error = load_error(text)
    assert error.line == line_containing(text, "effective_from = 2026-01-01T08:00:00")
    assert error.message == "'mou.effective_from' must be date"


# --- systematic sweeps over every key of the example --------------------------------------


def _keys() -> list[tuple[str, int, int]]:
    """(table.key, first line index, last line index) of every key in the example."""
    lines = EXAMPLE.splitlines()
    out, table = [], ""
    for i, line in enumerate(lines):
        if header := re.match(r"^\[([a-z_]+)\]$", line):
            table = header.group(1)
        elif key := re.match(r"^([a-z_0-9]+) = ", line):
            end = i
            while end + 1 < len(lines) and (lines[end + 1].startswith(" ")
                                            or lines[end + 1] == "]"):
                end += 1  # continuation lines (and the closing bracket) of an array
            out.append((f"{table}.{key.group(1)}", i, end))
    return out


KEYS = _keys()


def test_the_sweep_sees_every_key() -> None:
    data = tomllib.loads(EXAMPLE)
    assert {path for path, _, _ in KEYS} == {f"{t}.{k}" for t, v in data.items() for k in v}
    assert len(KEYS) == 37


def _without(first: int, last: int, replacement: list[str]) -> str:
    lines = EXAMPLE.splitlines()
    return "\n".join(lines[:first] + replacement + lines[last + 1:]) + "\n"


@pytest.mark.parametrize(("path", "first", "last"), KEYS, ids=[k[0] for k in KEYS])
def test_every_missing_key_points_at_its_own_table(path: str, first: int, last: int) -> None:
    text = _without(first, last, [])
    error = load_error(text)
    table = path.split(".")[0]
    assert error.message == f"missing '{path}'"
    assert error.line == line_containing(text, f"[{table}]")


def _wrong_value(value: object) -> tuple[str, str]:
    """A value of the wrong TOML type, and the type name the message must ask for."""
    if isinstance(value, list):
        return "42", "list"
    if isinstance(value, bool):
        return '"yes"', "bool"
    if isinstance(value, int):
        return '"12"', "int"
    if isinstance(value, date):
        return '"2026-01-01"', "date"
    return "[42]", "str"


@pytest.mark.parametrize(("path", "first", "last"), KEYS, ids=[k[0] for k in KEYS])
def test_every_wrongly_typed_key_names_its_line_and_type(path: str, first: int,
                                                         last: int) -> None:
    table, key = path.split(".")
    value, kind = _wrong_value(tomllib.loads(EXAMPLE)[table][key])
    text = _without(first, last, [f"{key} = {value}"])
    error = load_error(text)
    assert error.line == first + 1
    assert error.message == f"'{path}' must be {kind}"
