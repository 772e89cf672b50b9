"""Issue 12: "my people" is read a page at a time from the assignment index and the
emergency grants, merged in registration order, each person once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from casework.extensions import db
from casework.services import access, accounts, paging
from tests.support import make_staff
from tests.web.page_cost_support import add_people, service_ctx


def _codes(page: paging.Page) -> list[str]:
    return [p.case_code for p in page.items]


def test_assigned_and_emergency_people_merge_in_order_and_page_both_ways(app):
    mine = make_staff(app, "caseworker")
    other = make_staff(app, "caseworker")
    with app.app_context():
        # Given people registered alternately for me and for a colleague
        codes = []
        for _ in range(4):
            codes += add_people(app, mine.public_id, 1) + add_people(app, other.public_id, 1)
        c = service_ctx(app, mine.public_id)
        me = accounts.by_public_id(c, mine.public_id)
        # And emergency access to two of the colleague's people, one of them assigned to me
        # too (counted once)
        access.break_glass(c, me, codes[3], "She called at night; her caseworker is away.")
        access.break_glass(c, me, codes[5], "Police called about her at night, urgent.")
        access.assign(c, access.require_person(c, me, codes[5]), me)
        db.session.commit()
        visible = [codes[i] for i in (6, 5, 4, 3, 2, 0)]  # newest first
        # When I page through three at a time
        first = access.people_page(c, me, paging.PageRequest(size=3))
        assert (_codes(first), first.total, first.first, first.last) == (visible[:3], 6, 1, 3)
        second = access.people_page(c, me, paging.page_request(after=first.next_cursor,
                                                               size=3))
        assert (_codes(second), second.first, second.last) == (visible[3:], 4, 6)
        assert second.next_cursor is None and second.prev_cursor is not None
        back = access.people_page(c, me, paging.page_request(before=second.prev_cursor,
                                                             size=3))
        assert _codes(back) == visible[:3] and back.first == 1
        # And once the emergency access has expired, only my own people remain
        later = replace(c, now=c.now + timedelta(hours=2))
        assert _codes(access.people_page(later, me, paging.PageRequest(size=10))) == [
            codes[i] for i in (6, 5, 4, 2, 0)]


def test_one_open_assignment_per_person_even_when_two_assign_at_once(app, monkeypatch):
    """Issue 12: the unique partial index keeps one open row per (staff, person), so the
    page's plain COUNT is right; a second assign that raced past the check is absorbed."""
    import pytest
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from casework.models import Assignment

    mine = make_staff(app, "caseworker")
    with app.app_context():
        code = add_people(app, mine.public_id, 1)[0]
        c = service_ctx(app, mine.public_id)
        me = accounts.by_public_id(c, mine.public_id)
        person = access.require_person(c, me, code)
        # Given both requests passed the "not yet assigned" check before either wrote
        monkeypatch.setattr(access, "is_assigned", lambda *_: False)
        access.assign(c, person, me)
        access.assign(c, person, me)
        db.session.commit()
        open_rows = select(func.count()).select_from(Assignment).where(
            Assignment.person_id == person.id, Assignment.ended_at.is_(None))
        assert db.session.scalar(open_rows) == 1
        assert access.people_page(c, me, paging.PageRequest(size=3)).total == 1
        # An ended assignment does not block a new one
        monkeypatch.undo()
        access.unassign(c, person, me)
        access.assign(c, person, me)
        db.session.commit()
        assert db.session.scalar(open_rows) == 1
        assert db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.person_id == person.id)) == 2
        # And the database itself refuses a second open row
        db.session.add(Assignment(person_id=person.id, staff_id=me.id))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
