"""Issue 13, point 6: one confirmation pattern for what cannot be undone.

Each irreversible action shows a box saying what will happen ("This cannot be undone") with
a required "Yes, I am sure"; the server refuses the action without that field (400) and
changes nothing. Sign-off, ending a designation and closing an urgent task are covered in
test_persons_pages.py and test_roster_tasks_pages.py.
"""

from __future__ import annotations

from tests.support import login, make_staff, post_form
from tests.web.test_disclosure_pages import act, draft, make_world, signed_in, state_of
from tests.web.test_privilege_grants import assignments


def test_cancelling_a_request_needs_the_confirmation(app):
    f = make_world(app)
    client = signed_in(app, f.caseworker)
    reference = draft(app, client, f)
    page = client.get(f"/disclosures/{reference}").get_data(as_text=True)
    assert 'class="confirm"' in page and "This cannot be undone." in page
    assert 'name="confirmed" value="yes" required' in page

    refused = act(client, reference, "cancel")
    assert refused.status_code == 400
    assert "needs your confirmation" in refused.get_data(as_text=True)
    assert state_of(app, reference) == "draft"

    done = act(client, reference, "cancel", confirmed="yes")
    assert done.status_code == 302
    assert state_of(app, reference) == "stopped"


def test_removing_an_assignment_needs_the_confirmation(app, client):
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Person, Staff
    from casework.services import access
    from tests.support import service_ctx

    worker = make_staff(app, "caseworker")
    director = make_staff(app, "director")
    with app.app_context():
        c = service_ctx(app, worker.public_id)
        from casework.services import persons

        person = persons.register(c, names=["Test Person"], date_of_birth=None, phones=[],
                                  profile={})
        staff = db.session.scalar(select(Staff).where(Staff.public_id == worker.public_id))
        access.assign(c, person, staff)
        db.session.commit()
        case_code = person.case_code
        assert db.session.scalar(select(Person).where(Person.case_code == case_code))
    login(client, app, director)
    page = client.get("/assignments/").get_data(as_text=True)
    assert "Remove Test caseworker" in page and "This cannot be undone." in page

    refused = post_form(client, "/assignments/", f"/assignments/{case_code}",
                        {"staff": worker.public_id, "action": "remove"})
    assert refused.status_code == 400
    assert len(assignments(app, worker.public_id)) == 1

    done = post_form(client, "/assignments/", f"/assignments/{case_code}",
                     {"staff": worker.public_id, "action": "remove", "confirmed": "yes"})
    assert done.status_code == 302
    assert assignments(app, worker.public_id) == []


def test_the_notice_is_shown_in_every_language_offered_and_labelled(app, client):
    """Issue 13.12 (rule 81): every language the form offers has its labelled text."""
    import re

    from casework.web.forms_casework import NoticeForm

    worker = make_staff(app, "caseworker")
    with app.app_context():
        from sqlalchemy import select

        from casework.extensions import db
        from casework.models import Staff
        from casework.services import access, persons
        from tests.support import service_ctx

        c = service_ctx(app, worker.public_id)
        person = persons.register(c, names=["Test Person"], date_of_birth=None, phones=[],
                                  profile={})
        access.assign(c, person, db.session.scalar(
            select(Staff).where(Staff.public_id == worker.public_id)))
        db.session.commit()
        code = person.case_code
    login(client, app, worker)
    page = client.get(f"/persons/{code}/notice").get_data(as_text=True)
    offered = re.findall(r'<option (?:selected )?value="([a-z]+)"', page)
    assert offered == ["kk", "ru", "en"]
    with app.test_request_context():
        assert [c for c, _l in NoticeForm().language.choices] == offered
    for code_, native in (("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")):
        assert f'<h2 id="notice-{code_}" class="notice-language"><span lang="{code_}">{native}' \
            in page
        assert f'<blockquote lang="{code_}" class="notice">' in page
    texts = re.findall(r'<blockquote lang="[a-z]+" class="notice"><p>(.*?)</p>', page, re.S)
    assert len(texts) == 3 and len(set(texts)) == 3, "each block in its own language"
