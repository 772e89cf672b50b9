"""Demo survivors, screenings, interviews, notes and intelligence for `senim demo`.

All people are invented. Their identifiers are returned in plaintext (for `demo --out`)
so scripts can prove none of them appears in the raw databases, logs or attachments.
"""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

from casework.domain.casenotes import NoteKind, ServiceType
from casework.domain.interviews import IntervieweeRole, NoticeResponse, PlaceType
from casework.domain.screening import Act, CouldLeave, Means, Outcome, Purpose, ScreeningInput
from casework.domain.taxonomy import (
    EntryKind,
    Granularity,
    HandlingCode,
    IntelAssessment,
    SourceEvaluation,
    SourceType,
    SubjectArea,
)
from casework.models import Staff
from casework.services import access, casenotes, clock, intel, interviews, persons, screenings
from casework.services.context import Ctx

PEOPLE: tuple[dict[str, Any], ...] = (
    {"names": ["Айгүл Нұрланқызы Садықова", "Aigul Sadykova"], "dob": "1998-03-14",
     "phones": ["+7 701 555 0142"],
     "profile": {"gender": "female", "nationality": "Kazakhstan", "languages": ["kk", "ru"],
                 "placement": "Shelter 'Umit'", "safe_channel": "in_person",
                 "code_word": "almond"},
     "narrative": "Recruited through an online advert for waitress work abroad. On arrival "
                  "her passport was taken and she was told she owed a debt for the travel. "
                  "She was made to work long hours without pay and could not leave the flat.",
     "outcome": Outcome.TRAFFICKING,
     "thematic": "Recruiters use online job adverts promising hospitality work abroad to "
                 "women in their twenties; on arrival documents are withheld and a travel "
                 "debt is imposed.",
     "specific": "Recruitment advert seen on a social network in spring; the controller of "
                 "the flat keeps passports in a locked drawer."},
    {"names": ["Дана Серікқызы Ахметова", "Dana Akhmetova"], "dob": "2008-11-02",
     "phones": ["+7 747 555 0199"],
     "profile": {"gender": "female", "is_minor": True, "nationality": "Kazakhstan",
                 "dob_source": "self_declared", "representative_type": "guardian",
                 "languages": ["ru"], "guardian": "Aunt (legal guardian), contact via school",
                 "child_views": "Wants to finish school and stay with her aunt."},
     "narrative": "A family acquaintance offered her a job in a market in another city. She "
                  "was made to sell goods and hand over all earnings.",
     "outcome": Outcome.TRAFFICKING,
     "thematic": "Children from rural districts are recruited by family acquaintances for "
                 "market work in larger cities and made to hand over earnings.",
     "specific": None},
    {"names": ["Бахтияр Каримов", "Bakhtiyar Karimov"], "dob": "1990-07-21",
     "phones": ["+998 90 555 0123"],
     "profile": {"gender": "male", "nationality": "Uzbekistan", "languages": ["ru", "uz"],
                 "placement": "Men's hostel, partner organisation"},
     "narrative": "Paid a driver to cross the border and find construction work. After "
                  "arriving, he chose his own employer and left when the pay was late.",
     "outcome": Outcome.SMUGGLING,
     "thematic": None, "specific": None},
)


def load(ctx: Ctx, caseworker: Staff, folder: Path) -> list[dict[str, Any]]:
    """Create the demo people (assigned to the demo caseworker); return their identifiers."""
    out = []
    c = ctx.as_actor(caseworker.public_id)
    for index, data in enumerate(PEOPLE):
        person = persons.register(c, names=list(data["names"]), date_of_birth=data["dob"],
                                  phones=list(data["phones"]), profile=dict(data["profile"]))
        access.assign(c, person, caseworker)
        _screen(c, person, data)
        interview = _interview(c, person, data)
        if index == 0:
            # A signed consent form stands in as a real encrypted attachment (a tiny PDF).
            interviews.attach(c, folder, person, interview, stream=io.BytesIO(_PDF),
                              filename="signed-consent.pdf", max_bytes=1 << 20)
        interviews.sign_off(c, person, interview)
        casenotes.add(c, person, kind=NoteKind.SERVICE, body="Medical check-up arranged.",
                      occurred_on=c.now.date() - timedelta(days=5),
                      service_type=ServiceType.MEDICAL)
        casenotes.add(c, person, kind=NoteKind.SAFETY_PLAN,
                      body="Does not leave the shelter alone; new SIM card issued.",
                      occurred_on=c.now.date(), review_on=c.now.date() + timedelta(days=30))
        _intel(c, person, interview, data)
        out.append({"case_code": person.case_code, "names": list(data["names"]),
                    "date_of_birth": data["dob"], "phones": list(data["phones"])})
    return out


def _screen(c: Ctx, person: Any, data: dict[str, Any]) -> None:
    trafficking = data["outcome"] is Outcome.TRAFFICKING
    screenings.record(c, person, ScreeningInput(
        outcome=data["outcome"], is_child=bool(data["profile"].get("is_minor")),
        legal_context="Article 128 of the Criminal Code (trafficking) considered.",
        perpetrators="Purpose was profit from the person's work after arrival."
        if trafficking else "Relationship ended with payment and the crossing.",
        person_perspective="Describes deception and fear of leaving." if trafficking
        else "No coercion or deception described.",
        acts=frozenset({Act.RECRUITMENT, Act.HARBOURING}) if trafficking else frozenset(),
        means=frozenset({Means.DECEPTION}) if trafficking else frozenset(),
        purposes=frozenset({Purpose.FORCED_LABOUR}) if trafficking else frozenset(),
        could_leave=CouldLeave.NO if trafficking else CouldLeave.YES,
        indicators=frozenset({"deceptive_recruitment", "documents_withheld"})
        if trafficking else frozenset(),
        rationale="Elements of act, means and purpose present; could not leave."
        if trafficking else "Paid crossing, free to leave the employer: smuggling."))


def _interview(c: Ctx, person: Any, data: dict[str, Any]) -> Any:
    notice = interviews.record_notice(c, person, language="ru",
                                      response=NoticeResponse.ACKNOWLEDGED)
    return interviews.record(c, person, notice.public_id, interviews.InterviewInput(
        interviewee_role=IntervieweeRole.VICTIM, place_type=PlaceType.SHELTER,
        # Rules 81, 83: held on the day the notice was acknowledged, not before it.
        held_on=clock.today(c), interpreter="",
        narrative=data["narrative"]))


def _intel(c: Ctx, person: Any, interview: Any, data: dict[str, Any]) -> None:
    common: dict[str, Any] = {"subject_area": SubjectArea.RECRUITMENT,
              "source_type": SourceType.VICTIM_OR_CLOSE_PERSON,
              "source_evaluation": SourceEvaluation.UNTESTED,
              "intel_assessment": IntelAssessment.KNOWN_DIRECTLY,
              "handling_code": HandlingCode.CONDITIONS}
    if data["thematic"]:
        intel.create_from_interview(c, person, interview, intel.EntryInput(
            kind=EntryKind.THEMATIC, text=data["thematic"],
            tags=["recruitment-method:online-advertisement", "phase:recruitment"],
            time="2026", time_granularity=Granularity.YEAR, place="Kazakhstan",
            place_granularity=Granularity.COUNTRY, **common))
    if data["specific"]:
        intel.create_from_interview(c, person, interview, intel.EntryInput(
            kind=EntryKind.SPECIFIC, text=data["specific"],
            tags=["documents:withheld-by-exploiter", "phase:exploitation"],
            time="2026-04", time_granularity=Granularity.MONTH, place="Almaty",
            place_granularity=Granularity.CITY, **common))


def load_other_intel(ctx: Ctx) -> None:
    """An open-source entry and one received from police (rule 62)."""
    intel.create_other(ctx, intel.EntryInput(
        kind=EntryKind.THEMATIC, subject_area=SubjectArea.ROUTES,
        source_type=SourceType.OPEN_SOURCES, source_evaluation=SourceEvaluation.UNTESTED,
        intel_assessment=IntelAssessment.INDIRECT, handling_code=HandlingCode.PERMITTED,
        text="Media reports describe bus routes through southern border crossings used to "
             "move workers recruited for seasonal agriculture.",
        statement="assessment", tags=["phase:transit"], time="2026",
        time_granularity=Granularity.YEAR, place="Turkestan region",
        place_granularity=Granularity.REGION))
    intel.create_incoming(ctx, intel.EntryInput(
        kind=EntryKind.THEMATIC, subject_area=SubjectArea.MODUS_OPERANDI,
        source_type=SourceType.LAW_ENFORCEMENT, source_evaluation=SourceEvaluation.RELIABLE,
        intel_assessment=IntelAssessment.INDIRECT_CORROBORATED,
        handling_code=HandlingCode.CONDITIONS,
        text="Police report a rise in recruitment through messenger groups offering "
             "childcare jobs abroad; prevention material may mention it.",
        tags=["recruitment-method:online-social-network"], time="2026",
        time_granularity=Granularity.YEAR, place="Central Asia",
        place_granularity=Granularity.REGION), received_from="Demo Police Anti-Trafficking Unit")


_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")


def describe_existing(ctx: Ctx) -> list[dict[str, Any]]:
    """The demo people's identifiers, decrypted from their records (for `demo --out`)."""
    out = []
    for person in sorted(access.all_people(ctx), key=lambda p: p.id):
        record = persons.read(ctx, person)
        out.append({"case_code": person.case_code, "names": record.names,
                    "date_of_birth": record.date_of_birth, "phones": record.phones})
    return out
