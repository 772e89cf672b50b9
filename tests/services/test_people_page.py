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
