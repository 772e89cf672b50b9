"""The on-call channel outside the app (issue 10, item 4), against a real SMTP server.

Urgent messages leave in the first job run, routine ones once a day in one digest, a
failed delivery is retried with backoff and shown to the director, nobody who did not opt
in gets anything, no run sends anything twice, and no message carries an identifier.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from casework import jobs
from casework.domain.roles import Role
from casework.services import accounts, case_events, disclosures, notifications, outbox
from tests.services.disclosure_support import build_world
from tests.smtp_support import (
    ALL_MESSAGES,
    PUBLIC_URL,
    SmtpServer,
    mail_app_fixture,  # noqa: F401  (fixture "mail_app")
    smtp_server_fixture,  # noqa: F401  (fixture "smtp_server")
    text_of,
)

ALMATY = ZoneInfo("Asia/Almaty")
LIAISON_MAIL = "oncall.a@example.net"
URGENT_EN = "Senim: something urgent is waiting for you"
DIGEST_EN = "Senim: new items are waiting for you"


def frozen(moment: datetime):  # type: ignore[no-untyped-def]
    """Freeze the application's clock, not the SMTP server's event loop."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return freeze_time(aware, ignore=["asyncio", "aiosmtpd", "selectors"])


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Almaty as the naive UTC the application stores."""
    return datetime(year, month, day, hour, minute, tzinfo=ALMATY).astimezone(UTC) \
        .replace(tzinfo=None)


def _staff(ctx, role: str = "caseworker", *, name: str = "Staff member",
           address: str | None = None, opted_in: bool = True, language: str | None = None):
    staff, _ = accounts.create_staff(ctx, email=f"{role}-{secrets.token_hex(4)}@t.kz",
                                     display_name=name, role=Role(role),
                                     password="correct horse battery 99")
    staff.preferred_language = language
    if address is not None:
        outbox.update_settings(ctx, staff, address=address, opted_in=opted_in)
    return staff


def _draft_and_submit(ctx, w, *, emergency: bool = False):
    items = [disclosures.ItemInput(w.thematic.reference, w.consent.public_id, None)]
    cw = ctx.as_actor(w.caseworker.public_id)
    request = disclosures.draft(cw, w.caseworker, w.unit, purpose="investigate_traffickers",
                                items=items, tlp="TLP:AMBER+STRICT", handling_code="C",
                                emergency=emergency,
                                grounds="CANARY-GROUNDS-Vb8 imminent harm" if emergency else "",
                                harm_check="CANARY-HARM-Tn6 checked" if emergency else "")
    disclosures.submit(cw, w.caseworker, request, seen_version=request.version)
    return request


def test_the_on_duty_liaison_gets_the_urgent_message_in_one_run(app, ctx, mail_app):
    w = build_world(ctx, app.extensions["senim.settings"].attachments_path)
    outbox.update_settings(ctx, w.liaison, address=LIAISON_MAIL, opted_in=True)
    request = _draft_and_submit(ctx, w)  # a disclosure waiting for the on-duty liaison
    ctx.session.commit()

    counts = jobs.send_notifications(app)

    assert counts["urgent_sent"] == 1 and all(isinstance(v, int) for v in counts.values())
    [message] = mail_app.to(LIAISON_MAIL)
    assert message["Subject"] == URGENT_EN
    assert message["From"] == "senim@example.org"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert PUBLIC_URL + "/" in body
    for secret in (request.reference, w.unit.name, w.person.case_code, "Жанар", "Zhanar",
                   w.liaison.display_name, "disclosure", w.unit.public_id):
        assert secret not in text_of(message), secret
    # Run again, and once more: nothing is sent twice.
    assert jobs.send_notifications(app)["urgent_sent"] == 0
    assert jobs.send_notifications(app)["urgent_sent"] == 0
    assert len(mail_app.messages) == 1


def test_a_release_of_the_suspect_is_sent_at_once_routine_items_only_at_the_digest_hour(
        app, ctx, mail_app):
    # Frozen clock: the urgent item is sent in the run at T, routine ones only in the
    # run at or after the digest hour (08:00 Almaty), together, once.
    t = local(2026, 12, 2, 10, 0)
    with frozen(t):
        c = replace(ctx, now=t)
        worker = _staff(c, address="worker@example.net")
        notifications.notify(c, worker, "assigned", object_ref="X" * 32)
        notifications.notify(c, worker, "grant_effective", object_ref="Y" * 32)
        notifications.notify(c, worker, "urgent_safety_after_release", object_ref="Z" * 32,
                             urgent=True)
        c.session.commit()
        counts = jobs.send_notifications(app)
    assert counts["urgent_sent"] == 1 and counts["digests_sent"] == 0
    assert [m["Subject"] for m in mail_app.messages] == [URGENT_EN]

    with frozen(local(2026, 12, 3, 7, 59)):
        assert jobs.send_notifications(app)["digests_sent"] == 0
    with frozen(local(2026, 12, 3, 8, 0)):
        # Something routine at the very hour waits for tomorrow's digest.
        notifications.notify(replace(ctx, now=local(2026, 12, 3, 8, 0)), worker, "assigned")
        ctx.session.commit()
        assert jobs.send_notifications(app)["digests_sent"] == 1
    with frozen(local(2026, 12, 3, 8, 1)):
        assert jobs.send_notifications(app)["digests_sent"] == 0
    with frozen(local(2026, 12, 3, 23, 0)):
        assert jobs.send_notifications(app)["digests_sent"] == 0
    with frozen(local(2026, 12, 4, 8, 0)):
        assert jobs.send_notifications(app)["digests_sent"] == 1
    assert [m["Subject"] for m in mail_app.to("worker@example.net")] == [
        URGENT_EN, DIGEST_EN, DIGEST_EN]


def test_a_failed_delivery_is_retried_shown_to_the_director_then_delivered(
        app, ctx, mail_app: SmtpServer):
    t = local(2026, 12, 2, 14, 0)
    c = replace(ctx, now=t)
    worker = _staff(c, name="Aigerim Retry", address="retry@example.net")
    notifications.notify(c, worker, "urgent_safety_after_release", urgent=True)
    c.session.commit()
    mail_app.stop()  # the server is down

    with frozen(t):
        counts = jobs.send_notifications(app)
    assert counts["failed_attempts"] == 1 and counts["urgent_sent"] == 0
    with frozen(t + timedelta(seconds=30)):
        # Backoff: not due again yet, so not even tried.
        assert jobs.send_notifications(app)["failed_attempts"] == 0
    with frozen(t + timedelta(minutes=1)):
        assert jobs.send_notifications(app)["failed_attempts"] == 1  # second attempt fails
    shown = outbox.summary(replace(ctx, now=t + timedelta(minutes=2)))
    assert shown.retrying == 1
    [problem] = shown.problems
    assert problem.display_name == "Aigerim Retry" and problem.retrying == 1
    assert problem.staff_public_id == worker.public_id

    mail_app.start()  # back
    with frozen(t + timedelta(minutes=2)):
        assert jobs.send_notifications(app)["failed_attempts"] == 0  # 2 minutes: not yet
    with frozen(t + timedelta(minutes=3)):
        assert jobs.send_notifications(app)["urgent_sent"] == 1
    assert [m["Subject"] for m in mail_app.to("retry@example.net")] == [URGENT_EN]
    assert outbox.summary(replace(ctx, now=t + timedelta(minutes=4))).problems == []


def test_a_delivery_is_given_up_after_the_last_attempt_and_stays_visible(app, ctx, mail_app):
    from casework.domain.notify_channel import MAX_ATTEMPTS

    t = local(2026, 12, 2, 14, 0)
    worker = _staff(replace(ctx, now=t), address="gone@example.net")
    notifications.notify(replace(ctx, now=t), worker, "break_glass", urgent=True)
    ctx.session.commit()
    mail_app.stop()
    given_up = 0
    for minute in range(0, 24 * 60, 7):
        with frozen(t + timedelta(minutes=minute)):
            given_up += jobs.send_notifications(app)["given_up"]
    assert given_up == 1
    shown = outbox.summary(replace(ctx, now=t + timedelta(days=1)))
    assert shown.failed == 1 and shown.problems[0].failed == 1
    from casework.models import OutboundMessage

    ctx.session.expire_all()
    [row] = ctx.session.query(OutboundMessage).all()
    assert row.attempts == MAX_ATTEMPTS and row.status == "failed"
    assert row.last_error == "ConnectionRefusedError"


def test_nothing_is_sent_to_anyone_who_did_not_opt_in(app, ctx, mail_app):
    from casework.models import OutboundMessage

    no_channel = _staff(ctx)
    not_opted = _staff(ctx, address="not.opted@example.net", opted_in=False)
    for staff in (no_channel, not_opted):
        notifications.notify(ctx, staff, "urgent_safety_after_release", urgent=True)
        notifications.notify(ctx, staff, "assigned")
    ctx.session.commit()
    jobs.send_notifications(app)
    with frozen(datetime.now(UTC) + timedelta(days=1, hours=1)):
        jobs.send_notifications(app)
    assert mail_app.messages == []
    assert ctx.session.query(OutboundMessage).count() == 0


def test_opting_out_drops_what_was_waiting_and_a_deactivated_account_gets_nothing(
        app, ctx, mail_app):
    leaver = _staff(ctx, address="leaver@example.net")
    changes = _staff(ctx, address="changes@example.net")
    for staff in (leaver, changes):
        notifications.notify(ctx, staff, "assigned")
    leaver.is_active = False
    outbox.update_settings(ctx, changes, address="changes@example.net", opted_in=False)
    ctx.session.commit()
    with frozen(datetime.now(UTC) + timedelta(days=1, hours=1)):
        counts = jobs.send_notifications(app)
    assert counts["digests_sent"] == 0 and counts["dropped"] == 1
    assert mail_app.messages == []


def test_two_schedulers_at_once_send_each_message_once(app, ctx, mail_app):
    workers = [_staff(ctx, address=f"w{i}@example.net") for i in range(4)]
    for staff in workers:
        notifications.notify(ctx, staff, "urgent_safety_after_release", urgent=True)
    ctx.session.commit()
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            results.append(jobs.send_notifications(app))
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r["urgent_sent"] for r in results) == 4
    assert sorted(m["To"] for m in mail_app.messages) == sorted(
        f"w{i}@example.net" for i in range(4))


def test_the_message_is_in_the_staff_members_language(app, ctx, mail_app):
    kazakh = _staff(ctx, address="kk@example.net", language="kk")
    russian = _staff(ctx, address="ru@example.net", language="ru")
    for staff in (kazakh, russian):
        notifications.notify(ctx, staff, "break_glass", urgent=True)
    ctx.session.commit()
    jobs.send_notifications(app)
    [kk] = mail_app.to("kk@example.net")
    [ru] = mail_app.to("ru@example.net")
    assert kk["Subject"] != URGENT_EN and ru["Subject"] != URGENT_EN
    assert kk["Subject"] != ru["Subject"]
    assert ru["Subject"] == "Сенім: вас ждёт срочное дело"
    assert PUBLIC_URL in ru.get_body().get_content()


CANARIES = ("CANARY-GROUNDS-Vb8", "CANARY-HARM-Tn6", "CANARY-NAME-Qzx7", "КАНАРЕЙКА-Жв9",
            "CANARY-NOTE-Rk2", "CANARY-UNIT-Pw4", "CANARY-STAFF-Lm3", "+7 701 999 1234")


def test_no_delivered_message_contains_a_planted_identifier(app, ctx, mail_app):
    # Canaries in a person's names and phone, a case-event note, a unit's name and staff
    # names; the flows that notify (a release of the suspect, an emergency disclosure,
    # routine assignments) run, urgent messages and digests go out; none may carry them.
    from casework.services import access, persons, police_units

    w = build_world(ctx, app.extensions["senim.settings"].attachments_path)
    w.caseworker.display_name = "CANARY-STAFF-Lm3 caseworker"
    w.liaison.display_name = "CANARY-STAFF-Lm3 liaison"
    for staff, address in ((w.liaison, LIAISON_MAIL), (w.caseworker, "cw@example.net"),
                           (w.director, "director@example.net"),
                           (w.deputy, "deputy@example.net")):
        outbox.update_settings(ctx, staff, address=address, opted_in=True)
    cw = ctx.as_actor(w.caseworker.public_id)
    person = persons.register(cw, names=["CANARY-NAME-Qzx7", "КАНАРЕЙКА-Жв9"],
                              date_of_birth="1990-03-03", phones=["+7 701 999 1234"],
                              profile={"gender": "female"})
    access.assign(cw, person, w.caseworker)
    case_events.record(cw, person, kind="release", occurred_on=date.today(),
                       note="CANARY-NOTE-Rk2 released from custody")
    unit = police_units.create(ctx, name="CANARY-UNIT-Pw4", jurisdiction="KZ")
    request = _draft_and_submit(ctx, w, emergency=True)
    notifications.notify(ctx, w.caseworker, "assigned", object_ref=person.case_code)
    ctx.session.commit()
    jobs.send_notifications(app)
    with frozen(datetime.now(UTC) + timedelta(days=1, hours=1)):
        jobs.send_notifications(app)

    messages = mail_app.messages
    assert {m["To"] for m in messages} >= {LIAISON_MAIL, "cw@example.net"}
    assert any(m["Subject"] == DIGEST_EN for m in messages)
    identifiers = (*CANARIES, person.case_code, person.public_id, w.person.case_code,
                   request.reference, w.unit.name, unit.public_id, w.unit.public_id,
                   w.thematic.reference, w.caseworker.public_id, w.liaison.public_id,
                   "Жанар", "Zhanar", "release", "disclosure", "emergency")
    for message in messages:
        text = text_of(message)
        for identifier in identifiers:
            assert identifier.lower() not in text.lower(), identifier


def test_every_message_sent_in_the_suite_is_free_of_canaries():
    # Whatever ran before in this process: the full raw bytes of every delivered message.
    import email
    import email.policy

    for raw in ALL_MESSAGES:
        text = text_of(email.message_from_bytes(raw, policy=email.policy.default))
        for canary in CANARIES:
            assert canary not in text


@pytest.mark.parametrize(("kind", "urgent", "expected"), [
    ("disclosure_waiting", False, "urgent"), ("urgent_safety_after_release", True, "urgent"),
    ("assigned", False, "digest"), ("grant_requested", False, "digest")])
def test_what_goes_out_at_once(app, ctx, kind, urgent, expected):
    staff = _staff(ctx, address="k@example.net")
    notifications.notify(ctx, staff, kind, urgent=urgent)
    from casework.models import OutboundMessage

    [row] = ctx.session.query(OutboundMessage).all()
    assert row.kind == expected and row.status == "pending"


def test_starttls_is_required_when_configured_never_a_silent_fall_back(smtp_server):
    # A server that offers no STARTTLS: the message is not sent in the clear.
    from casework.services.channels import DeliveryError, SmtpConfig, SmtpSender

    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=smtp_server.port,
                                   security="starttls", sender="senim@example.org",
                                   timeout=5))
    with pytest.raises(DeliveryError) as caught:
        sender.send("someone@example.net", "subject", "body")
    assert str(caught.value) == "SMTPNotSupportedError"
    assert "someone@example.net" not in repr(caught.value)
    assert smtp_server.messages == []


def test_a_claim_left_by_a_crashed_run_is_offered_again_and_old_rows_are_purged(
        app, ctx, mail_app):
    from casework.models import OutboundMessage

    worker = _staff(ctx, address="crash@example.net")
    row = notifications.notify(ctx, worker, "break_glass", urgent=True)
    assert row is not None
    [queued] = ctx.session.query(OutboundMessage).all()
    queued.status, queued.claim = "sending", "c" * 32
    queued.claimed_at = ctx.now - timedelta(minutes=5)
    ctx.session.commit()
    # Still fresh: another run may be sending it right now, so it is left alone.
    assert jobs.send_notifications(app)["reclaimed"] == 0
    assert mail_app.messages == []
    with frozen(datetime.now(UTC) + timedelta(minutes=6)):
        counts = jobs.send_notifications(app)
    assert counts["reclaimed"] == 1 and counts["urgent_sent"] == 1
    with frozen(datetime.now(UTC) + timedelta(days=31)):
        assert jobs.send_notifications(app)["purged"] == 1
    ctx.session.expire_all()
    assert ctx.session.query(OutboundMessage).count() == 0


def test_implicit_tls_verifies_the_servers_certificate(tmp_path):
    # A server with a self-signed certificate: refused, nothing is sent to it.
    import ssl

    from aiosmtpd.controller import Controller
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from casework.services.channels import DeliveryError, SmtpConfig, SmtpSender
    from tests.smtp_support import Mailbox, free_port

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port,
                            ssl_context=server_context)
    controller.start()
    try:
        sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, security="tls",
                                       sender="senim@example.org", timeout=5))
        with pytest.raises(DeliveryError) as caught:
            sender.send("someone@example.net", "subject", "body")
        assert str(caught.value) == "SSLCertVerificationError"
        assert mailbox.raw == []
    finally:
        controller.stop()
