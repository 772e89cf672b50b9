"""Encrypted backups and restores (issue 3): a backup holds no plaintext and no usable key,
restores into a fresh instance and decrypts there; a backup taken before a shred never
brings the shredded person back, with the tombstone list, and, once the casework KEK has
been rotated and the old version retired, even without it."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from casework.domain.keyversions import GRACE
from casework.extensions import db
from casework.models import Attachment, CaseloadCount, Person, Staff, SubjectKey
from casework.services import access, attachments, backup, caseloads, persons, subjects
from crypto import KeyFileProvider, KeyNotFoundError, unwrap_key
from tests.support import (
    find_in,
    is_postgres,
    isolated_instance,
    make_staff,
    raw_storage,
    service_ctx,
)

CANARY = f"CANARYBK{uuid.uuid4().hex[:12]}"
VICTIM = [f"Айгүл {CANARY}VICTIM", "Aigul Sadykova"]
BYSTANDER = [f"Дана {CANARY}OTHER"]
PHONE = "8 701 555 12 34"
PDF = b"%PDF-1.7 " + f"{CANARY}FILE ".encode() * 500
ODD_NAME = "Line\u2028Sep\x85Name\x1cEnd"  # characters str.splitlines() would split on


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["senim", *[str(a) for a in args]])


def _populate(app):
    director = make_staff(app, "director")
    caseworker = make_staff(app, "caseworker")
    with app.app_context():
        db.session.scalar(select(Staff).where(Staff.public_id == director.public_id)) \
            .display_name = ODD_NAME
        ctx = service_ctx(app)
        victim = persons.register(ctx, names=VICTIM, date_of_birth="17.05.1990",
                                  phones=[PHONE])
        bystander = persons.register(ctx, names=BYSTANDER, date_of_birth=None,
                                     phones=["87771234567"])
        attachment = attachments.store(
            ctx, app.extensions["senim.settings"].attachments_path,
            subject_id=victim.subject_id, owner_type="person", owner_ref=victim.public_id,
            stream=io.BytesIO(PDF), filename=f"{CANARY}NAME.pdf", max_bytes=10**7)
        access.assign(ctx, victim, db.session.scalar(select(Staff).where(
            Staff.public_id == caseworker.public_id)))
        expected = {p.case_code: persons.read(ctx, p) for p in (victim, bystander)}
        info = {"caseworker": caseworker.public_id, "victim": victim.case_code,
                "victim_subject": victim.subject_id,
                "bystander": bystander.case_code, "director": director,
                "attachment": attachment.public_id, "expected": expected,
                "wrapped": list(db.session.scalars(select(SubjectKey.wrapped_key).where(
                    SubjectKey.subject_id == victim.subject_id))),
                "names_token": victim.names_ciphertext,
                "deks": [subjects.data_key(ctx, p.subject_id).material
                         for p in (victim, bystander)]}
        db.session.commit()
    return info


def _identity(app):
    return app.extensions["senim.settings"].backup_identity_file


def _copy_keys(source, root: Path, *, tombstones=False):
    settings = source.extensions["senim.settings"]
    (root / "keys").mkdir(parents=True, mode=0o700)
    shutil.copy(settings.key_file, root / "keys" / "keys.json")
    (root / "keys" / "keys.json").chmod(0o600)
    if tombstones and settings.tombstones_file.exists():
        shutil.copy(settings.tombstones_file, root / "keys" / "tombstones.json")


def _read_everyone(app):
    with app.app_context():
        ctx = service_ctx(app)
        out = {}
        for person in db.session.scalars(select(Person)):
            try:
                out[person.case_code] = persons.read(ctx, person)
            except (subjects.SubjectShredded, subjects.IntegrityAlarm) as error:
                out[person.case_code] = type(error).__name__
        db.session.rollback()
        return out


@pytest.fixture
def source(tmp_path):
    with isolated_instance(tmp_path / "source") as app:
        yield app


def test_backup_holds_no_plaintext_and_restores_into_a_fresh_instance(source, tmp_path):
    info = _populate(source)
    out = tmp_path / "senim.backup"
    result = _cli(source, "backup", "--out", out)
    assert result.exit_code == 0, result.output
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    blob = out.read_bytes()
    for needle in (CANARY, "Sadykova", "Айгүл"):
        assert not find_in(blob, needle)
    # Inside the age envelope: ciphertext only, and never a key that opens it.
    manifest, files = backup.open_backup(out, _identity(source).read_text())
    inner = b"".join(files.values())
    assert not find_in(inner, CANARY) and not find_in(inner, "Sadykova")
    assert not any(dek in inner for dek in info["deks"])
    material = source.extensions["senim.keys"].material
    for name in ("casework", "index_root", "staff", "audit", "secret", "signing"):
        for version in getattr(material, name).versions:
            assert getattr(material, name).get(version).material not in inner, name
    assert manifest["attachments"] and not any("keys" in name for name in files)
    # Restore into a second, fresh instance holding a copy of the key file.
    restored_root = tmp_path / "restored"
    _copy_keys(source, restored_root)
    with isolated_instance(restored_root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "restored: 2 persons and 1 attachments decrypt" in result.output
        assert "0 failures; audit chain ok" in result.output
        assert _read_everyone(restored) == info["expected"]
        with restored.app_context():
            ctx = service_ctx(restored)
            row = attachments.get(ctx, info["attachment"])
            folder = restored.extensions["senim.settings"].attachments_path
            assert attachments.read(ctx, folder, row) == (f"{CANARY}NAME.pdf", PDF)
            assert [p.case_code for p in persons.search(ctx, "Aigul")] == [info["victim"]]
            director = db.session.scalar(select(Staff).where(
                Staff.public_id == info["director"].public_id))
            assert director.display_name == ODD_NAME
            # The caseload count came across, and its triggers still follow new rows
            assert caseloads.recount(ctx) == 0
            caseworker = db.session.scalar(select(Staff).where(
                Staff.public_id == info["caseworker"]))
            assert db.session.get(CaseloadCount, caseworker.id).open_assignments == 1
            access.assign(ctx, persons.by_case_code(ctx, info["bystander"]), caseworker)
            db.session.flush()
            db.session.expire_all()
            assert db.session.get(CaseloadCount, caseworker.id).open_assignments == 2
            db.session.rollback()
        # A second restore over the now non-empty instance is refused.
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code != 0 and "fresh instance" in result.output
        assert _read_everyone(restored) == info["expected"]


def test_restore_into_a_non_empty_instance_is_refused(source, tmp_path):
    info = _populate(source)
    out = tmp_path / "senim.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    with source.app_context():
        ctx = service_ctx(source)
        persons.register(ctx, names=["Added After"], date_of_birth=None, phones=[])
        db.session.commit()
    result = _cli(source, "restore", out, "--identity", _identity(source))
    assert result.exit_code != 0 and "fresh instance" in result.output
    assert len(_read_everyone(source)) == len(info["expected"]) + 1


def test_restore_with_a_wrong_identity_or_foreign_key_file_is_refused(source, tmp_path):
    _populate(source)
    out = tmp_path / "senim.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    import pyrage

    wrong = tmp_path / "wrong-identity.txt"
    wrong.write_text(str(pyrage.x25519.Identity.generate()))
    with isolated_instance(tmp_path / "other", migrate=False) as other:
        result = _cli(other, "restore", out, "--identity", wrong)
        assert result.exit_code != 0 and "could not be decrypted" in result.output
        # Its own (different) key file: nothing of the backup may decrypt.
        result = _cli(other, "restore", out, "--identity", _identity(source))
        assert result.exit_code != 0 and "nothing switched" in result.output
        # The staged copy failed its checks and was discarded: nothing was switched in.
        assert not _has_tables(other)


def _backup_then_shred(source, tmp_path):
    info = _populate(source)
    out = tmp_path / "before-shred.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    result = _cli(source, "shred", info["victim"], "--approved-by", info["director"].email,
                  "--reason", "erasure_request")
    assert result.exit_code == 0, result.output
    return info, out


def test_backup_from_before_a_shred_does_not_bring_the_person_back(source, tmp_path):
    info, out = _backup_then_shred(source, tmp_path)
    root = tmp_path / "restored"
    _copy_keys(source, root, tombstones=True)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "1 shredded subjects removed; 0 failures" in result.output
        seen = _read_everyone(restored)
        assert seen[info["victim"]] in ("SubjectShredded", "IntegrityAlarm")
        assert seen[info["bystander"]] == info["expected"][info["bystander"]]
        with restored.app_context():
            ctx = service_ctx(restored)
            assert persons.search(ctx, "Aigul") == []
            assert persons.search(ctx, "87015551234") == []
            assert db.session.scalar(select(func.count()).select_from(SubjectKey).where(
                SubjectKey.subject_id == info["victim_subject"])) == 0
            row = db.session.scalar(select(Attachment))
            with pytest.raises((subjects.SubjectShredded, subjects.IntegrityAlarm)):
                attachments.read(ctx, restored.extensions["senim.settings"].attachments_path,
                                 row)
            db.session.rollback()
        blobs = raw_storage(restored)
        assert not [name for name in blobs if name.startswith("attachments/")], \
            "the shredded person's file is not restored"
        for name, blob in blobs.items():
            for secret in info["wrapped"] + [info["names_token"]]:
                assert secret not in blob, name
            assert not find_in(blob, CANARY), name


def _wrapped_keys_in_backup(path: Path, identity: str, subject_id: str) -> list[bytes]:
    """The victim's wrapped data keys as an attacker holding the backup finds them."""
    manifest, files = backup.open_backup(path, identity)
    entry = manifest["databases"]["casework"]
    data = files[entry["file"]]
    if entry["kind"] == "sqlite":
        copy = path.with_name(path.name + ".casework.db")
        copy.write_bytes(data)
        conn = sqlite3.connect(copy)
        try:
            rows = conn.execute("SELECT wrapped_key FROM subject_keys WHERE subject_id = ?",
                                (subject_id,)).fetchall()
        finally:
            conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(copy) + suffix).unlink(missing_ok=True)
        return [bytes(r[0]) for r in rows]
    text = data.decode("utf-8")
    block = re.search(r"^COPY \S+\.subject_keys \(([^)]*)\) FROM stdin;\n(.*?)^\\\.$",
                      text, re.M | re.S)
    assert block, "no subject_keys in the dump"
    columns = [c.strip() for c in block.group(1).split(",")]
    out = []
    for line in block.group(2).splitlines():
        values = dict(zip(columns, line.split("\t"), strict=True))
        if values["subject_id"] == subject_id:
            out.append(bytes.fromhex(values["wrapped_key"].removeprefix("\\\\x")))
    return out


def test_rotate_and_retire_makes_an_old_backup_useless_for_the_shredded(source, tmp_path):
    info, out = _backup_then_shred(source, tmp_path)
    identity = _identity(source).read_text()
    old_keys = KeyFileProvider(source.extensions["senim.settings"].key_file,
                               scrypt_n=2**10).load().casework
    # Control: before the documented rotation the old backup still holds a usable key.
    stolen = _wrapped_keys_in_backup(out, identity, info["victim_subject"])
    assert stolen and unwrap_key(old_keys, stolen[0], subject=info["victim_subject"],
                                 purpose=subjects.WRAP_PURPOSE)
    result = _cli(source, "keys", "rotate")
    assert result.exit_code == 0, result.output
    # Retirement waits until no unit of work begun before the rotation can be running.
    with freeze_time(datetime.now(UTC) + GRACE + timedelta(minutes=1), tick=True):
        result = _cli(source, "keys", "retire", "--version", "1")
    assert result.exit_code == 0, result.output
    new_keys = KeyFileProvider(source.extensions["senim.settings"].key_file,
                               scrypt_n=2**10).load().casework
    assert new_keys.versions == (2,)
    for wrapped in stolen:
        with pytest.raises(KeyNotFoundError):
            unwrap_key(new_keys, wrapped, subject=info["victim_subject"],
                       purpose=subjects.WRAP_PURPOSE)
    # Restoring the old backup with today's key file, WITHOUT the tombstone list.
    root = tmp_path / "restored"
    _copy_keys(source, root, tombstones=False)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code != 0
        seen = _read_everyone(restored) if _has_tables(restored) else {}
        assert not any(isinstance(v, persons.PersonRecord) for v in seen.values())
        for blob in raw_storage(restored).values():
            assert not find_in(blob, CANARY)
    # The live instance keeps working for everybody else, and a new backup restores.
    assert _read_everyone(source)[info["bystander"]] == info["expected"][info["bystander"]]
    fresh = tmp_path / "after-rotation.backup"
    assert _cli(source, "backup", "--out", fresh).exit_code == 0
    root = tmp_path / "restored-new"
    _copy_keys(source, root, tombstones=True)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", fresh, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        seen = _read_everyone(restored)
        assert seen[info["bystander"]] == info["expected"][info["bystander"]]
        assert seen[info["victim"]] in ("SubjectShredded", "IntegrityAlarm")


def _has_tables(app):
    from sqlalchemy import inspect

    with app.app_context():
        return inspect(db.engines[None]).has_table("persons")


def test_postgres_backup_uses_the_schema_qualified_dump(source, tmp_path):
    if not is_postgres(source):
        pytest.skip("PostgreSQL only")
    _populate(source)
    out = tmp_path / "pg.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    manifest, files = backup.open_backup(out, _identity(source).read_text())
    for name in ("casework", "intel"):
        entry = manifest["databases"][name]
        assert entry["kind"] == "sql" and entry["schema"]
        dump = files[entry["file"]].decode()
        assert f"CREATE TABLE {entry['schema']}." in dump
