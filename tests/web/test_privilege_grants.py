"""Separation of duties on privilege (issue 11, point 3), through the real pages.

The attack reviewers found: a director (who must never read victim content) creates a
caseworker account for themself, is shown its temporary password, assigns any person to it
and reads the whole record. Each test below fails on the code before issue 11.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time

from casework.models.base import utcnow
from tests.support import (
    approve_pending,
    audit_rows,
    csrf_token,
    db_execute,
    login,
    make_staff,
    pending_grants,
    post_form,
    print_letter,
)
from tests.web.test_legal_pages import make_person

PASSWORD_SHAPE = re.compile(r"[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}-[a-z2-9]{5}")


def assignments(app, staff_public_id: str) -> list:
    return db_execute(app, "SELECT a.id FROM assignments a JOIN staff s ON s.id = a.staff_id "
                      "WHERE s.public_id = :p AND a.ended_at IS NULL", p=staff_public_id)


def notices(app, staff_public_id: str, kind: str) -> list:
    return db_execute(app, "SELECT n.object_ref FROM notifications n JOIN staff s ON "
                      "s.id = n.staff_id WHERE s.public_id = :p AND n.kind = :k",
                      p=staff_public_id, k=kind)


def assign(client, case_code: str, staff_public_id: str, **kwargs):
    return post_form(client, "/assignments/", f"/assignments/{case_code}",
                     {"staff": staff_public_id, "action": "assign"}, **kwargs)


def grant_form_post(client, public_id: str, action: str):
    page = client.get("/grants/").get_data(as_text=True)
    return client.post(f"/grants/{public_id}/{action}", data={"csrf_token": csrf_token(page)},
                       follow_redirects=True)


def can_read(app, user, case_code: str) -> bool:
    reader = app.test_client()
    login(reader, app, user)
    return reader.get(f"/persons/{case_code}").status_code == 200


@contextmanager
def single_administrator(app) -> Iterator[None]:
    settings = app.extensions["senim.settings"]
    app.extensions["senim.settings"] = settings.replace(single_administrator=True)
    try:
        yield
    finally:
        app.extensions["senim.settings"] = settings


def test_a_director_creating_an_account_for_themself_gets_no_password_and_no_access(app):
    director, second = make_staff(app, "director"), make_staff(app, "director")
    caseworker = make_staff(app, "caseworker")
    code = make_person(app, caseworker)
    boss = app.test_client()
    login(boss, app, director)

    responses = [post_form(boss, "/admin/staff/new", data={
        "email": "me.again@test.senim.kz", "display_name": "Me Again",
        "role": "caseworker"})]
    assert responses[0].status_code == 302
    alias = db_execute(app, "SELECT public_id, is_active FROM staff WHERE email = "
                            "'me.again@test.senim.kz'")[0]
    assert not alias.is_active
    responses.append(boss.get(responses[0].location))
    responses.append(boss.get("/admin/staff"))
    responses.append(boss.get("/grants/"))
    # The requester can never approve their own request.
    [grant] = pending_grants(app, "account")
    responses.append(grant_form_post(boss, grant.public_id, "approve"))
    assert "another person must approve" in responses[-1].get_data(as_text=True)
    assert pending_grants(app, "account") and not db_execute(
        app, "SELECT 1 FROM staff WHERE public_id = :p AND is_active", p=alias.public_id)
    # Nor assign a person to the account with effect.
    responses.append(assign(boss, code, alias.public_id, follow_redirects=True))
    assert assignments(app, alias.public_id) == []
    # No response to the creator ever carried a password.
    for response in responses:
        body = response.get_data(as_text=True)
        assert not PASSWORD_SHAPE.search(body) and '<code class="secret">' not in body

    # A second director approves the account; the creator still cannot print its letter.
    other = app.test_client()
    login(other, app, second)
    assert len(approve_pending(other, "account")) == 1
    refused = print_letter(boss, app, director, alias.public_id)
    assert refused.status_code == 302 and not PASSWORD_SHAPE.search(
        boss.get("/grants/").get_data(as_text=True))
    assert [r.outcome for r in audit_rows(app, "staff.letter_issue")] == ["denied"]
    # The assignment is still only a request; the person's caseworker was told about it.
    assert assignments(app, alias.public_id) == []
    [assignment] = pending_grants(app, "assignment")
    assert notices(app, caseworker.public_id, "grant_requested") == [
        (assignment.public_id,)]
    assert [r.object_ref for r in audit_rows(app, "grant.approve")
            if r.outcome == "denied"] == [grant.public_id]


def test_assigning_a_person_to_an_account_the_director_controls_needs_a_second_person(app):
    director, second = make_staff(app, "director"), make_staff(app, "director")
    auditor, caseworker = make_staff(app, "auditor"), make_staff(app, "caseworker")
    controlled = make_staff(app, "caseworker")  # an account whose password they know
    code = make_person(app, caseworker)
    boss = app.test_client()
    login(boss, app, director)
    response = assign(boss, code, controlled.public_id, follow_redirects=True)
    assert "another director approves" in response.get_data(as_text=True)
    assert "Waiting for approval: Test caseworker" in response.get_data(as_text=True)
    assert not can_read(app, controlled, code)
    [grant] = pending_grants(app, "assignment")
    assert grant.requested_by == director.public_id
    assert "another person must approve" in grant_form_post(
        boss, grant.public_id, "approve").get_data(as_text=True)
    assert not can_read(app, controlled, code)
    # Everyone who can stop it was told: the other director, the auditor, the caseworker.
    for watcher in (second, auditor, caseworker):
        assert notices(app, watcher.public_id, "grant_requested") == [(grant.public_id,)]
    assert notices(app, director.public_id, "grant_requested") == []

    other = app.test_client()
    login(other, app, second)
    assert approve_pending(other, "assignment") == [grant.public_id]
    assert can_read(app, controlled, code)
    assert notices(app, controlled.public_id, "assigned") == [(code,)]
    assert [r.outcome for r in audit_rows(app, "grant.effective")] == ["grant_approved"]


def test_the_affected_caseworker_blocks_an_assignment(app):
    director, second = make_staff(app, "director"), make_staff(app, "director")
    caseworker, stranger = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    newcomer = make_staff(app, "psychologist")
    code = make_person(app, caseworker)
    boss = app.test_client()
    login(boss, app, director)
    assign(boss, code, newcomer.public_id)
    [grant] = pending_grants(app)
    # A caseworker with no stake in the person sees nothing and cannot block.
    outsider = app.test_client()
    login(outsider, app, stranger)
    assert grant.public_id not in outsider.get("/grants/").get_data(as_text=True)
    assert "You cannot block" in grant_form_post(outsider, grant.public_id,
                                                 "block").get_data(as_text=True)
    carer = app.test_client()
    login(carer, app, caseworker)
    assert grant.public_id in carer.get("/grants/").get_data(as_text=True)
    assert "Blocked." in grant_form_post(carer, grant.public_id, "block").get_data(as_text=True)
    other = app.test_client()
    login(other, app, second)
    assert approve_pending(other) == []
    assert assignments(app, newcomer.public_id) == []
    assert notices(app, director.public_id, "grant_blocked") == [(grant.public_id,)]


def test_single_administrator_grants_take_effect_after_24_hours_unless_blocked(app):
    director, auditor = make_staff(app, "director"), make_staff(app, "auditor")
    caseworker = make_staff(app, "caseworker")
    helper, intruder = make_staff(app, "psychologist"), make_staff(app, "legal_adviser")
    code = make_person(app, caseworker)
    from casework import jobs

    with single_administrator(app), freeze_time(utcnow()) as clock:
        boss = app.test_client()
        login(boss, app, director)
        response = assign(boss, code, helper.public_id, follow_redirects=True)
        assert "takes effect in 24 hours" in response.get_data(as_text=True)
        assign(boss, code, intruder.public_id)
        helper_grant, intruder_grant = pending_grants(app)
        for watcher in (auditor, caseworker):
            assert {r.object_ref for r in db_execute(
                app, "SELECT n.object_ref FROM notifications n JOIN staff s ON s.id = "
                "n.staff_id WHERE s.public_id = :p AND n.kind = 'grant_requested' "
                "AND n.urgent", p=watcher.public_id)} == {helper_grant.public_id,
                                                          intruder_grant.public_id}
        # The auditor blocks one of them an hour later.
        clock.tick(timedelta(hours=1))
        watch = app.test_client()
        login(watch, app, auditor)
        assert "Blocked." in grant_form_post(watch, intruder_grant.public_id,
                                             "block").get_data(as_text=True)

        clock.tick(timedelta(hours=22, minutes=59))
        assert jobs.apply_due_grants(app) == 0
        assert not can_read(app, helper, code)

        clock.tick(timedelta(minutes=2))  # 24 hours and a minute after the request
        assert jobs.apply_due_grants(app) == 1
        assert jobs.apply_due_grants(app) == 0  # idempotent
        assert can_read(app, helper, code)
        assert not can_read(app, intruder, code)
        clock.tick(timedelta(days=3))
        assert jobs.apply_due_grants(app) == 0
        assert not can_read(app, intruder, code)
    assert [r.outcome for r in audit_rows(app, "grant.effective")] == ["grant_delay_passed"]


def test_single_administrator_delay_is_also_applied_when_the_page_is_read(app):
    director, liaison = make_staff(app, "director"), make_staff(app, "liaison")
    with single_administrator(app), freeze_time(utcnow()) as clock:
        boss = app.test_client()
        login(boss, app, director)
        post_form(boss, "/roster/", "/roster/designate",
                  {"liaison": liaison.public_id, "designation": "liaison"})
        assert db_execute(app, "SELECT 1 FROM liaison_designations") == []
        clock.tick(timedelta(hours=24, seconds=1))
        boss = app.test_client()
        login(boss, app, director)
        assert boss.get("/grants/").status_code == 200
        assert len(db_execute(app, "SELECT 1 FROM liaison_designations "
                                   "WHERE ended_at IS NULL")) == 1


def test_role_change_and_reactivation_wait_for_a_second_director(app):
    director, second = make_staff(app, "director"), make_staff(app, "director")
    target = make_staff(app, "auditor")
    boss = app.test_client()
    login(boss, app, director)
    detail = f"/admin/staff/{target.public_id}"
    response = post_form(boss, detail, f"{detail}/role", {"role": "caseworker"},
                         follow_redirects=True)
    assert "another director approves" in response.get_data(as_text=True)
    assert db_execute(app, "SELECT role FROM staff WHERE public_id = :p",
                      p=target.public_id)[0].role == "auditor"
    # One pending change per account; none for oneself.
    response = post_form(boss, detail, f"{detail}/role", {"role": "director"},
                         follow_redirects=True)
    assert "already waiting" in response.get_data(as_text=True)
    own = f"/admin/staff/{director.public_id}"
    response = post_form(boss, own, f"{own}/role", {"role": "caseworker"},
                         follow_redirects=True)
    assert "You cannot ask for access for yourself." in response.get_data(as_text=True)
    assert [r.outcome for r in audit_rows(app, "grant.request")].count("denied") == 2
    other = app.test_client()
    login(other, app, second)
    assert len(approve_pending(other, "role")) == 1
    assert db_execute(app, "SELECT role FROM staff WHERE public_id = :p",
                      p=target.public_id)[0].role == "caseworker"
