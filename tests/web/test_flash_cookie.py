"""A message flashed to a signed-in member of staff travels in a sealed cookie of its own
(casework/services/flash_cookies.py, issue 12): it is shown once, never written to the
session's row, opaque to the browser, and worthless in any other session or after the idle
limit. A cookie that does not open is dropped without a word, never a 500."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta

import pytest

from casework.services import flash_cookies
from tests.support import csrf_token, login, make_staff, session_rows
from tests.web.test_legal_pages import make_person

COOKIE = "senim-flash"


def _add_note(client, code: str, body: str = "Called back, all well.") -> object:
    page = client.get(f"/persons/{code}").get_data(as_text=True)
    return client.post(f"/persons/{code}/notes", data={
        "csrf_token": csrf_token(page), "kind": "note",
        "occurred_on": date.today().isoformat(), "body": body})


@pytest.fixture
def worker(app, client):
    staff = make_staff(app, "caseworker")
    code = make_person(app, staff)
    login(client, app, staff)
    return staff, code


def test_a_message_is_sealed_shown_once_and_never_stored(app, client, worker):
    staff, code = worker
    response = _add_note(client, code)
    assert response.status_code == 302
    sealed = client.get_cookie(COOKIE)
    assert sealed is not None and sealed.http_only and sealed.same_site == "Strict"
    raw = base64.urlsafe_b64decode(sealed.value + "=" * (-len(sealed.value) % 4))
    assert b"Saved" not in raw and "Saved" not in sealed.value
    assert all("_flashes" not in row.data for row in session_rows(app, staff.public_id))
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert shown.count("Saved.") == 1
    assert client.get_cookie(COOKIE) is None  # taken off with the page that showed it
    assert "Saved." not in client.get(f"/persons/{code}").get_data(as_text=True)


def test_messages_not_yet_seen_are_kept_once_each(app, client, worker):
    _, code = worker
    for n in range(3):
        assert _add_note(client, code, f"Note {n}").status_code == 302
    shown = client.get("/").get_data(as_text=True)
    assert shown.count("Saved.") == 1


def test_another_sessions_message_means_nothing_here(app, client, worker):
    _, code = worker
    other_client = app.test_client()
    other = make_staff(app, "caseworker")
    other_code = make_person(app, other)
    login(other_client, app, other)
    _add_note(other_client, other_code)
    stolen = other_client.get_cookie(COOKIE).value
    client.set_cookie(COOKIE, stolen)
    page = client.get(f"/persons/{code}")
    assert page.status_code == 200 and "Saved." not in page.get_data(as_text=True)
    assert client.get_cookie(COOKIE) is None  # dropped


@pytest.mark.parametrize("value", ["", "x", "!!!!", "A" * 3900, "AAAA" * 40, "%00%ff",
                                   "AQAAA-_" * 9])
def test_a_cookie_that_does_not_open_is_dropped_without_an_error(app, client, worker, value):
    _, code = worker
    client.set_cookie(COOKIE, value)
    page = client.get(f"/persons/{code}")
    assert page.status_code == 200
    assert client.get_cookie(COOKIE) is None  # dropped, nothing shown from it


def test_an_altered_cookie_is_dropped(app, client, worker):
    _, code = worker
    _add_note(client, code)
    value = client.get_cookie(COOKIE).value
    flipped = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    client.set_cookie(COOKIE, flipped)
    assert "Saved." not in client.get(f"/persons/{code}").get_data(as_text=True)


def test_a_message_older_than_the_idle_limit_is_not_shown(app, client, worker):
    staff, code = worker
    with app.app_context():
        keys = app.extensions["senim.keys"]
        sid = client.get_cookie("senim").value
        old = flash_cookies.seal_flashes(keys, sid, [["success", "Saved."]],
                                         now=datetime.now(UTC) - timedelta(hours=1))
        fresh = flash_cookies.seal_flashes(keys, sid, [["success", "Saved."]],
                                           now=datetime.now(UTC))
    client.set_cookie(COOKIE, old)
    assert "Saved." not in client.get(f"/persons/{code}").get_data(as_text=True)
    client.set_cookie(COOKIE, fresh)
    assert "Saved." in client.get(f"/persons/{code}").get_data(as_text=True)


# --- The sealing itself -------------------------------------------------------------------


def test_sealing_round_trips_only_for_its_own_session_and_within_its_age(app):
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    idle = timedelta(minutes=15)
    with app.app_context():
        keys = app.extensions["senim.keys"]
        flashes = [["success", "Entry ИН-7 \"saved\" <b>"], ["error", "Қате"]]
        sealed = flash_cookies.seal_flashes(keys, "sid-a", flashes, now=now)
        assert sealed is not None and "saved" not in sealed
        assert flash_cookies.open_flashes(keys, "sid-a", sealed, now=now, max_age=idle) == flashes
        assert flash_cookies.open_flashes(keys, "sid-b", sealed, now=now, max_age=idle) == []
        later = now + idle + timedelta(seconds=1)
        assert flash_cookies.open_flashes(keys, "sid-a", sealed, now=later, max_age=idle) == []
        assert flash_cookies.seal_flashes(keys, "sid-a", [["m", "x" * 4000]], now=now) is None


def test_a_forged_key_version_does_not_make_the_key_file_be_read(app, monkeypatch):
    with app.app_context():
        keys = app.extensions["senim.keys"]
        sealed = flash_cookies.seal_flashes(keys, "sid", [["m", "x"]], now=datetime.now(UTC))
        raw = bytearray(base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4)))
        raw[1:5] = (999).to_bytes(4, "big")  # the header's key version
        forged = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")

        def refuse() -> None:
            raise AssertionError("the key file was read again")

        monkeypatch.setattr(keys, "reload", refuse)
        assert flash_cookies.open_flashes(keys, "sid", forged, now=datetime.now(UTC),
                                          max_age=timedelta(minutes=15)) == []
