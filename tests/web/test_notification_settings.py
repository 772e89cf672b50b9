"""Notification settings under My account, the test message, the director's delivery page
and the same settings in the API (issue 10, item 4)."""

from __future__ import annotations

import pytest

from casework import jobs
from tests.smtp_support import (
    PUBLIC_URL,
    mail_app_fixture,  # noqa: F401  (fixture "mail_app")
    smtp_server_fixture,  # noqa: F401  (fixture "smtp_server")
    text_of,
)
from tests.support import (
    audit_rows,
    bearer,
    db_execute,
    login,
    make_staff,
    make_token,
    post_form,
    table_counts,
)

PAGE = "/account/notifications"
ADDRESS = "my.own+senim@example.net"


def _save(client, address: str, opted_in: bool):
    data = {"address": address}
    if opted_in:
        data["opted_in"] = "y"
    return post_form(client, PAGE, data=data)


def test_opt_in_with_my_own_address_is_sealed_and_audited_without_it(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Notifications by e-mail" in page.get_data(as_text=True)
    response = _save(client, ADDRESS, True)
    assert response.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert ADDRESS in page and "checked" in page
    # Stored sealed, never in the clear; the audit trail records the change, not the value.
    rows = db_execute(app, "SELECT address_ciphertext, opted_in FROM notification_channels")
    assert len(rows) == 1 and rows[0][1]
    assert ADDRESS.encode() not in bytes(rows[0][0])
    [event] = audit_rows(app, "account.notification_settings")
    assert event.outcome == "opted_in" and event.object_ref == user.public_id
    assert ADDRESS not in repr(tuple(event))


@pytest.mark.parametrize(("address", "opted_in"), [
    ("not-an-address", True), ("", True), ("a@b", True), ("x@example.org\r\nBcc: y@z.org", True),
    ("two@@example.org", False), ("a" * 250 + "@example.org", True)])
def test_a_bad_address_is_refused_and_changes_nothing(app, client, address, opted_in):
    user = make_staff(app, "liaison")
    login(client, app, user)
    before = table_counts(app, exclude=("audit_events", "audit_chain_head", "staff_sessions"))
    response = _save(client, address, opted_in)
    assert response.status_code == 422
    assert 'role="alert"' in response.get_data(as_text=True)
    assert table_counts(app, exclude=("audit_events", "audit_chain_head",
                                      "staff_sessions")) == before


def test_opting_out_and_clearing_the_address(app, client):
    user = make_staff(app, "psychologist")
    login(client, app, user)
    assert _save(client, ADDRESS, True).status_code == 302
    assert _save(client, "", False).status_code == 302
    rows = db_execute(app, "SELECT address_ciphertext, opted_in FROM notification_channels")
    assert rows[0][0] is None and not rows[0][1]
    outcomes = [e.outcome for e in audit_rows(app, "account.notification_settings")]
    assert outcomes == ["opted_in", "opted_out"]


def test_the_test_message_reaches_my_address_in_my_language(app, client, mail_app):
    user = make_staff(app, "liaison")
    login(client, app, user)
    _save(client, ADDRESS, False)  # a test message needs the address, not the opt-in
    response = post_form(client, PAGE, "/account/notifications/test",
                         follow_redirects=True)
    assert "A test message was sent" in response.get_data(as_text=True)
    [message] = mail_app.to(ADDRESS)
    assert message["Subject"] == "Senim: test message"
    assert PUBLIC_URL + "/" in text_of(message)
    assert user.public_id not in text_of(message)
    assert [e.outcome for e in audit_rows(app, "account.notification_test")] == ["ok"]


def test_the_test_message_when_the_server_is_down_says_so(app, client, mail_app):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    _save(client, ADDRESS, True)
    mail_app.stop()
    response = post_form(client, PAGE, "/account/notifications/test",
                         follow_redirects=True)
    assert "could not be sent" in response.get_data(as_text=True)
    assert [e.outcome for e in audit_rows(app, "account.notification_test")] == ["failed"]


def test_without_e_mail_set_up_the_page_says_so_and_nothing_is_sent(app, client):
    user = make_staff(app, "caseworker")
    login(client, app, user)
    _save(client, ADDRESS, True)
    assert "not set up" in client.get(PAGE).get_data(as_text=True)
    response = post_form(client, PAGE, "/account/notifications/test",
                         follow_redirects=True)
    assert "not set up for this organisation" in response.get_data(as_text=True)
    assert jobs.send_notifications(app) == {}


def test_the_director_sees_failing_deliveries_by_staff_member_without_content(
        app, client, mail_app):
    from casework.extensions import db
    from casework.services import accounts, notifications, outbox
    from tests.support import service_ctx

    worker = make_staff(app, "caseworker")
    with app.app_context():
        c = service_ctx(app)
        staff = accounts.by_public_id(c, worker.public_id)
        staff.display_name = "Dana Failing"
        outbox.update_settings(c, staff, address=ADDRESS, opted_in=True)
        notifications.notify(c, staff, "urgent_safety_after_release", object_ref="P" * 32,
                             urgent=True)
        db.session.commit()
    mail_app.stop()
    assert jobs.send_notifications(app)["failed_attempts"] == 1

    director = make_staff(app, "director")
    login(client, app, director)
    page = client.get("/notifications/deliveries/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Dana Failing" in html and "Deliveries with problems" in html
    for secret in (ADDRESS, "P" * 32, "urgent_safety_after_release"):
        assert secret not in html
    assert "/notifications/deliveries/" in client.get("/admin/staff").get_data(as_text=True)


@pytest.mark.parametrize("role", ["caseworker", "liaison", "auditor"])
def test_only_the_director_opens_the_delivery_page(app, client, role):
    login(client, app, make_staff(app, role))
    assert client.get("/notifications/deliveries/").status_code == 403


def test_api_get_and_put_my_notification_settings(app, client):
    user = make_staff(app, "liaison")
    headers = bearer(make_token(app, user))
    assert client.get("/api/v1/account/notifications", headers=headers).get_json() == {
        "address": None, "opted_in": False, "enabled": False}
    response = client.put("/api/v1/account/notifications", headers=headers,
                          json={"address": ADDRESS, "opted_in": True})
    assert response.status_code == 200
    assert response.get_json() == {"address": ADDRESS, "opted_in": True, "enabled": False}
    assert client.get("/api/v1/account/notifications", headers=headers).get_json()[
        "address"] == ADDRESS
    before = table_counts(app, exclude=("audit_events", "audit_chain_head", "api_tokens"))
    for body, status in (({"address": "nope", "opted_in": True}, 422),
                         ({"address": ADDRESS}, 400), ({"address": 5, "opted_in": True}, 400),
                         ([], 400), ({"address": ADDRESS, "opted_in": "yes"}, 400)):
        answer = client.put("/api/v1/account/notifications", headers=headers, json=body)
        assert answer.status_code == status, body
    assert table_counts(app, exclude=("audit_events", "audit_chain_head",
                                      "api_tokens")) == before
    assert client.get("/api/v1/account/notifications", headers=headers).get_json()[
        "address"] == ADDRESS


def test_the_spec_documents_the_settings(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = spec["paths"]["/api/v1/account/notifications"]
    assert set(operations) == {"get", "put"}
    assert "422" in operations["put"]["responses"]
