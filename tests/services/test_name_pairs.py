"""The name-pair index (issue 12): a full name finds its people through one pair lookup,
and never at the price of a missed match: people without pairs (recorded before the index,
or with too many name words) keep every name search on the word-by-word path until
``senim reindex names`` reaches them."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from casework.models import BlindIndexEntry, Person, Subject
from casework.services import access, name_pairs, name_reindex, paging, persons, shredding
from casework.services.name_pairs import NAME_PAIR_INDEX
from crypto import name_tokens


def pair_entries(ctx: Any, person: Person) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == person.subject_id,
        BlindIndexEntry.column == NAME_PAIR_INDEX)) or 0)


def found(ctx: Any, query: str) -> list[str]:
    page = persons.search_page(ctx, query, paging.page_request(), visible=access.EVERYONE)
    return sorted(p.case_code for p, _ in page.items)


def as_before_the_index(ctx: Any, person: Person) -> None:
    """What the migration leaves: the words indexed, no pairs, the flag down."""
    ctx.session.execute(delete(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == person.subject_id,
        BlindIndexEntry.column == NAME_PAIR_INDEX))
    person.name_pairs = False
    ctx.session.flush()
    ctx.session.info.clear()


def reindex_all(ctx: Any, size: int = 500) -> int:
    after, total = 0, 0
    while True:
        last, done = name_reindex.batch(ctx, after_id=after, size=size)
        if last is None:
            return total
        after, total = last, total + done


@pytest.fixture
def people(ctx: Any) -> dict[str, Person]:
    return {
        "aigul": persons.register(ctx, names=["Айгүл Бекова", "Aigul Bekova Serikovna"],
                                  date_of_birth=None, phones=[]),
        "aigul_other": persons.register(ctx, names=["Aigul Nurlanova"], date_of_birth=None,
                                        phones=[]),
        "dana": persons.register(ctx, names=["Дана Бекова"], date_of_birth=None, phones=[]),
    }


def test_every_pair_of_a_persons_words_is_indexed(ctx, people) -> None:
    # aigul, bekova, serikovna: three words, three pairs, across both of her names.
    assert pair_entries(ctx, people["aigul"]) == 3
    assert pair_entries(ctx, people["dana"]) == 1
    assert all(p.name_pairs for p in people.values())


def drop_pair_entries(ctx: Any, person: Person) -> None:
    """Leaves the words and the flag: a search that no longer finds the person went
    through the pairs."""
    ctx.session.execute(delete(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == person.subject_id,
        BlindIndexEntry.column == NAME_PAIR_INDEX))
    ctx.session.flush()


@pytest.mark.parametrize(("query", "who"), [
    ("Aigul Bekova", ["aigul"]), ("Бекова Айгүл", ["aigul"]), ("aygul serikovna", ["aigul"]),
    ("Aigul Bekova Serikovna", ["aigul"]), ("Bekova Dana", ["dana"]),
    ("Aigul Dana", []), ("Aigul", ["aigul", "aigul_other"]), ("Бекова", ["aigul", "dana"]),
])
def test_a_full_name_is_found_through_its_pairs(ctx, people, query, who) -> None:
    assert found(ctx, query) == sorted(people[w].case_code for w in who)
    for person in people.values():
        drop_pair_entries(ctx, person)
    if len(persons._classify(query)[1]) >= 2:
        assert found(ctx, query) == []
    else:  # one word has no pair to look up
        assert found(ctx, query) == sorted(people[w].case_code for w in who)


def test_people_of_a_colliding_pair_are_dropped_before_decryption(ctx) -> None:
    """A 16-bit pair value is shared by other pairs; their people never reach the page
    (``total`` counts the candidates the database returns, before any decryption)."""
    from casework.services import subjects

    rng = random.Random(12)
    seen: dict[bytes, tuple[str, str]] = {}
    for _ in range(5000):
        words = tuple("".join(rng.choice("bdfgklmnprstv") + rng.choice("aeou")
                              for _ in range(3)) for _ in range(2))
        if [t for w in words for t in name_tokens(w)] != list(words):
            continue  # folded into another spelling: not two distinct plain words
        value = subjects.index_value(ctx, NAME_PAIR_INDEX, name_pairs.pair(*words))
        if value in seen and seen[value] != words:
            first, second = " ".join(seen[value]), " ".join(words)
            break
        seen[value] = words
    else:
        pytest.fail("no collision among 5,000 pairs of a 16-bit index")
    one = persons.register(ctx, names=[first], date_of_birth=None, phones=[])
    persons.register(ctx, names=[second], date_of_birth=None, phones=[])
    page = persons.search_page(ctx, first, paging.page_request(),
                               visible=access.EVERYONE)
    assert [p.case_code for p, _ in page.items] == [one.case_code]
    assert page.total == 1


def test_one_person_without_pairs_keeps_searches_word_by_word(ctx, people) -> None:
    as_before_the_index(ctx, people["aigul"])
    assert not name_pairs.all_paired(ctx)
    assert found(ctx, "Aigul Bekova") == [people["aigul"].case_code]
    assert persons.hidden_matches(ctx, "Aigul Bekova", visible=None) == [people["aigul"]]
    # Proof that the pairs were not used: without them, Dana is still found.
    drop_pair_entries(ctx, people["dana"])
    assert found(ctx, "Dana Bekova") == [people["dana"].case_code]


def test_reindex_pairs_the_people_without_and_search_uses_them(ctx, people) -> None:
    for person in people.values():
        as_before_the_index(ctx, person)
    assert name_reindex.remaining(ctx) == 3
    assert reindex_all(ctx, size=2) == 3
    assert name_reindex.remaining(ctx) == 0
    assert [pair_entries(ctx, p) for p in people.values()] == [3, 1, 1]
    ctx.session.info.clear()
    assert name_pairs.all_paired(ctx)
    assert found(ctx, "Aigul Bekova") == [people["aigul"].case_code]


def test_an_interrupted_reindex_goes_on_and_writes_each_pair_once(ctx, people) -> None:
    for person in people.values():
        as_before_the_index(ctx, person)
    ctx.session.commit()
    name_reindex.batch(ctx, after_id=0, size=1)
    ctx.session.commit()
    name_reindex.batch(ctx, after_id=people["aigul"].id, size=1)
    ctx.session.rollback()  # the process died before this batch committed
    assert name_reindex.remaining(ctx) == 2
    assert reindex_all(ctx, size=1) == 2
    ctx.session.commit()
    assert [pair_entries(ctx, p) for p in people.values()] == [3, 1, 1]
    assert reindex_all(ctx) == 0  # nothing left: a second run does nothing


def test_too_many_name_words_stay_unpaired_and_found(ctx, people) -> None:
    words = " ".join(f"Name{chr(97 + i)}{chr(97 + j)}" for i in range(5) for j in range(6))
    many = persons.register(ctx, names=[words], date_of_birth=None, phones=[])
    assert not many.name_pairs and pair_entries(ctx, many) == 0
    assert not name_pairs.all_paired(ctx)
    assert found(ctx, "Nameaa Nameef") == [many.case_code]
    assert found(ctx, "Aigul Bekova") == [people["aigul"].case_code]
    assert name_reindex.remaining(ctx) == 1
    assert reindex_all(ctx) == 0 and name_reindex.remaining(ctx) == 1


def test_a_tampered_record_is_reported_and_the_rest_go_on(ctx, people) -> None:
    from casework.models import AuditEvent
    from casework.services.subjects import IntegrityAlarm

    aigul, dana = people["aigul"], people["dana"]
    for person in people.values():
        as_before_the_index(ctx, person)
    # Dana's names sealed for another row: they fail authentication where they are.
    dana.names_ciphertext = aigul.names_ciphertext
    ctx.session.flush()
    assert reindex_all(ctx) == 2
    assert not dana.name_pairs and name_reindex.remaining(ctx) == 1
    assert ctx.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "crypto.integrity_failure")) == 1
    with pytest.raises(IntegrityAlarm):  # the word path still reaches her record
        found(ctx, "Dana Bekova")


def test_a_new_name_replaces_the_old_pairs(ctx, people) -> None:
    dana = people["dana"]
    persons.write_identity(ctx, dana, names=["Dana Omarova"], date_of_birth=None, phones=[])
    assert found(ctx, "Dana Bekova") == []
    assert found(ctx, "Dana Omarova") == [dana.case_code]
    assert pair_entries(ctx, dana) == 1


def test_an_erased_person_never_holds_the_search_back(app, ctx, people) -> None:
    aigul = people["aigul"]
    as_before_the_index(ctx, aigul)
    shredding.destroy_casework(ctx, ctx.session.get(Subject, aigul.subject_id))
    assert aigul.name_pairs and name_reindex.remaining(ctx) == 0
    ctx.session.info.clear()
    assert name_pairs.all_paired(ctx)


def test_the_command_indexes_and_reports(app, ctx, people) -> None:
    for person in people.values():
        as_before_the_index(ctx, person)
    ctx.session.commit()
    result = app.test_cli_runner().invoke(args=["senim", "reindex", "names", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "3 people indexed by name pairs" in result.output
    ctx.session.expire_all()
    assert name_reindex.remaining(ctx) == 0


def test_a_batch_locks_its_people_before_reading_their_names(app, ctx, people,
                                                             monkeypatch) -> None:
    """An edit made while a batch runs waits for it (then writes its own pairs), so no
    batch writes pairs from a name that changed after it read it: another connection
    trying to change the person while the batch decrypts the names is refused by the
    lock (a short lock timeout stands for the wait)."""
    from sqlalchemy import text, update
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from casework.extensions import db

    dana = people["dana"]
    as_before_the_index(ctx, dana)
    ctx.session.commit()
    engine = db.engines[None]
    outcomes: list[str] = []
    reading = persons.summary

    def edit_meanwhile(c: Any, person: Person, **kw: Any) -> Any:
        with Session(engine) as other:
            if engine.dialect.name == "sqlite":
                other.execute(text("PRAGMA busy_timeout = 100"))
            else:
                other.execute(text("SET LOCAL lock_timeout = '100ms'"))
            try:
                other.execute(update(Person).where(Person.id == person.id)
                              .values(created_by="edited"))
                other.commit()
                outcomes.append("written")
            except OperationalError:
                other.rollback()
                outcomes.append("waited")
        return reading(c, person, **kw)

    monkeypatch.setattr(name_reindex.persons, "summary", edit_meanwhile)
    name_reindex.batch(ctx, after_id=0, size=10)
    ctx.session.commit()
    assert outcomes == ["waited"]
    assert dana.name_pairs
