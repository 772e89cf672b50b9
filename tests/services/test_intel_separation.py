"""The intelligence database alone cannot be joined to anyone (issue 4, item 4)."""

from __future__ import annotations

import os
import subprocess

import pytest
from sqlalchemy import select

from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.extensions import db
from casework.models import Interview, Person, SourceLink, Subject
from casework.services import clock, intel, interviews, persons
from crypto import name_tokens


def _entry(kind, text, **extra):
    base = dict(kind=kind, subject_area=SubjectArea.ROUTES,
                source_type=SourceType.VICTIM_OR_CLOSE_PERSON,
                source_evaluation=SourceEvaluation.UNTESTED,
                intel_assessment=IntelAssessment.KNOWN_DIRECTLY,
                handling_code=HandlingCode.CONDITIONS, text=text)
    base.update(extra)
    return intel.EntryInput(**base)


def _person_with_interview(ctx, names, dob, phones, placement="Shelter Zhuldyz"):
    person = persons.register(ctx, names=names, date_of_birth=dob, phones=phones,
                              profile={"gender": "female", "placement": placement})
    notice = interviews.record_notice(ctx, person, language="kk",
                                      response=NoticeResponse.ACKNOWLEDGED)
    interview = interviews.record(ctx, person, notice.public_id, interviews.InterviewInput(
        IntervieweeRole.VICTIM, PlaceType.SHELTER, clock.today(ctx), "",
        "Told about the route."))
    return person, interview


def _intel_bytes(app) -> bytes:
    engine = db.engines["intel"]
    if engine.dialect.name == "sqlite":
        db.session.commit()
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        path = engine.url.database
        data = open(path, "rb").read()
        if os.path.exists(path + "-wal"):
            data += open(path + "-wal", "rb").read()
        return data
    from casework.services.backup import _pg_dump

    db.session.commit()
    return _pg_dump(engine)


def test_intel_database_holds_nothing_joinable(app, ctx):
    people = [(["Гүлнара Бекова", "Gulnara Bekova"], "1993-04-09", ["+7 701 555 3344"]),
              (["Мадина Ким"], "2001-12-30", ["8 705 555 7788"])]
    created = []
    for names, dob, phones in people:
        person, interview = _person_with_interview(ctx, names, dob, phones)
        intel.create_from_interview(ctx, person, interview, _entry(
            EntryKind.THEMATIC, "Recruitment through job adverts for cafe work abroad.",
            time="2026", time_granularity=Granularity.YEAR))
        intel.create_from_interview(ctx, person, interview, _entry(
            EntryKind.SPECIFIC, "Controller collects passports at the bus station.",
            time="2026-03", time_granularity=Granularity.MONTH))
        created.append((person, interview))
    db.session.commit()
    raw = _intel_bytes(app)
    # Every value the casework side holds that could serve as a join key or identify someone.
    planted: list[str] = []
    for names, dob, phones in people:
        planted += names + [t for n in names for t in name_tokens(n)] + [dob] + phones
        planted += ["".join(ch for ch in p if ch.isdigit())[-10:] for p in phones]
    for person, interview in created:
        planted += [person.case_code, person.public_id, person.subject_id, interview.public_id]
    links = ctx.session.scalars(select(SourceLink)).all()
    assert len(links) == 4
    binary = [link.token_hash for link in links] + [link.link_ciphertext for link in links]
    for value in planted:
        assert value.encode("utf-8") not in raw, value
    for value in binary:
        assert value not in raw and value.hex().encode() not in raw
    # Control: the scanner does find what the intel database really holds.
    some_entry = intel.list_entries(ctx)[0]
    assert some_entry.reference.encode() in raw
    assert some_entry.source_token.encode() in raw


def test_link_resolves_only_with_casework_keys(ctx):
    person, interview = _person_with_interview(ctx, ["Асель Нурланова"], "1999-01-01", [])
    entry = intel.create_from_interview(ctx, person, interview, _entry(
        EntryKind.SPECIFIC, "Details of the route."))
    assert intel.linked_person(ctx, entry).id == person.id
    assert intel.entries_for_person(ctx, person) == [entry]


@pytest.mark.parametrize(("text", "finding"), [
    ("Recruited by Gulnara's cousin through adverts.", "identifier_person_name"),
    ("The woman Гүлнара described the route.", "identifier_person_name"),
    ("Call +7 701 555 3344 to reach the recruiter.", "identifier_person_phone"),
    ("Another number 8 777 123 45 67 was used.", "identifier_phone_number"),
    ("Travelled on 12.03.2026 by bus.", "identifier_exact_date"),
    ("Born 09.04.1993 in the south.", "identifier_person_date"),
    ("Stayed at ул. Абая 15 before departure.", "identifier_address"),
    ("Passport N12345678 was forged.", "identifier_document_number"),
    ("She stays at Zhuldyz now.", "identifier_person_place"),
])
def test_thematic_entry_with_identifiers_is_blocked(ctx, text, finding):
    person, interview = _person_with_interview(ctx, ["Гүлнара Бекова"], "1993-04-09",
                                               ["+7 701 555 3344"])
    with pytest.raises(intel.ThematicBlocked) as blocked:
        intel.create_from_interview(ctx, person, interview, _entry(EntryKind.THEMATIC, text))
    assert finding in [r.value for r in blocked.value.reasons]


def test_thematic_time_and_place_must_be_coarse(ctx):
    person, interview = _person_with_interview(ctx, ["Гүлнара Бекова"], "1993-04-09", [])
    with pytest.raises(intel.ThematicBlocked):
        intel.create_from_interview(ctx, person, interview, _entry(
            EntryKind.THEMATIC, "General pattern.", time="2026-03-01",
            time_granularity=Granularity.DAY))
    with pytest.raises(intel.ThematicBlocked):
        intel.create_from_interview(ctx, person, interview, _entry(
            EntryKind.THEMATIC, "General pattern.", place="Almaty",
            place_granularity=Granularity.CITY))
    # The same details are fine in a specific entry (it never leaves without the workflow).
    intel.create_from_interview(ctx, person, interview, _entry(
        EntryKind.SPECIFIC, "Gulnara, +7 701 555 3344, 12.03.2026, ул. Абая 15.",
        time="2026-03-12", time_granularity=Granularity.DAY))


def test_privacy_review_needs_a_second_person(ctx):
    from casework.services.errors import ServiceError

    person, interview = _person_with_interview(ctx, ["Гүлнара Бекова"], "1993-04-09", [])
    author = ctx.as_actor("author0000000000000000000000000")
    entry = intel.create_from_interview(author, person, interview, _entry(
        EntryKind.THEMATIC, "General pattern of recruitment."))
    assert entry.privacy_status == "pending"
    with pytest.raises(ServiceError):
        intel.review_privacy(author, entry)
    intel.review_privacy(ctx.as_actor("reviewer00000000000000000000000"), entry)
    assert entry.privacy_status == "cleared"


def test_no_subject_shared(ctx):
    # Sanity: persons and subjects exist only in the casework database.
    _person_with_interview(ctx, ["Тест Тестов"], "1990-01-01", [])
    assert ctx.session.scalar(select(Subject.subject_id)) is not None
    assert Person.__table__.metadata is not intel.IntelEntry.__table__.metadata
    _ = subprocess  # pg_dump is used through casework.services.backup on PostgreSQL
    _ = Interview
