"""Blind-index search (issue 3): a person is found by either spelling of a name, by date of
birth and by phone number, never by an index coincidence alone, and only within the set a
caller may see."""

from __future__ import annotations

import pytest

from casework.services import access, name_pairs, persons, subjects
from crypto import blind_index, name_tokens


def _codes(found):
    return sorted(p.case_code for p in found)


@pytest.fixture
def people(ctx):
    return {
        "aigul": persons.register(ctx, names=["Айгүл Нұрланқызы Садыкова"],
                                  date_of_birth="17.05.1990", phones=["8 701 555 12 34"]),
        "nursultan": persons.register(ctx, names=["Нұрсұлтан Әбішұлы"],
                                      date_of_birth="1985-01-02",
                                      phones=["+7 (727) 300-40-50"]),
        "kairat": persons.register(ctx, names=["Қайрат Жұмабаев"], date_of_birth="03/11/2001",
                                   phones=["87771234567"]),
        "aigul_other": persons.register(ctx, names=["Aigul Bekova"],
                                        date_of_birth="1992-02-29", phones=[]),
        "dana": persons.register(ctx, names=["Дана Серикова"], date_of_birth="1991-01-01",
                                 phones=["+7 705 000 11 22"]),
    }


@pytest.mark.parametrize("query", ["Айгүл", "Aigul", "Aigül", "AIGUL", "aygul", "Айгуль"])
def test_either_spelling_of_aigul(ctx, people, query):
    assert _codes(persons.search(ctx, query)) == _codes([people["aigul"],
                                                         people["aigul_other"]])


@pytest.mark.parametrize("query", ["Нұрсұлтан", "Nursultan", "NURSULTAN", "Нурсултан"])
def test_either_spelling_of_nursultan(ctx, people, query):
    assert persons.search(ctx, query) == [people["nursultan"]]


@pytest.mark.parametrize("query", ["Қайрат", "Kairat", "Qairat", "Kayrat", "Кайрат"])
def test_either_spelling_of_kairat(ctx, people, query):
    assert persons.search(ctx, query) == [people["kairat"]]


@pytest.mark.parametrize("query", ["Жұмабаев", "Zhumabaev", "Jumabaev"])
def test_surname_in_either_script(ctx, people, query):
    assert persons.search(ctx, query) == [people["kairat"]]


@pytest.mark.parametrize("query", ["1990-05-17", "17.05.1990", "17/05/1990"])
def test_date_of_birth_in_three_formats(ctx, people, query):
    assert persons.search(ctx, query) == [people["aigul"]]


@pytest.mark.parametrize("query", ["2001-11-03", "03.11.2001", "03/11/2001"])
def test_date_of_birth_stored_in_another_format(ctx, people, query):
    assert persons.search(ctx, query) == [people["kairat"]]


def test_near_dates_do_not_match(ctx, people):
    assert persons.search(ctx, "1990-05-18") == []
    assert persons.search(ctx, "17.06.1990") == []
    assert persons.search(ctx, "1991-05-17") == []


@pytest.mark.parametrize("query", [
    "+7 701 555 12 34", "+77015551234", "8 701 555 12 34", "87015551234", "7015551234",
    "8 (701) 555-12-34", "+7 (701) 555-12-34", "8-701-555-12-34", "+7-701-555-1234"])
def test_phone_in_kazakh_formats(ctx, people, query):
    assert persons.search(ctx, query) == [people["aigul"]]


@pytest.mark.parametrize("query", ["8 727 300 40 50", "+77273004050", "8 (727) 300-40-50"])
def test_phone_stored_with_punctuation(ctx, people, query):
    assert persons.search(ctx, query) == [people["nursultan"]]


def test_wrong_phone_finds_nobody(ctx, people):
    assert persons.search(ctx, "8 701 555 12 35") == []


def test_multi_token_queries_need_every_token(ctx, people):
    assert persons.search(ctx, "Aigul Sadykova") == [people["aigul"]]
    assert persons.search(ctx, "Садыкова Айгүл") == [people["aigul"]]
    assert persons.search(ctx, "Aigul Bekova") == [people["aigul_other"]]
    assert _codes(persons.search(ctx, "  aigul  ")) == _codes([people["aigul"],
                                                                people["aigul_other"]])
    assert persons.search(ctx, "Aigul Serikova") == []
    assert persons.search(ctx, "Kairat Sadykova") == []


def test_nothing_searchable_finds_nobody(ctx, people):
    for query in ("", "   ", "---", "李娜", "123"):
        assert persons.search(ctx, query) == []


def test_within_restricts_to_the_allowed_subjects(ctx, people):
    allowed = {people["aigul_other"].subject_id, people["kairat"].subject_id}
    assert persons.search(ctx, "Aigul", within=allowed) == [people["aigul_other"]]
    assert persons.search(ctx, "17.05.1990", within=allowed) == []
    assert persons.search(ctx, "87771234567", within=allowed) == [people["kairat"]]
    assert persons.search(ctx, "Aigul", within=set()) == []


def test_index_holds_no_plaintext_and_differs_per_column(ctx, people):
    from sqlalchemy import select

    from casework.models import BlindIndexEntry

    rows = list(ctx.session.scalars(select(BlindIndexEntry).where(
        BlindIndexEntry.subject_id == people["aigul"].subject_id)))
    assert {r.column for r in rows} == {persons.NAME_INDEX, name_pairs.NAME_PAIR_INDEX,
                                        persons.DOB_INDEX, persons.PHONE_INDEX}
    assert all(len(r.value) == (subjects.INDEX_BITS + 7) // 8 for r in rows)
    # The same normalised text indexed in two columns gives unrelated values.
    assert subjects.index_value(ctx, persons.NAME_INDEX, "aigul") != \
        subjects.index_value(ctx, persons.PHONE_INDEX, "aigul")


@pytest.mark.parametrize("bits", [1, 2])
def test_index_collisions_are_rechecked_after_decryption(ctx, monkeypatch, bits):
    """Force a tiny index (1 or 2 bits: nearly everyone collides). ``crypto.blind_index``
    refuses widths under 8 bits, so the narrowing is simulated on top of its output."""

    def tiny(key, value, *, bits=subjects.INDEX_BITS, _width=bits):
        full = blind_index(key, value, bits=8)
        return bytes([full[0] & ((0xFF << (8 - _width)) & 0xFF)])

    monkeypatch.setattr(subjects, "blind_index", tiny)
    monkeypatch.setattr(subjects, "INDEX_BITS", bits)
    names = ["Aigul Sadykova", "Dana Serikova", "Kairat Zhumabaev", "Nursultan Abishuly",
             "Aliya Omarova", "Erzhan Tulegenov", "Zhanna Ivanova", "Mukhtar Aliev"]
    people = [persons.register(ctx, names=[n], date_of_birth=f"1990-01-{i + 1:02d}",
                               phones=[f"8 701 000 00 {i:02d}"]) for i, n in enumerate(names)]
    ctx.session.flush()
    # 8 people, at most 4 index values: by pigeonhole some candidates sets hold several
    # people (asserted), and every search still answers only the true match.
    widest = {"name": 0, "dob": 0, "phone": 0}
    for i, person in enumerate(people):
        first = names[i].split()[0]
        queries = {"name": (persons.NAME_INDEX, name_tokens(first)[0], first),
                   "dob": (persons.DOB_INDEX, f"1990-01-{i + 1:02d}", f"{i + 1:02d}.01.1990"),
                   "phone": (persons.PHONE_INDEX, f"70100000{i:02d}", f"8701000 00{i:02d}")}
        for kind, (column, normalised, query) in queries.items():
            widest[kind] = max(widest[kind], len(subjects.candidates(ctx, column, normalised)))
            assert persons.search(ctx, query) == [person], (kind, query)
    assert min(widest.values()) >= 2, widest
    assert persons.search(ctx, "Жанна") == [people[6]]
    assert persons.search(ctx, "Aigul Serikova") == []
    assert persons.search(ctx, "Nobody") == []


@pytest.mark.parametrize(("query", "who"), [
    ("8 (701) 555-12-34", "aigul"), ("+7 705 000 11 22", "dana"), ("1985-01-02", "nursultan"),
    ("Aigul Bekova", "aigul_other")])
def test_a_search_page_rechecks_what_it_shows_with_the_fields_it_needs(ctx, people, query, who):

    from casework.services import paging

    page = persons.search_page(ctx, query, paging.PageRequest(), visible=access.EVERYONE)
    assert [p for p, _s in page.items] == [people[who]]
    [(_p, shown)] = page.items
    assert shown.names and shown.case_code == people[who].case_code
    # The profile is never read for a result; the phones only for a phone search.
    assert not hasattr(shown, "profile")
    assert (shown.phones is not None) == query.startswith(("8", "+"))
