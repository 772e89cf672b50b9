"""Synthetic people for the benchmarks, and loading them into Senim and into the control app.

Deterministic (seeded), so both apps hold the same people: a full name, an alias, a date of
birth, a phone, a screening, two interviews and three case notes each. Senim is loaded
through its own services (``casework.services.imports`` batches around ``persons.register``
and ``screenings.record``; interviews and notes through their services), so the rows are
exactly the ones the pages write; the control app gets the same values in plaintext.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

FIRST = ["Aigul", "Aizhan", "Dana", "Zhanna", "Kairat", "Nursultan", "Madina", "Yulia",
         "Elena", "Sergei", "Dmitry", "Aliya", "Gulnara", "Saule", "Asel", "Marat", "Erlan",
         "Natalia", "Olga", "Arman", "Dinara", "Timur", "Svetlana", "Bolat", "Ainur", "Assel",
         "Ruslan", "Kamila", "Botagoz", "Azamat"]  # fmt: skip
_STEMS = ["Abai", "Akhmet", "Alim", "Amir", "Arys", "Asan", "Askar", "Baimukh", "Bek", "Bolat",
          "Dauren", "Dzhaksy", "Erbol", "Erzhan", "Galim", "Ibrai", "Iskak", "Kairat", "Kasym",
          "Kenes", "Kusain", "Makhmut", "Marat", "Mukhamed", "Nurl", "Omar", "Oraz", "Rakhim",
          "Sadyk", "Sagin", "Samat", "Serik", "Smagul", "Suleimen", "Tulegen", "Tur", "Ivan",
          "Petr", "Kuznets", "Smirn", "Sokol", "Popov", "Volk", "Morozov", "Pavl", "Fedor",
          "Belov", "Grig", "Zaits", "Tarasov", "Kovalev", "Lebed", "Makar", "Tikhon", "Frolov",
          "Gusev", "Isaev", "Kuzmin", "Temir", "Nurgali", "Zhanbyr", "Tolegen", "Murat",
          "Aidar", "Berik", "Kanat", "Nurzhan", "Talgat", "Almas", "Madi", "Olzhas",
          "Rustem"]  # fmt: skip
SURNAMES = [stem + end for stem in _STEMS
            for end in ("ov", "ova", "ev", "eva", "in", "ina", "uly", "kyzy", "bekov",
                        "bekova", "baev", "baeva", "ovich")]
NOTE_TEXTS = ["Accompanied to the clinic; next appointment agreed.",
              "Called the shelter; a place is free from Monday.",
              "Discussed the safety plan and the code word again."]
INTERVIEW_TEXTS = ["She described the recruitment through an online job advert.",
                   "Follow-up: the employer kept her passport for four months."]
SCREENING = {"screening_outcome": "trafficking",
             "screening_legal_context": "Criminal Code art. 128 (trafficking in persons)",
             "screening_perpetrators": "Recruiter and employer acted together",
             "screening_person_perspective": "She was not free to leave the workplace",
             "screening_acts": "recruitment;transportation", "screening_means": "deception",
             "screening_purposes": "forced_labour", "screening_could_leave": "no",
             "screening_indicators": "documents_withheld;debt_bondage",
             "screening_rationale": "Act, means and purpose are all present."}


@dataclass(frozen=True)
class Synthetic:
    number: int
    full_name: str
    alias: str
    date_of_birth: date
    phone: str

    def csv_row(self) -> dict[str, str]:
        return {"full_name": self.full_name, "aliases": self.alias,
                "date_of_birth": self.date_of_birth.isoformat(), "dob_source": "document",
                "gender": "female" if self.number % 2 else "male",
                "phones": self.phone, "languages": "kk;ru", **SCREENING}


def people(count: int, seed: int = 12) -> Iterator[Synthetic]:
    rng = random.Random(seed)
    for number in range(count):
        first, surname = rng.choice(FIRST), rng.choice(SURNAMES)
        born = date(1970, 1, 1) + timedelta(days=rng.randrange(365 * 35))
        phone = f"+7 70{rng.randrange(10)} {rng.randrange(10**7):07d}"
        yield Synthetic(number, f"{first} {surname}", f"{first[0]}. {surname}", born, phone)


def write_csv(path: Path, count: int, seed: int = 12) -> Path:
    rows = [p.csv_row() for p in people(count, seed)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else ["full_name"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def load_senim(app: Any, count: int, *, staff_email: str, batch: int = 500,
               seed: int = 12, progress: bool = False) -> list[str]:
    """Load ``count`` people into Senim through its services, assigned to ``staff_email``;
    returns their case codes in order."""
    import sys

    from sqlalchemy import select

    from casework.domain.casenotes import NoteKind
    from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
    from casework.extensions import db
    from casework.models import Person, Staff
    from casework.models.base import utcnow
    from casework.services import casenotes, clock, imports, interviews, subjects
    from casework.services.context import Ctx

    with app.app_context():
        staff_id = db.session.scalar(select(Staff.id).where(Staff.email == staff_email))
        codes: list[str] = []
        synthetic = list(people(count, seed))
        for start in range(0, count, batch):
            chunk = synthetic[start:start + batch]
            ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                      passwords=app.extensions["senim.passwords"], now=utcnow(),
                      actor=None, request_id="bench")
            rows = []
            for offset, person in enumerate(chunk):
                parsed, problems = imports.check_row(
                    imports.Row(start + offset + 2, person.csv_row()),
                    today=clock.today(ctx), staff={})
                assert parsed is not None, problems
                parsed.caseworker = staff_id
                rows.append(parsed)
            inner = imports.batch_ctx(ctx)
            with subjects.key_scope(ctx):
                registered = imports.register_rows(inner, rows)
                # The organisation's calendar day, as the services check it (rules 81, 83):
                # in the evening UTC it is already tomorrow in Almaty.
                today = clock.today(ctx)
                for person in registered:
                    for text in INTERVIEW_TEXTS:
                        notice = interviews.record_notice(
                            inner, person, language="ru", response=NoticeResponse.ACKNOWLEDGED)
                        data = interviews.InterviewInput(
                            interviewee_role=IntervieweeRole.VICTIM,
                            place_type=PlaceType.SHELTER, held_on=today,
                            interpreter="", narrative=text)
                        interviews.record(inner, person, notice.public_id, data)
                    for text in NOTE_TEXTS:
                        casenotes.add(inner, person, kind=NoteKind.NOTE, body=text,
                                      occurred_on=today)
            ctx.audit("bench.load", outcome=str(len(rows)))
            db.session.commit()
            codes.extend(db.session.scalars(select(Person.case_code).where(
                Person.id.in_([p.id for p in registered])).order_by(Person.id)))
            if progress:
                print(f"  senim: {start + len(chunk)}/{count} people", file=sys.stderr,
                      flush=True)
        return codes


def check_sample(app: Any, codes: list[str], count: int, *, sample: int = 20,
                 seed: int = 12) -> int:
    """Read a sample back through the services; returns how many matched (all, or fail)."""
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import casenotes, interviews, persons, screenings
    from casework.services.context import Ctx

    expected = list(people(count, seed))
    rng = random.Random(seed + 1)
    matched = 0
    with app.app_context():
        ctx = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                  passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="bench")
        for index in rng.sample(range(len(codes)), min(sample, len(codes))):
            person = persons.by_case_code(ctx, codes[index])
            record = persons.read(ctx, person)
            want = expected[index]
            assert record.names == [want.full_name, want.alias], "name mismatch"
            assert record.date_of_birth == want.date_of_birth.isoformat()
            assert screenings.latest_outcome(ctx, person) == "trafficking"
            assert sorted(body for _, body in casenotes.for_person(ctx, person)) == \
                sorted(NOTE_TEXTS)
            assert len(interviews.for_person(ctx, person)) == 2
            assert person in persons.search(ctx, want.full_name)
            matched += 1
        db.session.rollback()
    return matched
