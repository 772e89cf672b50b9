"""Registering, reading and finding a person through the blind indexes."""

from __future__ import annotations

import pytest

from casework.services import persons


@pytest.mark.parametrize("query", ["Айгүл", "Aigul", "Aigül", "AIGUL", "sadykova"])
def test_search_finds_either_script(ctx, query):
    person = persons.register(ctx, names=["Айгүл Садыкова"], date_of_birth="17.05.1990",
                              phones=["8 701 555 12 34"])
    persons.register(ctx, names=["Дана Серикова"], date_of_birth="1991-01-01", phones=[])
    found = persons.search(ctx, query)
    assert [p.case_code for p in found] == [person.case_code]


def test_search_by_date_of_birth_and_phone(ctx):
    person = persons.register(ctx, names=["Aigul"], date_of_birth="1990-05-17",
                              phones=["+7 701 555 1234"])
    assert persons.search(ctx, "17/05/1990") == [person]
    assert persons.search(ctx, "87015551234") == [person]
    assert persons.search(ctx, "1990-05-18") == []


def test_read_round_trip(ctx):
    person = persons.register(ctx, names=["Нұрсұлтан"], date_of_birth=None, phones=["123 4567"])
    record = persons.read(ctx, person)
    assert record.names == ["Нұрсұлтан"] and record.phones == ["123 4567"]
    assert record.date_of_birth is None
