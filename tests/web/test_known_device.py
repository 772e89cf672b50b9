"""Throttling an attacker cannot turn against the owner (issue 11, point 4).

Five wrong passwords from five addresses used to lock the owner out for five minutes, again
and again (keeping the on-duty liaison out during an emergency). Now the browser the owner
signed in from before carries a signed device cookie (OWASP's device-cookie pattern): the
owner still signs in from it, every unknown device is throttled, the owner and the director
are told (content-free), and nothing is ever locked for good.
"""

from __future__ import annotations

from datetime import timedelta

from casework.models.base import utcnow
from tests.support import (
    audit_rows,
    csrf_token,
    db_execute,
    forget_last_totp_step,
    login,
    make_staff,
    post_form,
    update_table,
)
from tests.web.test_throttle import TOO_MANY, client_from, fail, password_step, succeeds

COOKIE = "senim-device"


def attack(app, email: str) -> None:
    """Five wrong passwords, each from a different address (a botnet, or a mobile network)."""
    for i in range(5):
        fail(client_from(app, f"203.0.113.{i + 1}"), email, 1)


def owner_device(app, user):
    """The owner's own browser: signed in once (gets the device cookie), then signed out."""
    device = client_from(app, "10.20.0.5")
    login(device, app, user)
    post_form(device, "/", "/auth/logout")
    forget_last_totp_step(app, user.public_id)
    return device


def sign_in_alerts(app, public_id: str) -> list:
    return db_execute(app, "SELECT n.object_ref, n.urgent FROM notifications n JOIN staff s "
                      "ON s.id = n.staff_id WHERE s.public_id = :p AND n.kind = "
                      "'sign_in_attack'", p=public_id)


def test_the_owner_signs_in_from_a_known_device_while_the_attack_is_throttled(app):
    liaison, director = make_staff(app, "liaison"), make_staff(app, "director")
    device = owner_device(app, liaison)
    attack(app, liaison.email)
    # A new device is throttled even with the right password, even from the owner's address.
    assert not succeeds(client_from(app, "10.20.0.5"), app, liaison)
    assert not succeeds(client_from(app, "198.51.100.7"), app, liaison)
    # The owner, from their own browser, is not.
    assert login(device, app, liaison).request.path == "/"
    assert device.get("/roster/").status_code == 200
    # What made the difference: the signed device cookie, kept across signing out.
    cookie = device.get_cookie(COOKIE)
    assert cookie is not None and cookie.value.startswith(liaison.public_id + ".")
    assert cookie.http_only and cookie.same_site == "Strict"

    # Told once, without saying from where: the owner and the director.
    assert sign_in_alerts(app, liaison.public_id) == [(liaison.public_id, True)]
    assert sign_in_alerts(app, director.public_id) == [(liaison.public_id, True)]
    assert [r.object_ref for r in audit_rows(app, "auth.attack")] == [liaison.public_id]


def test_a_forged_or_foreign_device_cookie_counts_as_an_unknown_device(app):
    owner, other = make_staff(app, "caseworker"), make_staff(app, "caseworker")
    theirs = owner_device(app, other)
    attack(app, owner.email)
    forged = client_from(app, "10.20.0.9")
    forged.set_cookie(COOKIE, f"{owner.public_id}.bm9uY2U.{'0' * 64}")
    assert not succeeds(forged, app, owner)
    # A genuine cookie, but for another account, does not help either.
    assert not succeeds(theirs, app, owner)
    assert succeeds(theirs, app, other)


def test_guessing_on_a_known_device_is_throttled_per_device(app):
    owner = make_staff(app, "caseworker")
    device = owner_device(app, owner)
    fail(device, owner.email, 5)
    body = password_step(device, owner.email, owner.password).get_data(as_text=True)
    assert TOO_MANY in body
    # The device's own mistakes do not throttle (or alarm about) the account elsewhere.
    assert succeeds(client_from(app, "198.51.100.8"), app, owner)
    assert sign_in_alerts(app, owner.public_id) == []


def test_no_permanent_lockout_the_window_passes(app):
    owner = make_staff(app, "caseworker")
    attack(app, owner.email)
    assert not succeeds(client_from(app, "198.51.100.9"), app, owner)
    past = utcnow() - timedelta(minutes=6)
    update_table(app, "login_attempts", {"at": past})
    assert succeeds(client_from(app, "198.51.100.9"), app, owner)


def test_step_up_from_the_known_device_survives_the_attack(app):
    liaison = make_staff(app, "liaison")
    device = owner_device(app, liaison)
    login(device, app, liaison)
    attack(app, liaison.email)
    forget_last_totp_step(app, liaison.public_id)
    from tests.support import current_code

    page = device.get("/auth/step-up?next=/").get_data(as_text=True)
    response = device.post("/auth/step-up", data={
        "csrf_token": csrf_token(page), "password": liaison.password,
        "code": current_code(liaison.totp_secret), "next": "/"})
    assert response.status_code == 302
    assert [r.outcome for r in audit_rows(app, "auth.step_up")] == ["ok"]
