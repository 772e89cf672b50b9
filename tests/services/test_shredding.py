"""Crypto-shredding (issue 3): after a shred the subject is unreadable everywhere and
unsearchable, everybody else still reads, a signed certificate without content remains,
and the refusals (legal hold, approver rules) destroy nothing."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.domain.shredding import ShredReason, ShredRefusal
from casework.extensions import db
from casework.models import (
    Attachment,
    AuditEvent,
    BlindIndexEntry,
    DestructionCertificate,
    Person,
    Subject,
    SubjectKey,
)
from casework.services import attachments, persons, shredding, subjects
from casework.services.errors import ServiceError
from casework.services.tombstones import Tombstones
from crypto import SignatureError, public_key, verify
from tests.support import is_postgres, make_staff, service_ctx

VICTIM = ["Айгүл Садыкова", "Aigul Sadykova"]
OTHER = ["Қайрат Жұмабаев"]
PDF = b"%PDF-1.7 signed consent form of the person " * 100


def _setup(app):
    """A victim with an attachment, a bystander, a director and a caseworker (committed)."""
    director = make_staff(app, "director")
    caseworker = make_staff(app, "caseworker")
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app, caseworker.public_id)
        victim = persons.register(ctx, names=VICTIM, date_of_birth="17.05.1990",
                                  phones=["8 701 555 12 34"])
        other = persons.register(ctx, names=OTHER, date_of_birth="1985-01-02",
                                 phones=["87771234567"])
        files = [attachments.store(
            ctx, settings.attachments_path, subject_id=victim.subject_id, owner_type="person",
            owner_ref=victim.public_id, stream=io.BytesIO(PDF), filename="consent.pdf",
            max_bytes=10**7) for _ in range(2)]
        other_file = attachments.store(
            ctx, settings.attachments_path, subject_id=other.subject_id, owner_type="person",
            owner_ref=other.public_id, stream=io.BytesIO(PDF), filename="other.pdf",
            max_bytes=10**7)
        wrapped = list(db.session.scalars(select(SubjectKey.wrapped_key).where(
            SubjectKey.subject_id == victim.subject_id)))
        state = {
            "victim": victim.case_code, "victim_subject": victim.subject_id,
            "other": other.case_code, "other_file": other_file.public_id,
            "files": [settings.attachments_path / f.storage_name for f in files],
            "wrapped": wrapped, "names_token": victim.names_ciphertext,
            "file_keys": [f.wrapped_file_key for f in files],
        }
        db.session.commit()
    return director, caseworker, state


def _assert_shredded(app, state):
    settings = app.extensions["senim.settings"]
    subject_id = state["victim_subject"]
    with app.app_context():
        ctx = service_ctx(app)
        count = lambda model: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(model.subject_id == subject_id))
        assert count(SubjectKey) == 0
        assert count(BlindIndexEntry) == 0
        person = persons.by_case_code(ctx, state["victim"])
        for column in Person.encrypted_columns:
            assert getattr(person, column) is None, column
        for row in db.session.scalars(select(Attachment).where(
                Attachment.subject_id == subject_id)):
            assert row.wrapped_file_key == b"" and row.filename_ciphertext == b""
            with pytest.raises((subjects.SubjectShredded, subjects.IntegrityAlarm)):
                attachments.read(ctx, settings.attachments_path, row)
        assert not any(path.exists() for path in state["files"])
        assert db.session.get(Subject, subject_id).shredded_at is not None
        with pytest.raises((subjects.SubjectShredded, subjects.IntegrityAlarm)):
            persons.read(ctx, person)
        for query in ("Aigul", "Садыкова", "17.05.1990", "87015551234"):
            assert persons.search(ctx, query) == []
        # Everybody else is untouched.
        other = persons.by_case_code(ctx, state["other"])
        assert persons.read(ctx, other).names == OTHER
        assert persons.search(ctx, "Kairat") == [other]
        other_file = attachments.get(ctx, state["other_file"])
        assert attachments.read(ctx, settings.attachments_path, other_file)[1] == PDF
        assert subject_id in Tombstones(settings.tombstones_file).load()
        db.session.rollback()


def _certificate(app, state, director):
    with app.app_context():
        certificate = db.session.scalar(select(DestructionCertificate).where(
            DestructionCertificate.subject_id == state["victim_subject"]))
        assert certificate is not None
        signing = app.extensions["senim.keys"].keyset("signing").get(
            certificate.signing_key_version)
        verify(public_key(signing.material), certificate.statement.encode("utf-8"),
               certificate.signature)
        with pytest.raises(SignatureError):
            verify(public_key(signing.material),
                   certificate.statement.replace("erasure_request", "created_in_error")
                   .encode(), certificate.signature)
        statement = json.loads(certificate.statement)
        assert statement["subject"] == state["victim_subject"]
        assert statement["approved_by"] == director.public_id
        assert statement["destroyed"]["data_keys"] == 1
        assert statement["destroyed"]["attachments"] == 2
        for word in " ".join(VICTIM).split() + ["1990", "7015551234", "consent"]:
            assert word not in certificate.statement
        audit = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "subject.shred", AuditEvent.outcome == "ok")).all()
        assert [a.object_ref for a in audit] == [state["victim_subject"]]
        return certificate


def _service_shred(app, state, *, actor, approver, reason=ShredReason.ERASURE_REQUEST):
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app, actor)
        try:
            certificate = shredding.shred(
                ctx, subject_id=state["victim_subject"], reason=reason, approved_by=approver,
                folder=settings.attachments_path,
                tombstones=Tombstones(settings.tombstones_file), commit=db.session.commit)
        except ServiceError:
            db.session.rollback()
            raise
        db.session.commit()
        return certificate.public_id


def _raw_sqlite(app):
    with app.app_context():
        path = Path(db.engines[None].url.database)
    return b"".join(Path(str(path) + s).read_bytes() for s in ("", "-wal")
                    if Path(str(path) + s).exists())


def test_shred_through_the_service(app):
    director, caseworker, state = _setup(app)
    _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    _assert_shredded(app, state)
    _certificate(app, state, director)


def test_shred_through_the_cli(app):
    director, caseworker, state = _setup(app)
    result = app.test_cli_runner().invoke(args=[
        "senim", "shred", state["victim"], "--approved-by", director.email,
        "--requested-by", caseworker.email, "--reason", "erasure_request"])
    assert result.exit_code == 0, result.output
    assert "senim keys rotate" in result.output
    _assert_shredded(app, state)
    _certificate(app, state, director)


@pytest.mark.parametrize("how", ["service", "cli"])
def test_destroyed_keys_leave_no_copy_in_the_sqlite_files(app, how):
    if is_postgres(app):
        pytest.skip("raw database files are checked on SQLite")
    director, caseworker, state = _setup(app)
    before = _raw_sqlite(app)
    assert any(key in before for key in state["wrapped"]), "control: the key is on disk"
    if how == "cli":
        result = app.test_cli_runner().invoke(args=[
            "senim", "shred", state["victim"], "--approved-by", director.email,
            "--reason", "erasure_request"])
        assert result.exit_code == 0, result.output
    else:
        _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    after = _raw_sqlite(app)
    for secret in state["wrapped"] + state["file_keys"] + [state["names_token"]]:
        assert secret not in after


def test_legal_hold_blocks_shredding_and_destroys_nothing(app):
    director, caseworker, state = _setup(app)
    result = app.test_cli_runner().invoke(args=["senim", "legal-hold", state["victim"]])
    assert result.exit_code == 0, result.output
    with pytest.raises(ServiceError) as error:
        _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    assert ShredRefusal.LEGAL_HOLD in error.value.reasons
    result = app.test_cli_runner().invoke(args=[
        "senim", "shred", state["victim"], "--approved-by", director.email,
        "--reason", "erasure_request"])
    assert result.exit_code != 0 and "legal_hold" in result.output
    _assert_intact(app, state)
    with app.app_context():
        denied = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "subject.shred", AuditEvent.outcome == "denied")).all()
        assert len(denied) >= 1
    # Clearing the hold allows it again.
    assert app.test_cli_runner().invoke(
        args=["senim", "legal-hold", state["victim"], "--clear"]).exit_code == 0
    _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    _assert_shredded(app, state)


def _assert_intact(app, state):
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app)
        person = persons.by_case_code(ctx, state["victim"])
        assert persons.read(ctx, person).names == VICTIM
        assert persons.search(ctx, "Aigul") == [person]
        assert all(path.exists() for path in state["files"])
        for row in db.session.scalars(select(Attachment).where(
                Attachment.subject_id == state["victim_subject"])):
            assert attachments.read(ctx, settings.attachments_path, row)[1] == PDF
        assert db.session.scalar(select(func.count()).select_from(DestructionCertificate)) == 0
        db.session.rollback()


def test_approver_must_differ_from_requester(app):
    director, _, state = _setup(app)
    with pytest.raises(ServiceError) as error:
        _service_shred(app, state, actor=director.public_id, approver=director.public_id)
    assert ShredRefusal.APPROVER_IS_REQUESTER in error.value.reasons
    result = app.test_cli_runner().invoke(args=[
        "senim", "shred", state["victim"], "--approved-by", director.email,
        "--requested-by", director.email, "--reason", "erasure_request"])
    assert result.exit_code != 0 and "approver_is_requester" in result.output
    _assert_intact(app, state)


def test_approver_must_be_a_director(app):
    _, caseworker, state = _setup(app)
    colleague = make_staff(app, "caseworker")
    with pytest.raises(ServiceError) as error:
        _service_shred(app, state, actor=caseworker.public_id, approver=colleague.public_id)
    assert ShredRefusal.APPROVER_NOT_DIRECTOR in error.value.reasons
    with pytest.raises(ServiceError):
        _service_shred(app, state, actor=caseworker.public_id, approver="not-a-staff-id")
    with pytest.raises(ServiceError) as error:
        _service_shred(app, state, actor=caseworker.public_id, approver="")
    assert ShredRefusal.APPROVER_REQUIRED in error.value.reasons
    for approver in (colleague.email, "nobody@test.senim.kz"):
        result = app.test_cli_runner().invoke(args=[
            "senim", "shred", state["victim"], "--approved-by", approver,
            "--reason", "erasure_request"])
        assert result.exit_code != 0 and "director" in result.output
    _assert_intact(app, state)


def test_shredding_twice_is_refused(app):
    director, caseworker, state = _setup(app)
    _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    with pytest.raises(ServiceError) as error:
        _service_shred(app, state, actor=caseworker.public_id, approver=director.public_id)
    assert ShredRefusal.ALREADY_SHREDDED in error.value.reasons
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(
            DestructionCertificate)) == 1
