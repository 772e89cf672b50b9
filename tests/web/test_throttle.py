"""Login throttling through the real sign-in form (security.md 6.14): per account, per
address, sliding window, never a permanent lock."""

from __future__ import annotations

from datetime import timedelta

from casework.models.base import utcnow
from tests.support import (
    audit_rows,
    csrf_token,
    current_code,
    db_execute,
    make_staff,
    update_table,
)

TOO_MANY = "Too many attempts"
FAILED = "Sign-in failed"


def client_from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def password_step(client, email: str, password: str):
    page = client.get("/auth/login")
    return client.post("/auth/login", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": email, "password": password}, follow_redirects=True)


def fail(client, email: str, times: int) -> None:
    for _ in range(times):
        body = password_step(client, email, "wrong password here").get_data(as_text=True)
        assert FAILED in body and TOO_MANY not in body


def succeeds(client, app, user) -> bool:
    """Password step reaches the code page (the account was not throttled)."""
    response = password_step(client, user.email, user.password)
    body = response.get_data(as_text=True)
    if TOO_MANY in body:
        return False
    assert response.request.path == "/auth/code", body[:300]
    return True


def test_sixth_attempt_is_refused_even_with_the_right_password(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.1")
    fail(client, user.email, 5)
    response = password_step(client, user.email, user.password)
    body = response.get_data(as_text=True)
    assert TOO_MANY in body
    assert response.request.path == "/auth/login"
    assert client.get("/auth/code").location.endswith("/auth/login")  # no pending login
    assert [r.outcome for r in audit_rows(app, "auth.login")] == ["fail"] * 5 + ["throttled"]


def test_five_failures_are_not_enough_to_throttle(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.2")
    fail(client, user.email, 4)
    assert succeeds(client, app, user)


def test_email_case_and_spaces_do_not_escape_the_account_limit(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.3")
    for variant in (user.email.upper(), f"  {user.email}", user.email.title(),
                    user.email, user.email.swapcase()):
        password_step(client, variant, "wrong password here")
    assert not succeeds(client, app, user)


def test_throttle_is_per_account_not_global(app):
    victim = make_staff(app, "caseworker")
    colleague = make_staff(app, "psychologist")
    client = client_from(app, "10.0.0.4")
    fail(client, victim.email, 5)
    assert not succeeds(client, app, victim)
    # Same address, another account: still under the per-address limit (20).
    assert succeeds(client_from(app, "10.0.0.4"), app, colleague)
    # The account limit follows the account to any address.
    assert not succeeds(client_from(app, "10.9.9.9"), app, victim)


def test_per_address_limit_works_across_accounts(app):
    user = make_staff(app, "caseworker")
    attacker = client_from(app, "10.0.0.5")
    for index in range(20):  # 20 different (unknown) accounts, one guess each
        fail(attacker, f"guess{index}@test.senim.kz", 1)
    assert not succeeds(attacker, app, user)
    # The same account from another address is unaffected.
    assert succeeds(client_from(app, "10.0.0.6"), app, user)


def test_the_window_slides(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.7")
    fail(client, user.email, 5)
    assert not succeeds(client, app, user)
    # Move one failure (the oldest) outside the 5-minute window: four remain inside it.
    # The refused attempt above was not recorded as a failure, so there are exactly 5.
    rows = db_execute(app, "SELECT id FROM login_attempts ORDER BY id")
    assert len(rows) == 5
    update_table(app, "login_attempts", {"at": utcnow() - timedelta(minutes=5, seconds=1)},
                 id=rows[0].id)
    assert succeeds(client, app, user)


def test_failures_just_inside_the_window_still_count(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.8")
    fail(client, user.email, 5)
    update_table(app, "login_attempts", {"at": utcnow() - timedelta(minutes=4, seconds=50)})
    assert not succeeds(client, app, user)
    update_table(app, "login_attempts", {"at": utcnow() - timedelta(minutes=6)})
    assert succeeds(client, app, user)


def test_wrong_codes_count_towards_the_account_limit(app):
    user = make_staff(app, "caseworker")
    client = client_from(app, "10.0.0.9")
    wrong = "000000" if current_code(user.totp_secret) != "000000" else "111111"
    for _ in range(5):
        assert succeeds(client, app, user)
        page = client.get("/auth/code")
        client.post("/auth/code", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                        "code": wrong})
    # Five wrong codes throttle the account: now even the right password is refused.
    response = password_step(client, user.email, user.password)
    assert TOO_MANY in response.get_data(as_text=True)
    assert client.get("/").location.endswith("/auth/login")


def test_login_attempts_table_holds_no_email_or_address(app):
    user = make_staff(app, "caseworker")
    fail(client_from(app, "10.0.0.10"), user.email, 2)
    for row in db_execute(app, "SELECT * FROM login_attempts"):
        text = " ".join(str(value) for value in row)
        assert user.email not in text and "10.0.0.10" not in text
