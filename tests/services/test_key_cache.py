"""The per-unit-of-work key cache (issue 12, item 2): one unwrap per key and unit of work,
never shared between units, and right across a data-key rotation and a shredding."""

from __future__ import annotations

from dataclasses import replace

import pytest

from casework.services import keyops, persons, subjects
from casework.services.keycache import KeyCache


def _person(ctx):
    person = persons.register(ctx, names=["Айгүл Садықова", "Aigul Sadykova"],
                              date_of_birth="1990-05-17", phones=["+7 701 555 1234"],
                              profile={"gender": "female"})
    ctx.session.flush()
    return person


def _unwraps(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = subjects.unwrap_key

    def counting(keks, wrapped, *, subject, purpose):  # type: ignore[no-untyped-def]
        seen.append(subject)
        return original(keks, wrapped, subject=subject, purpose=purpose)

    monkeypatch.setattr(subjects, "unwrap_key", counting)
    return seen


def test_a_unit_of_work_unwraps_a_key_once_and_another_unit_again(ctx, monkeypatch):
    person = _person(ctx)
    reader = replace(ctx, key_cache=KeyCache())
    seen = _unwraps(monkeypatch)
    for _ in range(3):
        assert persons.read(reader, person).names[0] == "Айгүл Садықова"
    assert seen == [person.subject_id]
    # as_actor keeps the unit's cache; a new context starts empty
    assert reader.as_actor("someone").key_cache is reader.key_cache
    other = replace(ctx, key_cache=KeyCache())
    persons.read(other, person)
    assert len(seen) == 2


def test_rotation_in_the_same_unit_seals_and_reads_under_the_new_key(ctx):
    person = _person(ctx)
    assert persons.read(ctx, person).phones == ["+7 701 555 1234"]  # version 1 cached
    assert keyops.rotate_data_key(ctx, person.subject_id) == 2
    assert ctx.key_cache.get(subjects.KEY_KIND, person.subject_id, 1) is None
    persons.update(ctx, person, names=["Aigul Sadykova"], date_of_birth=None,
                   phones=["+7 701 000 0000"], profile={"gender": "female"})
    assert person.phones_ciphertext[1:5] == (2).to_bytes(4, "big")
    fresh = replace(ctx, key_cache=KeyCache())
    assert persons.read(fresh, person).phones == ["+7 701 000 0000"]


def test_shredding_forgets_the_keys(ctx):
    person = _person(ctx)
    persons.read(ctx, person)
    subjects.forget_keys(ctx, person.subject_id)
    assert len(ctx.key_cache) == 0


def test_the_cache_is_bounded():
    from crypto import SecretKey

    cache = KeyCache(max_entries=3)
    for n in range(5):
        cache.put("subject", f"s{n}", SecretKey(1, bytes(32)), wrapped=b"w")
    assert len(cache) == 3
    assert cache.get("subject", "s0", 1) is None and cache.get("subject", "s4", 1) is not None
    assert cache.get("subject", "s4", 1, wrapped=b"other") is None  # stored row changed
    cache.clear()
    assert len(cache) == 0


@pytest.mark.parametrize("count", [1, 7])
def test_preload_unwraps_a_page_of_keys_in_one_statement(app, ctx, count):
    from tests.web.page_cost_support import counting_statements

    people = [_person(ctx) for _ in range(count)]
    fresh = replace(ctx, key_cache=KeyCache())
    with counting_statements(app) as counter:
        subjects.preload_keys(fresh, [p.subject_id for p in people])
    assert counter.count == 1 and fresh.key_cache.unwraps == count
    with counting_statements(app) as counter:
        for p in people:
            persons.read(fresh, p)
    assert counter.count == 0
