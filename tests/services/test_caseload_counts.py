"""Issue 12: "my people" states its total from a caseload count the database keeps with
triggers on ``assignments``. Whatever writes the rows (the services, a direct UPDATE, a
cascade), the kept count equals a real count; ``senim check`` proves it and repairs it."""

from __future__ import annotations

import random

from sqlalchemy import delete, func, select, update

from casework.extensions import db
from casework.models import Assignment, CaseloadCount, Person, Staff
from casework.services import access, accounts, caseloads, paging
from tests.support import make_staff
from tests.web.page_cost_support import add_people, service_ctx


def _real() -> dict[int, int]:
    return dict(db.session.execute(select(Assignment.staff_id, func.count()).where(
        Assignment.ended_at.is_(None)).group_by(Assignment.staff_id)).all())


def _kept() -> dict[int, int]:
    return {staff_id: n for staff_id, n in db.session.execute(select(
        CaseloadCount.staff_id, CaseloadCount.open_assignments)).all() if n}


def test_the_kept_count_follows_every_kind_of_write(app):
    logins = [make_staff(app, "caseworker") for _ in range(3)]
    with app.app_context():
        c = service_ctx(app, logins[0].public_id)
        staff = [accounts.by_public_id(c, s.public_id) for s in logins]
        codes = add_people(app, logins[0].public_id, 6)
        people = [db.session.scalar(select(Person).where(Person.case_code == code))
                  for code in codes]
        db.session.commit()
        rng = random.Random(12)
        for step in range(60):
            person, member = rng.choice(people), rng.choice(staff)
            kind = rng.choice(["assign", "assign", "unassign", "move", "reopen", "delete"])
            if kind == "assign":
                access.assign(c, person, member)
            elif kind == "unassign":
                access.unassign(c, person, member)
            elif kind == "move":  # an open or ended row handed to someone else
                row = db.session.scalar(select(Assignment).where(
                    Assignment.person_id == person.id).order_by(Assignment.id).limit(1))
                taken = db.session.scalar(select(Assignment.id).where(
                    Assignment.person_id == person.id, Assignment.staff_id == member.id,
                    Assignment.ended_at.is_(None)))
                if row is not None and (row.ended_at is not None or taken is None):
                    db.session.execute(update(Assignment).where(Assignment.id == row.id)
                                       .values(staff_id=member.id))
            elif kind == "reopen":
                row = db.session.scalar(select(Assignment).where(
                    Assignment.person_id == person.id, Assignment.staff_id == member.id,
                    Assignment.ended_at.is_not(None)).limit(1))
                if row is not None and not access.is_assigned(c, person, member):
                    db.session.execute(update(Assignment).where(Assignment.id == row.id)
                                       .values(ended_at=None))
            else:
                db.session.execute(delete(Assignment).where(
                    Assignment.person_id == person.id, Assignment.staff_id == member.id))
            db.session.commit()
            assert _kept() == _real(), (step, kind)
        # A person removed outright takes their assignments with them (ON DELETE CASCADE)
        assert _real(), "the walk should leave someone assigned"
        victim = max(people, key=lambda p: db.session.scalar(select(func.count()).where(
            Assignment.person_id == p.id, Assignment.ended_at.is_(None))))
        db.session.execute(delete(Person).where(Person.id == victim.id))
        db.session.commit()
        assert _kept() == _real()
        # And the people page states the kept number
        for member in staff:
            total = access.people_page(c, member, paging.PageRequest(size=2)).total
            assert total == _real().get(member.id, 0) == _kept().get(member.id, 0)


def test_a_removed_member_of_staff_takes_their_count_along(app):
    gone = make_staff(app, "caseworker")
    with app.app_context():
        add_people(app, gone.public_id, 2)
        db.session.commit()
        staff_id = db.session.scalar(select(Staff.id).where(Staff.public_id == gone.public_id))
        assert _kept()[staff_id] == 2
        db.session.execute(delete(Staff).where(Staff.id == staff_id))
        db.session.commit()
        assert db.session.get(CaseloadCount, staff_id) is None
        assert _kept() == _real()


def test_check_finds_and_repairs_a_wrong_count(app):
    mine = make_staff(app, "caseworker")
    with app.app_context():
        add_people(app, mine.public_id, 3)
        db.session.commit()
        c = service_ctx(app, mine.public_id)
        me = accounts.by_public_id(c, mine.public_id)
        assert caseloads.recount(c) == 0
        # Given someone edited the count by hand
        db.session.execute(update(CaseloadCount).where(CaseloadCount.staff_id == me.id)
                           .values(open_assignments=7))
        db.session.commit()
        assert access.people_page(c, me, paging.PageRequest(size=2)).total == 7
    # When the operator runs senim check
    result = app.test_cli_runner().invoke(args=["senim", "check", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert "1 caseload count(s) corrected" in result.output
    with app.app_context():
        assert _kept() == _real() == {me.id: 3}
        c = service_ctx(app, mine.public_id)
        assert access.people_page(c, me, paging.PageRequest(size=2)).total == 3
        # And a count row lost altogether is restored too
        db.session.execute(delete(CaseloadCount))
        db.session.commit()
        assert caseloads.recount(c) == 1
        db.session.commit()
        assert _kept() == {me.id: 3}
