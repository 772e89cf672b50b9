"""Second factor (security.md 6.15): wrong and replayed codes fail, recovery codes work
once, and the TOTP secret is never stored in plaintext."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from casework.services import totp
from tests.support import (
    audit_rows,
    csrf_token,
    current_code,
    forget_last_totp_step,
    is_login_redirect,
    login,
    make_staff,
    post_form,
    staff_row,
)

DID_NOT_WORK = "That code did not work"


def password_step(client, user):
    response = post_form(client, "/auth/login", data={"email": user.email,
                                                      "password": user.password})
    assert response.status_code == 302
    return response


def code_step(client, code: str, url: str = "/auth/code"):
    page = client.get(url)
    assert page.status_code == 200, page.location
    return client.post(url, data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                  "code": code})


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def logout(client) -> None:
    assert is_login_redirect(post_form(client, "/", "/auth/logout"))


def wrong_code_for(secret: str) -> str:
    now = datetime.now(UTC)
    valid = {totp.code_for(secret, now=now + timedelta(seconds=s)) for s in (-60, -30, 0, 30,
                                                                             60)}
    return next(c for c in ("000000", "123456", "999999", "314159", "271828", "161803")
                if c not in valid)


def test_right_code_signs_in(app, client):
    user = make_staff(app, "caseworker")
    forget_last_totp_step(app, user.public_id)
    password_step(client, user)
    assert not signed_in(client)  # the password alone is not enough
    response = code_step(client, current_code(user.totp_secret))
    assert response.status_code == 302
    assert signed_in(client)


def test_wrong_code_fails(app, client):
    user = make_staff(app, "caseworker")
    password_step(client, user)
    response = code_step(client, wrong_code_for(user.totp_secret))
    assert response.status_code == 200
    assert DID_NOT_WORK in response.get_data(as_text=True)
    assert not signed_in(client)
    assert [r.outcome for r in audit_rows(app, "auth.totp")] == ["fail"]
    assert audit_rows(app, "auth.login") == []


def test_malformed_codes_fail(app, client):
    user = make_staff(app, "caseworker")
    password_step(client, user)
    for code in ("12345", "1234567", "abcdef", "", current_code(user.totp_secret) + "0"):
        response = code_step(client, code)
        assert response.status_code == 200
        assert not signed_in(client)


def test_the_same_code_cannot_be_used_twice(app, client):
    user = make_staff(app, "caseworker")
    forget_last_totp_step(app, user.public_id)
    code = current_code(user.totp_secret)
    password_step(client, user)
    assert code_step(client, code).status_code == 302
    assert signed_in(client)
    logout(client)
    assert not signed_in(client)
    # Sign in again at once with the very same code (no forget_last_totp_step).
    password_step(client, user)
    response = code_step(client, code)
    assert response.status_code == 200
    assert DID_NOT_WORK in response.get_data(as_text=True)
    assert not signed_in(client)
    # The replay is refused on another client as well (a stolen code read over a shoulder).
    other = app.test_client()
    password_step(other, user)
    assert code_step(other, code).status_code == 200
    assert not signed_in(other)


def test_drift_of_one_step_is_accepted_two_is_not():
    secret = totp.new_secret()
    now = datetime(2026, 3, 8, 12, 0, 15, tzinfo=UTC)
    step = int(now.timestamp()) // 30
    at = {offset: totp.code_for(secret, now=now + timedelta(seconds=30 * offset))
          for offset in (-2, -1, 0, 1, 2)}
    assert totp.matching_step(secret, at[0], now=now, last_step=0) == step
    assert totp.matching_step(secret, at[-1], now=now, last_step=0) == step - 1
    assert totp.matching_step(secret, at[1], now=now, last_step=0) == step + 1
    if at[-2] not in (at[-1], at[0], at[1]):
        assert totp.matching_step(secret, at[-2], now=now, last_step=0) is None
    if at[2] not in (at[-1], at[0], at[1]):
        assert totp.matching_step(secret, at[2], now=now, last_step=0) is None
    # A code at or before the last accepted step is refused (replay).
    assert totp.matching_step(secret, at[0], now=now, last_step=step) is None
    assert totp.matching_step(secret, at[-1], now=now, last_step=step - 1) is None
    # Spaces are tolerated, other characters are not.
    assert totp.matching_step(secret, at[0][:3] + " " + at[0][3:], now=now,
                              last_step=0) == step


def _recovery_codes(app, user) -> list[str]:
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import accounts
    from casework.services.context import Ctx

    with app.app_context():
        c = Ctx(session=db.session, keys=app.extensions["senim.keys"],
                passwords=app.extensions["senim.passwords"], now=utcnow(), request_id="t")
        codes = accounts.issue_recovery_codes(c, accounts.by_public_id(c, user.public_id))
        db.session.commit()
        return codes


def test_recovery_code_works_once_and_not_twice(app, client):
    user = make_staff(app, "caseworker")
    codes = _recovery_codes(app, user)
    assert len(codes) == 10 and len(set(codes)) == 10

    password_step(client, user)
    response = code_step(client, codes[0], "/auth/recovery")
    assert response.status_code == 302
    assert signed_in(client)
    logout(client)

    password_step(client, user)
    response = code_step(client, codes[0], "/auth/recovery")
    assert response.status_code == 200
    assert "That recovery code did not work" in response.get_data(as_text=True)
    assert not signed_in(client)
    # Another code, typed in capitals without dashes, still works (and only once).
    response = code_step(client, codes[1].replace("-", "").upper(), "/auth/recovery")
    assert response.status_code == 302
    assert signed_in(client)
    outcomes = [r.outcome for r in audit_rows(app, "auth.recovery_code")]
    assert outcomes == ["ok", "fail", "ok"]


def test_recovery_codes_are_stored_hashed(app):
    user = make_staff(app, "caseworker")
    codes = _recovery_codes(app, user)
    dump = _dump_database(app)
    for code in codes:
        assert code not in dump and code.replace("-", "") not in dump


def test_new_codes_replace_the_old_ones(app, client):
    user = make_staff(app, "caseworker")
    old = _recovery_codes(app, user)
    _recovery_codes(app, user)
    password_step(client, user)
    assert code_step(client, old[0], "/auth/recovery").status_code == 200
    assert not signed_in(client)


# --- The secret at rest -----------------------------------------------------------------


def _dump_database(app) -> str:
    """Every value of every row of every table, as text (works on SQLite and PostgreSQL)."""
    from casework.extensions import db

    parts: list[str] = []
    with app.app_context():
        for bind_key, metadata in db.metadatas.items():
            with db.engines[bind_key].connect() as conn:
                for table in metadata.sorted_tables:
                    for row in conn.execute(select(table)):
                        for value in row:
                            if isinstance(value, bytes | memoryview):
                                parts.append(bytes(value).decode("latin-1"))
                            parts.append(str(value))
    return "\n".join(parts)


def _raw_sqlite_bytes(app) -> bytes | None:
    url = app.extensions["senim.settings"].database_url
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    data = b""
    for suffix in ("", "-wal", "-journal"):
        candidate = Path(str(path) + suffix)
        if candidate.exists():
            data += candidate.read_bytes()
    assert data, "the casework database file was not found"
    return data


def _needles(secret: str) -> list[bytes]:
    raw = base64.b32decode(secret)
    return [secret.encode(), secret.lower().encode(), raw, raw.hex().encode()]


def test_totp_secret_is_not_stored_in_plaintext(app):
    user = make_staff(app, "caseworker")
    row = staff_row(app, user.public_id)
    ciphertext = bytes(row.totp_secret_ciphertext)
    assert ciphertext and len(ciphertext) > 20
    for needle in _needles(user.totp_secret):
        assert needle not in ciphertext
    dump = _dump_database(app)
    assert user.email in dump  # negative control: plaintext columns are found
    assert user.totp_secret not in dump and user.totp_secret.lower() not in dump
    raw = _raw_sqlite_bytes(app)
    if raw is not None:
        assert user.email.encode() in raw  # negative control on the raw file
        for needle in _needles(user.totp_secret):
            assert needle not in raw


def test_pending_secret_during_enrolment_is_not_stored_in_plaintext(app, client):
    user = make_staff(app, "psychologist", enrolled=False)
    response = password_step(client, user)
    assert response.location.endswith("/auth/enrol")
    page = client.get("/auth/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1)
    secret = secret.replace(" ", "")
    assert staff_row(app, user.public_id).totp_pending_ciphertext is not None
    dump = _dump_database(app)
    assert secret not in dump and secret.lower() not in dump
    raw = _raw_sqlite_bytes(app)
    if raw is not None:
        for needle in _needles(secret):
            assert needle not in raw
    # Finishing enrolment keeps it encrypted, under the active column.
    response = client.post("/auth/enrol", data={"csrf_token": csrf_token(page),
                                                "code": current_code(secret)})
    assert response.status_code == 200
    row = staff_row(app, user.public_id)
    assert row.totp_pending_ciphertext is None and row.totp_secret_ciphertext is not None
    assert secret not in _dump_database(app)


def test_secret_ciphertext_is_bound_to_its_row(app, client):
    """Copying one person's encrypted secret onto another account does not let the copy's
    codes work there: the ciphertext is bound to its row."""
    from tests.support import db_execute

    alice = make_staff(app, "caseworker")
    mallory = make_staff(app, "caseworker")
    db_execute(app, "UPDATE staff SET totp_secret_ciphertext = (SELECT totp_secret_ciphertext"
                    " FROM staff WHERE public_id = :a) WHERE public_id = :m",
               a=alice.public_id, m=mallory.public_id)
    password_step(client, mallory)
    response = code_step(client, current_code(alice.totp_secret))
    # An integrity alarm: a clear page, an audit entry, nobody signed in, no crash.
    assert response.status_code == 409
    assert "integrity" in response.get_data(as_text=True)
    assert [r.outcome for r in audit_rows(app, "crypto.integrity_failure")] == ["alarm"]
    assert not signed_in(client)
    login(app.test_client(), app, alice)  # the original still works
