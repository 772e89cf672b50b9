"""The page's header is drawn once per kind of viewer and reused (casework/web/chrome.py,
issue 12): what it shows is exactly what drawing it afresh shows, for every role and
language, with this request's form token and path; a counter, a name or a language that
changes is never shown stale; hostile values in the reused parts are printed escaped."""

from __future__ import annotations

import re

import pytest
from flask import render_template
from flask_login import login_user
from flask_wtf.csrf import generate_csrf

from casework.web import chrome
from tests.support import csrf_token, login, make_staff
from tests.web.test_dashboard_pages import add_task
from tests.web.test_legal_pages import make_person

ROLES = ("caseworker", "psychologist", "legal_adviser", "liaison", "director", "auditor")


def _staff_row(app, public_id):
    from sqlalchemy import select

    from casework.extensions import db
    from casework.models import Staff

    return db.session.scalar(select(Staff).where(Staff.public_id == public_id))


def _afresh() -> str:
    return render_template("_chrome.html", csrf=generate_csrf(),
                           here=__import__("flask").request.path).lstrip("\n")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_the_reused_header_is_the_header_drawn_afresh(app, role, language):
    staff = make_staff(app, role)
    for path in ("/", "/persons/x", '/a"><script>alert(1)</script>'):
        with app.test_request_context(path, headers={"Accept-Language": language}):
            login_user(_staff_row(app, staff.public_id))
            first, second = str(chrome.page_chrome()), str(chrome.page_chrome())
            assert first == second == _afresh()
            assert "<script>alert(1)" not in first
            assert chrome._CSRF not in first and chrome._HERE not in first


def test_signed_out_visitors_get_the_header_without_a_menu(app):
    with app.test_request_context("/auth/login"):
        drawn = str(chrome.page_chrome())
        assert drawn == _afresh() and "<nav" not in drawn


def test_a_name_with_markup_or_directional_controls_is_printed_as_text(app):
    staff = make_staff(app, "caseworker")
    from casework.extensions import db

    with app.app_context():
        row = _staff_row(app, staff.public_id)
        row.display_name = "<b>Aigerim</b> \u202esenim-chrome-csrf-" + "0" * 32
        db.session.commit()
    with app.test_request_context("/"):
        login_user(_staff_row(app, staff.public_id))
        drawn = str(chrome.page_chrome())
    assert "&lt;b&gt;Aigerim&lt;/b&gt;" in drawn and "<b>Aigerim" not in drawn
    assert "\u2068" in drawn  # isolated, as every printed value is (bidi.py)
    # A marker is a random value of this process: a name that imitates one stays a name.
    assert "senim-chrome-csrf-" + "0" * 32 in drawn


def test_a_new_task_a_new_name_and_a_new_language_are_never_shown_stale(app, client):
    worker = make_staff(app, "caseworker")
    mine = make_person(app, worker)
    login(client, app, worker)
    page = client.get("/").get_data(as_text=True)
    assert "nav-count-tasks" not in page
    add_task(app, mine)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'nav-count-tasks"><span aria-hidden="true">1<', page)
    from casework.extensions import db

    with app.app_context():
        _staff_row(app, worker.public_id).display_name = "Renamed Worker"
        db.session.commit()
    assert "Renamed Worker" in client.get("/").get_data(as_text=True)
    page = client.get("/").get_data(as_text=True)
    client.post("/language", data={"csrf_token": csrf_token(page), "language": "kk",
                                   "next": "/"})
    assert "Шығу" in client.get("/").get_data(as_text=True)


def test_each_request_gets_its_own_form_token_and_path(app, client):
    worker = make_staff(app, "caseworker")
    login(client, app, worker)
    for path in ("/", "/tasks/", "/account/"):
        page = client.get(path).get_data(as_text=True)
        assert f'name="next" value="{path}"' in page
        # The language switch's token is this session's: using it works.
        token = re.search(r'action="/language"[^>]*>\s*<input type="hidden" '
                          r'name="csrf_token" value="([^"]+)"', page).group(1)
        assert client.post("/language", data={"csrf_token": token, "language": "en",
                                              "next": path}).status_code == 302


def test_the_cache_is_bounded():
    cache = chrome.ChromeCache(size=3)
    for n in range(10):
        cache.put((n,), str(n))
    assert cache.get((0,)) is None and cache.get((9,)) == "9"
    cache.get((7,))
    cache.put((10,), "10")
    assert cache.get((7,)) == "7" and cache.get((8,)) is None
