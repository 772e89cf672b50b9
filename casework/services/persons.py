"""Victim records: registration, reading and blind-index search (issues 3 and 4).

Searching never decrypts everyone: the blind index narrows the candidates, then only those
are decrypted and re-checked, so index collisions never produce a wrong match.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from casework.models import Person
from casework.models.base import new_public_id
from casework.services import access, name_pairs, paging, subjects
from casework.services.context import Ctx
from casework.services.errors import NotFound, ServiceError
from crypto import name_tokens, normalise_date, normalise_phone

NAME_INDEX = name_pairs.NAME_INDEX
DOB_INDEX = "persons.date_of_birth"
PHONE_INDEX = "persons.phone"
_CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY3479"
# Always written by write_identity (a token even for "no value"); cleared only by shredding.
_IDENTITY_COLUMNS = ("names_ciphertext", "date_of_birth_ciphertext", "phones_ciphertext")
_PHONE_PUNCTUATION = frozenset(" +-().")


@dataclass(frozen=True)
class PersonRecord:
    """The decrypted identifying data of one person (held in memory only while needed).

    ``names`` holds the full name first, then aliases and other spellings. ``profile``
    holds the rest of the record (see ``PROFILE_FIELDS``).
    """

    case_code: str
    names: list[str]
    date_of_birth: str | None
    phones: list[str]
    profile: dict[str, object] = field(default_factory=dict)


# Profile keys (issue 4, item 1). Gender has no default (rule 122): it must be chosen.
PROFILE_FIELDS = ("estimated_age", "is_minor", "gender", "nationality", "languages",
                  "contact", "safe_channel", "safe_times", "code_word", "do_not_contact",
                  "documents_held", "placement", "guardian", "child_views",
                  # Rules 21, 130: where the date of birth comes from, a recorded doubt
                  # ("age unknown, possibly a child") and the representative's type.
                  "dob_source", "possibly_child", "representative_type",
                  "statistics_consent")


def _new_case_code(ctx: Ctx) -> str:
    while True:
        code = "S-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(6))
        if ctx.session.scalar(select(Person.id).where(Person.case_code == code)) is None:
            return code


def _check_age(ctx: Ctx, date_of_birth: str | None, profile: dict[str, Any],
               dob_source_required: bool) -> None:
    """A date of birth in the future is refused; with ``dob_source_required`` (the pages)
    so is one without its source (rule 130)."""
    from casework.domain.minors import AgeFacts, DobSource, check_age_facts
    from casework.services import clock

    born = date.fromisoformat(normalise_date(date_of_birth)) if date_of_birth else None
    source = profile.get("dob_source")
    if source not in (None, "") and source not in {s.value for s in DobSource}:
        raise ValueError("unknown date-of-birth source")
    facts = AgeFacts(date_of_birth=born, dob_source=DobSource(source) if source else None)
    decision = check_age_facts(facts, today=clock.today(ctx))
    reasons = [r for r in decision.reasons
               if dob_source_required or r.value != "dob_source_missing"]
    if reasons:
        raise ServiceError(*reasons)


def register(ctx: Ctx, *, names: list[str], date_of_birth: str | None,
             phones: list[str], profile: dict[str, Any] | None = None,
             dob_source_required: bool = False) -> Person:
    """Create a person with their own subject key; returns the row (case code set)."""
    _check_age(ctx, date_of_birth, profile or {}, dob_source_required)
    subject = subjects.new_subject(ctx, "person")
    person = Person(public_id=new_public_id(), case_code=_new_case_code(ctx),
                    subject_id=subject.subject_id, created_at=ctx.now, created_by=ctx.actor)
    ctx.session.add(person)
    # Sealed before the row's first flush, so a bulk import (subjects.key_scope, where
    # sealing runs no statement) writes the person in one INSERT instead of INSERT + UPDATEs.
    person.profile_ciphertext = _profile_token(ctx, person, profile or {})
    write_identity(ctx, person, names=names, date_of_birth=date_of_birth, phones=phones)
    ctx.audit("person.create", object_type="person", object_ref=person.case_code)
    return person


def write_profile(ctx: Ctx, person: Person, profile: dict[str, Any]) -> None:
    """Encrypt the rest of the record; unknown keys are dropped, not stored."""
    person.profile_ciphertext = _profile_token(ctx, person, profile)
    ctx.session.flush()


def _profile_token(ctx: Ctx, person: Person, profile: dict[str, Any]) -> bytes:
    clean = {key: profile.get(key) for key in PROFILE_FIELDS if profile.get(key) not in
             (None, "", [])}
    return _seal(ctx, person, "profile_ciphertext", clean)


def update(ctx: Ctx, person: Person, *, names: list[str], date_of_birth: str | None,
           phones: list[str], profile: dict[str, Any], dob_source_required: bool = False) -> None:
    _check_age(ctx, date_of_birth, profile, dob_source_required)
    write_identity(ctx, person, names=names, date_of_birth=date_of_birth, phones=phones)
    write_profile(ctx, person, profile)
    ctx.audit("person.update", object_type="person", object_ref=person.case_code)


def write_identity(ctx: Ctx, person: Person, *, names: list[str], date_of_birth: str | None,
                   phones: list[str]) -> None:
    """Encrypt the identifying fields and refresh their blind indexes."""
    names = [n.strip() for n in names if n.strip()]
    dob = normalise_date(date_of_birth) if date_of_birth else None
    phones = [p.strip() for p in phones if p.strip()]
    for column, value in (("names_ciphertext", names), ("date_of_birth_ciphertext", dob),
                          ("phones_ciphertext", phones)):
        setattr(person, column, _seal(ctx, person, column, value))
    tokens = [t for name in names for t in name_tokens(name)]
    subjects.set_index(ctx, person.subject_id, NAME_INDEX, tokens)
    name_pairs.write(ctx, person, tokens)
    subjects.set_index(ctx, person.subject_id, DOB_INDEX, [dob] if dob else [])
    subjects.set_index(ctx, person.subject_id, PHONE_INDEX, [normalise_phone(p) for p in phones])
    ctx.session.flush()


def _seal(ctx: Ctx, person: Person, column: str, value: object) -> bytes:
    return subjects.seal(ctx, person.subject_id, value, table="persons", column=column,
                         row=person.public_id)


def read(ctx: Ctx, person: Person) -> PersonRecord:
    get = _reader(ctx, person)
    return PersonRecord(case_code=person.case_code, names=list(get("names_ciphertext") or []),
                        date_of_birth=get("date_of_birth_ciphertext"),
                        phones=list(get("phones_ciphertext") or []),
                        profile=dict(get("profile_ciphertext") or {}))


@dataclass(frozen=True)
class PersonSummary:
    """What a list or a search result shows of a person, and what a search re-checks:
    names and date of birth, the phones only when asked for, never the profile (issue 12:
    a page of 25 people decrypts half the fields the full record would)."""

    case_code: str
    names: list[str]
    date_of_birth: str | None
    phones: list[str] | None = None


def summary(ctx: Ctx, person: Person, *, phones: bool = False) -> PersonSummary:
    get = _reader(ctx, person)
    return PersonSummary(case_code=person.case_code, names=list(get("names_ciphertext") or []),
                         date_of_birth=get("date_of_birth_ciphertext"),
                         phones=list(get("phones_ciphertext") or []) if phones else None)


def _reader(ctx: Ctx, person: Person) -> Callable[[str], Any]:
    if any(getattr(person, column) is None for column in _IDENTITY_COLUMNS):
        # write_identity always stores a token (even for "no value"); only shredding
        # clears them. Never read a cleared record as an empty one.
        subjects.data_key(ctx, person.subject_id)  # SubjectShredded once the keys are gone
        subjects._alarm(ctx, "persons", person.public_id)

    def get(column: str) -> Any:
        return subjects.unseal(ctx, person.subject_id, getattr(person, column),
                               table="persons", column=column, row=person.public_id)

    return get


def by_case_code(ctx: Ctx, case_code: str) -> Person:
    person = ctx.session.scalar(select(Person).where(Person.case_code == case_code))
    if person is None:
        raise NotFound()
    return person


def search(ctx: Ctx, query: str, *, within: set[str] | None = None) -> list[Person]:
    """Find people by a name (either script), a date of birth or a phone number.

    ``within`` limits results to these subject ids (a caseworker's assigned people).
    """
    kind, values = _classify(query)
    if not values:
        return []
    column = {"name": NAME_INDEX, "dob": DOB_INDEX, "phone": PHONE_INDEX}[kind]
    found: set[str] | None = None
    for value in values:
        ids = set(subjects.candidates(ctx, column, value))
        found = ids if found is None else found & ids
    ids = (found or set()) & within if within is not None else (found or set())
    if not ids:
        return []
    people = list(ctx.session.scalars(select(Person).where(Person.subject_id.in_(ids))))
    return [p for p in people if _matches(ctx, p, kind, values)]


@dataclass(frozen=True)
class SearchTerms:
    """A search term, classified (name, date of birth or phone), normalised, and turned
    into its blind-index probes: worked out once for a search page and its "someone else
    matches" check (issue 12: each computed them, HMACs included)."""

    kind: str
    values: tuple[str, ...]
    probes: tuple[subjects.Probe, ...]


def search_terms(ctx: Ctx, query: str) -> SearchTerms:
    kind, values = _classify(query)
    return SearchTerms(kind, tuple(values),
                       tuple(_probes(ctx, kind, values)) if values else ())


def _terms(ctx: Ctx, query: str | SearchTerms) -> SearchTerms:
    return query if isinstance(query, SearchTerms) else search_terms(ctx, query)


def search_page(ctx: Ctx, query: str | SearchTerms, request: paging.PageRequest, *,
                visible: access.Visibility | None
                ) -> paging.Page[tuple[Person, PersonSummary]]:
    """:func:`search`, paged in the database: the blind index narrows the candidates in
    SQL (never decrypt-and-scan), ``visible`` (``access.visibility``, None for nobody)
    limits them to the searcher's people, and only the page's candidates are decrypted
    and re-checked. ``total`` counts candidates, so a page may show fewer after the check.
    """
    terms = _terms(ctx, query)
    kind, values, probes = terms.kind, list(terms.values), list(terms.probes)
    if not values or visible is None:
        return paging.everything([])
    modes = tuple(mode for mode, _column, _digest in probes)
    # Built once per shape (which probes, whose visibility) and run with this search's
    # digests and viewer (issue 12: building it cost more than running it).
    candidates = paging.derived(visible.clause, ("search", *modes), lambda: select(
        Person).where(visible.clause, *subjects.probe_template(modes, Person.subject_id)))
    page = paging.keyset(ctx.session, candidates, (Person.created_at, Person.id), request,
                         {**visible.params, **subjects.probe_params(probes)})
    subjects.preload_keys(ctx, [p.subject_id for p in page.items])
    records = [(p, summary(ctx, p, phones=kind == "phone")) for p in page.items]
    return paging.Page([(p, r) for p, r in records if _record_matches(r, kind, values)],
                       page.total, page.offset, page.next_cursor, page.prev_cursor)


def possible_matches(ctx: Ctx, *, names: list[str], date_of_birth: str | None,
                     phones: list[str]) -> list[Person]:
    """Issue 13.3: people already registered with the same name (either script), the same
    date of birth or the same phone, found through the blind indexes and re-checked after
    decryption. Shredded people have no index entries and are never found."""
    typed = {t for name in names[:1] for t in name_tokens(name)}
    dob = None
    if date_of_birth and date_of_birth.strip():
        try:
            dob = normalise_date(date_of_birth)
        except ValueError:
            dob = None
    numbers = {normalise_phone(p) for p in phones if _phone_ok(p)}
    ids: set[str] = set()
    tokens = sorted(typed)[:10]
    if len(tokens) == 1:
        ids |= set(subjects.candidates(ctx, NAME_INDEX, tokens[0]))
    # A possible match shares at least two of the typed names (all of them, or one of
    # their full names lies within the typed one): found pair by pair through the name-pair
    # index (or from the rarer name of each pair while some people have no pairs), so a
    # common first name ("Aigul") does not bring back thousands of people to decrypt when
    # the organisation holds 100,000 (issue 12).
    for pair in itertools.combinations(tokens, 2):
        ids |= set(ctx.session.scalars(select(Person.subject_id).where(
            *name_pairs.conditions(ctx, list(pair), Person.subject_id))))
    if dob:
        ids |= set(subjects.candidates(ctx, DOB_INDEX, dob))
    for number in sorted(numbers)[:10]:
        ids |= set(subjects.candidates(ctx, PHONE_INDEX, number))
    if not ids:
        return []
    people = ctx.session.scalars(select(Person).where(Person.subject_id.in_(ids))
                                 .order_by(Person.created_at))
    return [p for p in people if _same_person_maybe(read(ctx, p), typed, dob, numbers)]


def _same_person_maybe(record: PersonRecord, typed: set[str], dob: str | None,
                       numbers: set[str]) -> bool:
    if dob and record.date_of_birth == dob:
        return True
    if numbers & {normalise_phone(p) for p in record.phones if _phone_ok(p)}:
        return True
    if not typed:
        return False
    theirs = [set(name_tokens(name)) for name in record.names]
    every = set().union(*theirs) if theirs else set()
    # The typed name is within theirs, or one of their full names is within the typed one.
    return typed <= every or any(len(name) >= 2 and name <= typed for name in theirs)


def hidden_matches(ctx: Ctx, query: str | SearchTerms, *,
                   visible: access.Visibility | None, limit: int = 2) -> list[Person]:
    """Issue 13.4: up to ``limit`` people the term matches who are NOT among ``visible``
    (the searcher's people). Found through the blind index and re-checked after
    decryption in memory; the caller says only "someone matches", never who."""
    terms = _terms(ctx, query)
    kind, values, probes = terms.kind, list(terms.values), list(terms.probes)
    if not values:
        return []
    modes = tuple(mode for mode, _column, _digest in probes)
    shown = visible or access.EVERYONE

    def build() -> Any:
        found = select(Person).where(*subjects.probe_template(modes, Person.subject_id))
        if visible is not None:
            found = found.where(~visible.clause)
        return found.order_by(Person.id).limit(20)

    candidates = paging.derived(shown.clause, ("hidden", str(visible is None), *modes), build)
    found: list[Person] = []
    for person in ctx.session.scalars(candidates, {**shown.params,
                                                   **subjects.probe_params(probes)}):
        if _record_matches(summary(ctx, person, phones=kind == "phone"), kind, values):
            found.append(person)
            if len(found) >= limit:
                break
    return found


def _probes(ctx: Ctx, kind: str, values: list[str]) -> list[subjects.Probe]:
    """The blind-index probes of a classified search (names through their pairs)."""
    if kind == "name":
        return name_pairs.probes(ctx, values)
    column = {"dob": DOB_INDEX, "phone": PHONE_INDEX}[kind]
    return subjects.matching_all_probes(ctx, column, values)


def _classify(query: str) -> tuple[str, list[str]]:
    query = query.strip()[:200]
    try:
        return "dob", [normalise_date(query)]
    except ValueError:
        pass
    digits = sum(ch.isdigit() for ch in query)
    # Phone punctuation (8 (701) 555-12-34, +7-701-...) does not make a number a name.
    other = sum(not ch.isdigit() and ch not in _PHONE_PUNCTUATION for ch in query)
    if digits >= 7 and other <= 3:
        try:
            return "phone", [normalise_phone(query)]
        except ValueError:
            return "phone", []
    return "name", name_tokens(query)


def _matches(ctx: Ctx, person: Person, kind: str, values: list[str]) -> bool:
    """Re-check a candidate against its decrypted values (index collisions are expected)."""
    return _record_matches(summary(ctx, person, phones=kind == "phone"), kind, values)


def _record_matches(record: PersonRecord | PersonSummary, kind: str,
                    values: list[str]) -> bool:
    if kind == "dob":
        return record.date_of_birth == values[0]
    if kind == "phone":
        if record.phones is None:
            raise ValueError("a phone search needs the phones read")
        return values[0] in {normalise_phone(p) for p in record.phones if _phone_ok(p)}
    tokens = {t for name in record.names for t in name_tokens(name)}
    return all(value in tokens for value in values)


def _phone_ok(value: str) -> bool:
    try:
        normalise_phone(value)
    except ValueError:
        return False
    return True
