"""Issue 12: a paged list whose query is a template (built once, values bound by name)
has its derived statements built once too. What this must never do: show one person's
rows on another person's page, take a cursor from another list as a position in this one,
or cache a query that carries a value of its own."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, select

from casework.extensions import db
from casework.models import CaseNote
from casework.services import access, accounts, casenotes, paging
from tests.support import make_staff
from tests.web.page_cost_support import add_people, service_ctx


def _bodies(page: paging.Page) -> list[str]:
    return [body for _, body in page.items]


def _two_people(app, notes: int):  # type: ignore[no-untyped-def]
    """Two people with ``notes`` notes each, both assigned to one caseworker; call inside
    an app context. Returns the service context and the two people."""
    staff = make_staff(app, "caseworker")
    first_code, second_code = add_people(app, staff.public_id, 2, notes=notes)
    c = service_ctx(app, staff.public_id)
    me = accounts.by_public_id(c, staff.public_id)
    return c, access.require_person(c, me, first_code), access.require_person(c, me, second_code)


def test_each_person_sees_only_their_own_notes_in_every_direction(app):
    with app.app_context():
        c, first, second = _two_people(app, notes=5)
        # Given a note that tells the two people apart
        casenotes.add(c, second, kind=casenotes.NoteKind.NOTE, body="Only hers",
                      occurred_on=casenotes.clock.today(c))
        db.session.commit()
        for _ in range(2):  # the second round runs on the statements built by the first
            for person, count in ((first, 5), (second, 6)):
                top = casenotes.page_for_person(c, person, paging.PageRequest(size=2))
                assert top.total == count
                after = casenotes.page_for_person(c, person, paging.page_request(
                    after=top.next_cursor, size=2))
                back = casenotes.page_for_person(c, person, paging.page_request(
                    before=after.prev_cursor, size=2))
                assert _bodies(back) == _bodies(top)
                rows = [note for page in (top, after, back) for note, _ in page.items]
                assert {note.person_id for note in rows} == {person.id}
                assert ("Only hers" in _bodies(top)) is (person is second)


def test_a_cursor_from_another_persons_list_starts_this_one_at_the_top(app):
    with app.app_context():
        c, first, second = _two_people(app, notes=4)
        theirs = casenotes.page_for_person(c, second, paging.PageRequest(size=2))
        mine = casenotes.page_for_person(c, first, paging.page_request(
            after=theirs.next_cursor, size=2))
        assert mine.first == 1 and mine.prev_cursor is None
        assert {note.person_id for note, _ in mine.items} == {first.id}


def test_a_query_with_a_value_of_its_own_is_refused_as_a_template(app):
    with app.app_context():
        baked = select(CaseNote).where(CaseNote.person_id == 7)
        with pytest.raises(ValueError, match="named bind parameters"):
            paging.keyset(db.session, baked, (CaseNote.occurred_on, CaseNote.id),
                          paging.PageRequest(), {})
        # The same shape with its value bound by name is accepted
        template = select(CaseNote).where(CaseNote.person_id == bindparam("person_id"))
        page = paging.keyset(db.session, template, (CaseNote.occurred_on, CaseNote.id),
                             paging.PageRequest(), {"person_id": 7})
        assert page.items == [] and page.total == 0


def test_the_derived_statements_are_built_once(app):
    staff = make_staff(app, "caseworker")
    (code,) = add_people(app, staff.public_id, 1, notes=30)
    with app.app_context():
        c = service_ctx(app, staff.public_id)
        person = access.require_person(c, accounts.by_public_id(c, staff.public_id), code)
        wanted = paging.PageRequest(size=5)
        for _ in range(2):
            page = casenotes.page_for_person(c, person, wanted)
            page = casenotes.page_for_person(c, person, paging.page_request(
                after=page.next_cursor, size=5))
        built = dict(paging._SHAPES)
        for size in (5, 7):  # the page size is a bound value, not a new statement
            page = casenotes.page_for_person(c, person, paging.PageRequest(size=size))
            casenotes.page_for_person(c, person, paging.page_request(
                after=page.next_cursor, size=size))
        assert paging._SHAPES.keys() == built.keys()
        assert all(paging._SHAPES[key][1] is built[key][1] for key in built)
