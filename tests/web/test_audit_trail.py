"""The audit trail (security.md 6.10, 6.11): what is written, what is never written, and
tampering through raw SQL detected by the CLI and by the auditor's page."""

from __future__ import annotations

import re

import pytest

from tests.support import (
    audit_rows,
    csrf_token,
    current_code,
    db_execute,
    login,
    make_staff,
    post_form,
)


def verify_cli(app):
    result = app.test_cli_runner().invoke(args=["senim", "audit", "verify"])
    return result.exit_code, result.output


def events(app, action):
    return audit_rows(app, action)


def test_login_ok_and_fail_are_recorded(app, client):
    user = make_staff(app, "caseworker")
    post_form(client, "/auth/login", data={"email": user.email, "password": "wrong " * 3})
    post_form(client, "/auth/login", data={"email": "ghost@test.senim.kz",
                                           "password": "wrong " * 3})
    login(client, app, user)
    rows = events(app, "auth.login")
    assert [(r.outcome, r.object_ref) for r in rows] == [
        ("fail", user.public_id), ("fail", None), ("ok", user.public_id)]
    assert rows[-1].actor == user.public_id
    assert all(r.request_id and re.fullmatch(r"[0-9a-f]{16}", r.request_id) for r in rows)
    assert len({r.request_id for r in rows}) == 3
    assert [r.outcome for r in events(app, "auth.password")] == ["ok"]


def test_page_views_and_denials_are_recorded(app, client):
    user = make_staff(app, "legal_adviser")
    login(client, app, user)
    response = client.get("/account/sessions")
    view = events(app, "view.account.sessions")
    assert len(view) == 1
    assert (view[0].actor, view[0].outcome, view[0].request_id) == (
        user.public_id, "ok", response.headers["X-Request-Id"])
    target = make_staff(app, "caseworker")
    response = client.get(f"/admin/staff/{target.public_id}")
    assert response.status_code == 403
    denied = events(app, "access.denied")
    assert [(r.actor, r.outcome, r.object_type, r.object_ref, r.request_id)
            for r in denied] == [(user.public_id, "forbidden", "endpoint",
                                  "admin.staff_detail", response.headers["X-Request-Id"])]


def test_object_views_record_the_opaque_reference(app, client):
    director = make_staff(app, "director")
    target = make_staff(app, "caseworker")
    login(client, app, director)
    client.get(f"/admin/staff/{target.public_id}")
    rows = events(app, "view.admin.staff_detail")
    assert [(r.object_type, r.object_ref) for r in rows] == [("endpoint", target.public_id)]


def test_no_field_values_ever_reach_the_audit_trail(app, client):
    user = make_staff(app, "caseworker", email="aigerim.secret@test.senim.kz")
    code = current_code(user.totp_secret)
    post_form(client, "/auth/login", data={"email": user.email, "password": "Wr0ng-guess-99"})
    login(client, app, user)
    post_form(client, "/account/tokens", data={"name": "canary-token-name"})
    post_form(client, "/account/password", data={
        "current": user.password, "new": "brand new canary phrase 77",
        "confirm": "brand new canary phrase 77"})
    rows = audit_rows(app)
    assert len(rows) >= 6
    text = "\n".join(" ".join(str(value) for value in row) for row in rows)
    for secret in (user.password, "Wr0ng-guess-99", user.email, "aigerim", code,
                   user.totp_secret, "canary-token-name", "brand new canary phrase 77",
                   "snm_"):
        assert secret not in text, secret
    assert user.public_id in text  # control: opaque references are there


# --- Tampering -----------------------------------------------------------------------


@pytest.fixture
def chain(app, client):
    """A chain of a dozen or so real events."""
    user = make_staff(app, "caseworker")
    login(client, app, user)
    for url in ("/", "/account/", "/account/sessions", "/account/tokens"):
        client.get(url)
    rows = audit_rows(app)
    assert len(rows) >= 8
    code, output = verify_cli(app)
    assert (code, f"audit chain ok: {len(rows)} entries" in output) == (0, True)
    return len(rows) + 1  # the verification itself was audited


def test_intact_chain_verifies_and_the_check_is_audited(app, chain):
    code, output = verify_cli(app)
    assert code == 0
    assert f"audit chain ok: {chain} entries" in output
    assert [r.outcome for r in events(app, "audit.verify")] == ["ok", "ok"]


def expect_broken(app, seq: int, reason: str, *, recorded: bool = True) -> None:
    before = len(events(app, "audit.verify"))
    code, output = verify_cli(app)
    assert code == 1, output
    assert f"audit chain BROKEN at entry {seq} ({reason})" in output
    after = events(app, "audit.verify")
    if recorded:
        assert len(after) == before + 1 and after[-1].outcome == "broken"
    else:
        # Rows forged past the head occupy the next sequence number, so the verification
        # cannot be appended; the verdict is still printed first.
        assert "could not record this verification" in output
        assert len(after) == before


def test_edited_row(app, chain):
    db_execute(app, "UPDATE audit_events SET outcome = 'denied' WHERE seq = 4")
    expect_broken(app, 4, "mac_mismatch")


def test_edited_actor_to_hide_who_did_it(app, chain):
    db_execute(app, "UPDATE audit_events SET actor = NULL WHERE seq = 5")
    expect_broken(app, 5, "mac_mismatch")


def test_deleted_row(app, chain):
    db_execute(app, "DELETE FROM audit_events WHERE seq = 3")
    expect_broken(app, 3, "sequence_gap")


def test_inserted_row(app, chain):
    rows = db_execute(app, "SELECT * FROM audit_events WHERE seq = 6")
    row = rows[0]
    # Make room at 7 and slip a forged event in, chained to entry 6 as well as possible.
    db_execute(app, "UPDATE audit_events SET seq = seq + 1000 WHERE seq > 6")
    db_execute(app, "UPDATE audit_events SET seq = seq - 999 WHERE seq > 1000")
    db_execute(app, "INSERT INTO audit_events (seq, at, actor, action, object_type, object_ref,"
                    " outcome, request_id, key_version, prev_mac, mac) VALUES (7, :at, NULL,"
                    " 'staff.create', NULL, NULL, 'ok', NULL, :kv, :prev, :mac)",
               at=row.at, kv=row.key_version, prev=row.mac, mac="ab" * 32)
    expect_broken(app, 7, "mac_mismatch", recorded=False)


def test_appended_row_at_the_end(app, chain):
    last = db_execute(app, "SELECT * FROM audit_events ORDER BY seq DESC")[0]
    db_execute(app, "INSERT INTO audit_events (seq, at, actor, action, object_type, object_ref,"
                    " outcome, request_id, key_version, prev_mac, mac) VALUES (:seq, :at, NULL,"
                    " 'auth.login', NULL, NULL, 'ok', NULL, :kv, :prev, :mac)",
               seq=last.seq + 1, at=last.at, kv=last.key_version, prev=last.mac, mac="cd" * 32)
    expect_broken(app, last.seq + 1, "mac_mismatch", recorded=False)


def test_reordered_rows(app, chain):
    db_execute(app, "UPDATE audit_events SET seq = -1 WHERE seq = 3")
    db_execute(app, "UPDATE audit_events SET seq = 3 WHERE seq = 4")
    db_execute(app, "UPDATE audit_events SET seq = 4 WHERE seq = -1")
    expect_broken(app, 3, "previous_mac_mismatch")


def test_truncated_tail(app, chain):
    db_execute(app, "DELETE FROM audit_events WHERE seq > :keep", keep=chain - 3)
    expect_broken(app, chain - 2, "head_mismatch")


def test_truncated_tail_and_head_rolled_back_without_the_key(app, chain):
    last = db_execute(app, "SELECT mac FROM audit_events WHERE seq = :s", s=chain - 3)[0]
    db_execute(app, "DELETE FROM audit_events WHERE seq > :keep", keep=chain - 3)
    db_execute(app, "UPDATE audit_chain_heads SET seq = :s, mac = :m", s=chain - 3,
               m=last.mac)
    # Cutting the tail and the head together is invisible to the chain itself: the head is
    # only a pointer. Pin it, so nobody believes the chain alone proves completeness (a
    # signed external checkpoint is what catches this, security.md 6.10).
    code, _ = verify_cli(app)
    assert code == 0


def test_head_edited(app, chain):
    db_execute(app, "UPDATE audit_chain_heads SET mac = :m", m="0" * 64)
    expect_broken(app, chain, "head_mismatch")


def test_unknown_key_version(app, chain):
    db_execute(app, "UPDATE audit_events SET key_version = 99 WHERE seq = 2")
    expect_broken(app, 2, "unknown_key_version")


def test_auditor_page_shows_the_same(app, chain):
    auditor = make_staff(app, "auditor")
    client = app.test_client()
    login(client, app, auditor)
    page = client.get("/audit/").get_data(as_text=True)
    response = client.post("/audit/verify", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "The chain is intact" in response.get_data(as_text=True)

    db_execute(app, "DELETE FROM audit_events WHERE seq = 3")
    response = client.post("/audit/verify", data={"csrf_token": csrf_token(page)})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The chain is BROKEN at entry 3." in body
    assert "<code>sequence_gap</code>" in body
    code, output = verify_cli(app)
    assert code == 1 and "BROKEN at entry 3 (sequence_gap)" in output
    assert [r.outcome for r in events(app, "audit.verify")][-3:] == ["ok", "broken", "broken"]


def test_api_verify_reports_the_same(app, client, chain):
    from tests.support import bearer, make_token

    auditor = make_staff(app, "auditor")
    token = make_token(app, auditor)
    db_execute(app, "UPDATE audit_events SET action = 'view.main.home' WHERE seq = 2")
    response = client.post("/api/v1/audit/verify", headers=bearer(token))
    assert response.status_code == 200
    body = response.get_json()
    assert (body["ok"], body["first_broken_seq"], body["reason"], body["checked"]) == (
        False, 2, "mac_mismatch", 1)


def test_rows_forged_past_the_head_do_not_silence_the_auditor(app, chain):
    """After a row is appended behind the application's back, the auditor can still open
    the verification page and read where the chain broke."""
    last = db_execute(app, "SELECT * FROM audit_events ORDER BY seq DESC")[0]
    auditor = make_staff(app, "auditor")
    client = app.test_client()
    login(client, app, auditor)
    page = client.get("/audit/").get_data(as_text=True)
    head = db_execute(app, "SELECT seq FROM audit_chain_heads")[0].seq
    db_execute(app, "INSERT INTO audit_events (seq, at, actor, action, object_type, object_ref,"
                    " outcome, request_id, key_version, prev_mac, mac) VALUES (:seq, :at, NULL,"
                    " 'auth.login', NULL, NULL, 'ok', NULL, :kv, :prev, :mac)",
               seq=head + 1, at=last.at, kv=last.key_version, prev=last.mac, mac="cd" * 32)
    response = client.post("/audit/verify", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert f"The chain is BROKEN at entry {head + 1}." in response.get_data(as_text=True)
    # The auditor can still browse the trail; verifying could not be recorded (fail closed).
    assert client.get("/audit/").status_code == 200
    assert [r.seq for r in events(app, "audit.verify") if r.seq > head] == []
    code, output = verify_cli(app)
    assert code == 1
    assert f"BROKEN at entry {head + 1}" in output and "past the chain head" in output


def test_rows_forged_past_the_head_stop_everyone_else_with_a_clear_page(app, chain):
    from tests.support import bearer, make_token

    caseworker = make_staff(app, "caseworker")
    client = app.test_client()
    login(client, app, caseworker)
    token = make_token(app, caseworker)
    last = db_execute(app, "SELECT * FROM audit_events ORDER BY seq DESC")[0]
    head = db_execute(app, "SELECT seq FROM audit_chain_heads")[0].seq
    db_execute(app, "INSERT INTO audit_events (seq, at, actor, action, object_type, object_ref,"
                    " outcome, request_id, key_version, prev_mac, mac) VALUES (:seq, :at, NULL,"
                    " 'auth.login', NULL, NULL, 'ok', NULL, :kv, :prev, :mac)",
               seq=head + 1, at=last.at, kv=last.key_version, prev=last.mac, mac="cd" * 32)
    try:
        for lang, words in (("en", "The audit trail needs attention"),
                            ("ru", "Журнал аудита требует внимания"),
                            ("kk", "Аудит журналы назар аударуды қажет етеді")):
            response = client.get("/persons/", headers={"Accept-Language": lang})
            assert response.status_code == 503
            assert words in response.get_data(as_text=True)
            assert response.headers["Retry-After"]
        response = client.get("/api/v1/persons", headers=bearer(token))
        assert response.status_code == 503
        assert response.get_json() == {"error": "audit_trail_needs_attention"}
        # Nothing was appended past the forged row.
        assert db_execute(app, "SELECT max(seq) AS m FROM audit_events")[0].m == head + 1
    finally:
        db_execute(app, "DELETE FROM audit_events WHERE seq = :seq", seq=head + 1)


def test_a_removed_signed_root_is_shown_to_the_auditor(app, chain):
    from casework.extensions import db
    from casework.models.base import utcnow
    from casework.services import audit_checkpoints

    with app.app_context():
        for _ in range(3):
            audit_checkpoints.make(db.session, app.extensions["senim.keys"], now=utcnow())
        db.session.commit()
    middle = db_execute(app, "SELECT id FROM audit_roots ORDER BY id")[1].id
    db_execute(app, "DELETE FROM audit_roots WHERE id = :i", i=middle)
    auditor = make_staff(app, "auditor")
    client = app.test_client()
    login(client, app, auditor)
    page = client.get("/audit/").get_data(as_text=True)
    for lang, words in (("en", "A stored signed root of the audit trail is invalid"),
                        ("ru", "Один из сохранённых подписанных корней журнала аудита"),
                        ("kk", "Аудит журналының сақталған қолтаңбалы түбірлерінің")):
        response = client.post("/audit/verify", data={"csrf_token": csrf_token(page)},
                               headers={"Accept-Language": lang})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and words in body
        assert "<code>signed_root_invalid</code>" in body
    code, output = verify_cli(app)
    assert code == 1 and "BROKEN (signed_root_invalid)" in output
