"""Plaintext absence (issue 3): unique canary strings written through every encrypted path
never appear in the raw bytes the instance keeps (SQLite files and their WAL, or a
pg_dump on PostgreSQL), in the attachment files, in a backup, or in the logs. A canary
written into a deliberately plaintext column IS found by the same scanner (control)."""

from __future__ import annotations

import io
import logging
import uuid

import pyotp
import pytest
from sqlalchemy import select, update

from casework.domain.roles import Role
from casework.extensions import db
from casework.models import Person, Staff
from casework.services import accounts, attachments, backup, outbox, persons, subjects
from tests.support import find_in, leaks, raw_storage, service_ctx


def _canary(label: str) -> str:
    return f"Canary{label}{uuid.uuid4().hex[:16]}"


@pytest.fixture
def canaries(app, caplog):
    caplog.set_level(logging.DEBUG)
    values = {
        "name": _canary("Name"),
        "alias": _canary("Alias"),
        "phone": "+7 701 " + str(uuid.uuid4().int)[:20],
        "file_content": _canary("File"),
        "file_name": _canary("Filename"),
        "totp": "CANARYQQ" + pyotp.random_base32(32),
        # Issue 10: a staff member's own address for notifications is staff data.
        "notify_address": f"canary{uuid.uuid4().hex[:16]}@example.org",
    }
    folder = app.extensions["senim.settings"].attachments_path
    with app.app_context():
        ctx = service_ctx(app)
        person = persons.register(ctx, names=[f"Aigul {values['name']}", values["alias"]],
                                  date_of_birth="17.05.1990", phones=[values["phone"]])
        stored = attachments.store(
            ctx, folder, subject_id=person.subject_id, owner_type="person",
            owner_ref=person.public_id,
            stream=io.BytesIO(b"%PDF-1.7 " + values["file_content"].encode() * 3000),
            filename=f"../{values['file_name']}.pdf", max_bytes=10**7)
        staff, _ = accounts.create_staff(ctx, email=f"cw-{uuid.uuid4().hex[:6]}@senim.kz",
                                         display_name="Plain Display Name",
                                         role=Role.CASEWORKER,
                                         password="correct horse battery staple 42")
        accounts.enrol_totp_directly(ctx, staff, values["totp"])
        outbox.update_settings(ctx, staff, address=values["notify_address"], opted_in=True)
        db.session.commit()
        # Exercise the read paths too, so their logging is covered.
        assert persons.read(ctx, person).names[1] == values["alias"]
        assert persons.search(ctx, values["alias"]) == [person]
        assert persons.search(ctx, values["phone"]) == [person]
        assert attachments.read(ctx, folder, stored)[0] == f"{values['file_name']}.pdf"
        assert accounts.check_totp(ctx, staff, "000000") in (True, False)
        assert outbox.settings_for(ctx, staff).address == values["notify_address"]
        db.session.commit()
        values["staff_id"] = staff.public_id
        values["person_id"] = person.id
    return values


SECRET_KEYS = ("name", "alias", "phone", "file_content", "file_name", "totp",
               "notify_address")


def test_no_canary_at_rest(app, canaries):
    blobs = raw_storage(app)
    assert any(name.startswith("attachments/") for name in blobs)
    for key in SECRET_KEYS:
        needle = canaries[key]
        if key == "phone":
            needle = needle.replace(" ", "")[-10:]  # its normalised form too
            assert leaks(blobs, canaries[key]) == []
        assert leaks(blobs, needle) == [], key


def test_no_canary_in_a_backup(app, canaries, tmp_path):
    out = tmp_path / "canary.backup"
    result = app.test_cli_runner().invoke(args=["senim", "backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    identity = app.extensions["senim.settings"].backup_identity_file.read_text()
    _, files = backup.open_backup(out, identity)
    inner = {"backup": out.read_bytes(), **{f"inner/{k}": v for k, v in files.items()}}
    for key in SECRET_KEYS:
        assert leaks(inner, canaries[key]) == [], key


def test_no_canary_in_logs_or_output(app, canaries, caplog, capsys):
    with app.app_context():
        ctx = service_ctx(app)
        person = db.session.get(Person, canaries["person_id"])
        db.session.execute(update(Person.__table__).where(
            Person.__table__.c.id == person.id).values(phones_ciphertext=b"\x01" * 40))
        db.session.expire_all()
        with pytest.raises(subjects.IntegrityAlarm):
            persons.read(ctx, db.session.get(Person, canaries["person_id"]))
        db.session.rollback()
    text = caplog.text + "".join(capsys.readouterr())
    assert "crypto.integrity_failure" in caplog.text, "the scanner sees the log"
    for key in SECRET_KEYS:
        assert not find_in(text.encode(), canaries[key]), key


def test_control_plaintext_canaries_are_found_by_the_same_scanner(app, canaries, tmp_path,
                                                                  caplog):
    """The scanner is not blind: a canary in a plaintext text column, raw bytes in a binary
    column, a plaintext file and a log line are all found."""
    text_canary, binary_canary, file_canary, log_canary = (
        _canary("PlainText"), _canary("PlainBytes"), _canary("PlainFile"), _canary("Log"))
    with app.app_context():
        db.session.execute(update(Staff).where(Staff.public_id == canaries["staff_id"])
                           .values(display_name=text_canary))
        db.session.execute(update(Person.__table__).where(
            Person.__table__.c.id == canaries["person_id"])
            .values(phones_ciphertext=binary_canary.encode()))
        db.session.commit()
    folder = app.extensions["senim.settings"].attachments_path
    (folder / "plain-control").write_bytes(b"header " + file_canary.encode() + b" trailer")
    try:
        blobs = raw_storage(app)
        assert leaks(blobs, text_canary), "plaintext column found"
        assert leaks(blobs, binary_canary), "plaintext bytes found (hex in a pg_dump)"
        assert leaks(blobs, file_canary) == ["attachments/plain-control"]
        out = tmp_path / "control.backup"
        assert app.test_cli_runner().invoke(
            args=["senim", "backup", "--out", str(out)]).exit_code == 0
        _, files = backup.open_backup(
            out, app.extensions["senim.settings"].backup_identity_file.read_text())
        assert leaks(files, text_canary) and leaks(files, binary_canary)
        assert leaks(files, file_canary)
        assert not find_in(out.read_bytes(), text_canary), "the backup file is encrypted"
    finally:
        (folder / "plain-control").unlink()
    logging.getLogger("senim.test").info("event=control value=%s", log_canary)
    assert find_in(caplog.text.encode(), log_canary)
    with app.app_context():
        names = list(db.session.scalars(select(Staff.display_name)))
        assert text_canary in names
