"""Two years of invented caseload for the demo's statistics page (issue 15).

About 150 people registered over the last two years, screened with varied outcomes,
purposes and means, with genders, ages, nationalities and a few services, most of whom
agreed to statistical use. Everything goes through the services (so records are encrypted
exactly like real ones); only the dates are moved back afterwards, on clear columns, so
the audit trail keeps its real order. Deterministic (seeded), and fast: no password
hashing, no attachments, one screening and at most two service notes per person.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from casework.domain.casenotes import NoteKind, ServiceType
from casework.domain.screening import Act, CouldLeave, Means, Outcome, Purpose, ScreeningInput
from casework.models import Staff
from casework.services import access, casenotes, persons, screenings
from casework.services.context import Ctx

SIZE = 150
DAYS = 730
_GIVEN = {"female": ("Айгерим", "Гульнара", "Мадина", "Дильноза", "Nodira", "Zarina",
                     "Ольга", "Асель", "Малика", "Жанар"),
          "male": ("Ерлан", "Тимур", "Азиз", "Рустам", "Bekzod", "Nurlan", "Иван",
                   "Даурен", "Фарход", "Санжар")}
_FAMILY = ("Сейтқали", "Омарова", "Юсупов", "Rakhimov", "Ибраева", "Алиев", "Tokhtarov",
           "Ким", "Смагулов", "Назарова", "Жумабаев", "Karimova")
# Weights: a caseload mostly from Central Asia, a few from further away.
_NATIONALITIES = (("Kazakhstan", 40), ("Uzbekistan", 22), ("Kyrgyzstan", 14),
                  ("Tajikistan", 10), ("Russia", 6), ("Ukraine", 2), ("Afghanistan", 3),
                  ("China", 2), ("Turkey", 1))
_OUTCOMES = ((Outcome.TRAFFICKING, 55), (Outcome.SMUGGLING, 15),
             (Outcome.OTHER_ABUSE, 18), (Outcome.UNDETERMINED, 12))
_PURPOSES = ((Purpose.FORCED_LABOUR, 45), (Purpose.SEXUAL_EXPLOITATION, 30),
             (Purpose.FORCED_BEGGING, 6), (Purpose.FORCED_MARRIAGE, 6),
             (Purpose.CRIMINAL_EXPLOITATION, 5), (Purpose.SERVITUDE, 8))
_MEANS = (Means.DECEPTION, Means.FRAUD, Means.THREAT, Means.FORCE,
          Means.ABUSE_OF_VULNERABILITY, Means.PAYMENTS_TO_CONTROLLER)
_SERVICES = ((ServiceType.SHELTER, 30), (ServiceType.MEDICAL, 25),
             (ServiceType.PSYCHOLOGICAL, 20), (ServiceType.LEGAL, 15),
             (ServiceType.DOCUMENTS, 10), (ServiceType.REPATRIATION, 6))


def _pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _screening(rng: random.Random, outcome: Outcome, child: bool) -> ScreeningInput:
    trafficking = outcome in (Outcome.TRAFFICKING, Outcome.UNDETERMINED)
    purposes = {_pick(rng, _PURPOSES)}
    if rng.random() < 0.2:
        purposes.add(_pick(rng, _PURPOSES))
    return ScreeningInput(
        outcome=outcome, is_child=child,
        legal_context="Article 128 of the Criminal Code considered.",
        perpetrators="An employer and a recruiter.",
        person_perspective="Described in the interview.",
        acts=frozenset({Act.RECRUITMENT, Act.HARBOURING}) if trafficking else frozenset(),
        means=frozenset(rng.sample(_MEANS, rng.randint(1, 3))) if trafficking
        else frozenset(),
        purposes=frozenset(purposes) if trafficking else frozenset(),
        could_leave=CouldLeave.NO if trafficking else CouldLeave.YES,
        indicators=frozenset({"deceptive_recruitment"}) if trafficking else frozenset(),
        rationale="Demo screening.")


def load(ctx: Ctx, caseworker: Staff, *, size: int = SIZE, seed: int = 15) -> int:
    """Create ``size`` invented people spread over the last two years; return how many."""
    rng = random.Random(seed)  # noqa: S311  (invented demo data, not a secret)
    c = ctx.as_actor(caseworker.public_id)
    for index in range(size):
        gender = "female" if rng.random() < 0.62 else "male"
        if rng.random() < 0.04:
            gender = rng.choice(("other", "not_stated"))
        age = rng.choice((rng.randint(13, 17), rng.randint(18, 29), rng.randint(18, 29),
                          rng.randint(30, 45), rng.randint(46, 60)))
        child = age < 18
        registered: datetime = c.now - timedelta(days=rng.randint(3, DAYS))
        consent = rng.choices(("yes", "no", None), weights=(85, 8, 7))[0]
        profile: dict[str, Any] = {
            "gender": gender, "estimated_age": age, "is_minor": child,
            "nationality": _pick(rng, _NATIONALITIES)}
        if consent is not None:
            profile["statistics_consent"] = consent
        names = [f"{rng.choice(_GIVEN.get(gender, _GIVEN['female']))} "
                 f"{rng.choice(_FAMILY)} {index + 1:03d}"]
        person = persons.register(c, names=names, date_of_birth=None, phones=[],
                                  profile=profile)
        person.created_at = registered
        access.assign(c, person, caseworker)
        if rng.random() < 0.9:
            row = screenings.record(c, person, _screening(rng, _pick(rng, _OUTCOMES), child))
            row.decided_at = registered + timedelta(days=rng.randint(0, 3))
        for _ in range(rng.choice((0, 1, 1, 2))):
            occurred = (registered + timedelta(days=rng.choice((0, 1, 3, 6, 12, 40)))).date()
            casenotes.add(c, person, kind=NoteKind.SERVICE, body="Service provided.",
                          occurred_on=min(occurred, c.now.date()),
                          service_type=_pick(rng, _SERVICES))
    c.session.flush()
    return size
