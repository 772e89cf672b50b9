"""Issue 12, sixth pass: a search's statement is built once per shape and run with the
viewer's id and the time as bound values. Built for one viewer, it must never show that
viewer's people to the next one, nor keep an emergency grant alive past its hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from casework.extensions import db
from casework.services import access, accounts, paging, persons
from tests.support import make_staff


def _codes(page: paging.Page) -> list[str]:
    return sorted(p.case_code for p, _ in page.items)


def test_two_caseworkers_searching_one_name_each_see_only_their_own(app, ctx):
    mine, theirs = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    me = accounts.by_public_id(ctx, mine.public_id)
    them = accounts.by_public_id(ctx, theirs.public_id)
    # Given two people of the same name, one assigned to each caseworker
    first = persons.register(ctx, names=["Aigul Bekova"], date_of_birth="1992-02-29",
                             phones=["+7 701 555 12 34"])
    second = persons.register(ctx, names=["Айгүл Бекова"], date_of_birth="1992-02-29",
                              phones=["+7 701 555 12 34"])
    access.assign(ctx, first, me)
    access.assign(ctx, second, them)
    db.session.commit()
    # When each searches by name, date of birth and phone, twice over (warm statements)
    for _ in range(2):
        for query in ("Aigul Bekova", "Бекова Айгүл", "29.02.1992", "8 701 555 12 34"):
            for viewer, own, other in ((me, first, second), (them, second, first)):
                seen = access.visibility(ctx, viewer)
                # Then the results hold their own person only
                page = persons.search_page(ctx, query, paging.PageRequest(), visible=seen)
                assert _codes(page) == [own.case_code], (query, viewer.public_id)
                assert page.total == 1
                # And "someone else matches" is the other person, never their own
                hidden = persons.hidden_matches(ctx, query, visible=seen)
                assert [p.case_code for p in hidden] == [other.case_code]
        # And with no restriction both are found
        everyone = persons.search_page(ctx, "Aigul Bekova", paging.PageRequest(),
                                       visible=access.EVERYONE)
        assert _codes(everyone) == sorted([first.case_code, second.case_code])


def test_emergency_access_ends_in_search_when_its_hour_does(app, ctx):
    mine, theirs = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    me = accounts.by_public_id(ctx, mine.public_id)
    them = accounts.by_public_id(ctx, theirs.public_id)
    person = persons.register(ctx, names=["Dana Serikova"], date_of_birth=None, phones=[])
    access.assign(ctx, person, them)
    access.break_glass(ctx, me, person.case_code, "She called at night; her worker is away.")
    db.session.commit()
    now = persons.search_page(ctx, "Dana Serikova", paging.PageRequest(),
                              visible=access.visibility(ctx, me))
    assert _codes(now) == [person.case_code]
    later = replace(ctx, now=ctx.now + timedelta(hours=2))
    after = persons.search_page(later, "Dana Serikova", paging.PageRequest(),
                                visible=access.visibility(later, me))
    assert after.items == [] and after.total == 0
    assert persons.hidden_matches(later, "Dana Serikova",
                                  visible=access.visibility(later, me)) == [person]


def test_roles_outside_care_find_nobody(app, ctx):
    director = accounts.by_public_id(ctx, make_staff(app, "director").public_id)
    persons.register(ctx, names=["Dana Serikova"], date_of_birth=None, phones=[])
    db.session.commit()
    assert access.visibility(ctx, director) is None
    assert persons.search_page(ctx, "Dana Serikova", paging.PageRequest(),
                               visible=None).items == []
