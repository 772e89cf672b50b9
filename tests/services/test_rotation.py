"""Key rotation (issue 3): casework KEK rotation with batched rewrapping and retirement,
rotation while other workers keep reading, and per-subject data-key rotation.

Rotation changes the key file, so every test here runs on its own instance (own key file,
own databases) and never touches the session-wide ``app``.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from casework.domain.keyversions import GRACE
from casework.extensions import db
from casework.models import Attachment, Person, SubjectKey
from casework.services import attachments, keyops, persons, subjects
from casework.services.errors import ServiceError
from crypto import KeyFileProvider
from tests.support import isolated_instance, service_ctx

PEOPLE = [
    (["Айгүл Садыкова"], "17.05.1990", ["8 701 555 12 34"]),
    (["Нұрсұлтан Әбішұлы"], "1985-01-02", ["+7 727 300 40 50"]),
    (["Қайрат Жұмабаев", "Qairat Zhumabaev"], None, []),
    (["Dana Serikova"], "03/11/2001", ["87771234567", "+7 705 000 11 22"]),
]


@pytest.fixture
def instance(tmp_path):
    with isolated_instance(tmp_path / "rot") as application:
        yield application


def _populate(app, copies=1):
    expected = {}
    with app.app_context():
        ctx = service_ctx(app)
        for _ in range(copies):
            for names, dob, phones in PEOPLE:
                person = persons.register(ctx, names=names, date_of_birth=dob, phones=phones)
                expected[person.case_code] = persons.read(ctx, person)
        db.session.commit()
    return expected


def _read_all(app):
    with app.app_context():
        ctx = service_ctx(app)
        try:
            return {p.case_code: persons.read(ctx, p)
                    for p in db.session.scalars(select(Person))}
        finally:
            db.session.rollback()


def _kek_versions(app):
    with app.app_context():
        return sorted(set(db.session.scalars(select(SubjectKey.kek_version))))


def _reason(error):
    return error.value.reasons[0]


def _later(ctx):
    """The same unit of work once the retirement grace period has passed (no unit of work
    begun before the rotation can still be running)."""
    return dataclasses.replace(ctx, now=ctx.now + GRACE + timedelta(minutes=1))


def test_rotate_and_rewrap_moves_every_key_to_the_new_version(instance):
    expected = _populate(instance)
    with instance.app_context():
        ctx = service_ctx(instance)
        wrapped_before = dict(db.session.execute(
            select(SubjectKey.subject_id, SubjectKey.wrapped_key)).all())
        tokens_before = {p.case_code: p.names_ciphertext for p in db.session.scalars(
            select(Person))}
        assert keyops.rotate_kek(ctx, "casework") == 2
        db.session.commit()
        # New subjects are wrapped under the new version at once.
        newcomer = persons.register(ctx, names=["New Person"], date_of_birth=None, phones=[])
        expected[newcomer.case_code] = persons.read(ctx, newcomer)
        db.session.commit()
        assert subjects.key_versions_in_use(ctx) == {1: len(PEOPLE), 2: 1}
        # Old keys still unwrap before the rewrap.
        assert _read_all(instance) == expected
        done = keyops.rewrap_all(ctx, batch=3, commit=db.session.commit)
        assert done == len(PEOPLE)
        assert subjects.key_versions_in_use(ctx) == {2: len(PEOPLE) + 1}
        for subject_id, wrapped in db.session.execute(
                select(SubjectKey.subject_id, SubjectKey.wrapped_key)):
            assert wrapped[1:5] == (2).to_bytes(4, "big")
            if subject_id in wrapped_before:
                assert wrapped != wrapped_before[subject_id]
        # Field tokens are untouched by a KEK rotation.
        assert {p.case_code: p.names_ciphertext for p in db.session.scalars(
            select(Person)) if p.case_code in tokens_before} == tokens_before
    assert _kek_versions(instance) == [2]
    assert _read_all(instance) == expected
    with instance.app_context():
        ctx = service_ctx(instance)
        assert keyops.rewrap_all(ctx, commit=db.session.commit) == 0, "idempotent"
        assert [p.case_code for p in persons.search(ctx, "Qairat")] == [
            code for code, r in expected.items() if "Qairat Zhumabaev" in r.names]


def test_retire_is_refused_while_in_use_and_for_the_current_version(instance):
    expected = _populate(instance)
    key_file = instance.extensions["senim.settings"].key_file
    with instance.app_context():
        ctx = service_ctx(instance)
        with pytest.raises(ServiceError) as error:
            keyops.retire(ctx, "casework", 1)
        assert _reason(error) == keyops.KeyReason.CURRENT
        keyops.rotate_kek(ctx, "casework")
        db.session.commit()
        with pytest.raises(ServiceError) as error:
            keyops.retire(ctx, "casework", 1)
        assert _reason(error) == keyops.KeyReason.IN_USE
        with pytest.raises(ServiceError) as error:
            keyops.retire(ctx, "casework", 2)
        assert _reason(error) == keyops.KeyReason.CURRENT
        with pytest.raises(ServiceError) as error:
            keyops.retire(ctx, "casework", 7)
        assert _reason(error) == keyops.KeyReason.UNKNOWN
        # A partial rewrap (one batch) still leaves the old version in use.
        keyops.rewrap_batch(ctx, batch=1)
        db.session.commit()
        with pytest.raises(ServiceError) as error:
            keyops.retire(_later(ctx), "casework", 1)
        assert _reason(error) == keyops.KeyReason.IN_USE
        assert KeyFileProvider(key_file, scrypt_n=2**10).load().casework.versions == (1, 2)
        keyops.rewrap_all(ctx, batch=2, commit=db.session.commit)
        with pytest.raises(ServiceError) as error:  # nothing uses it, but too recent
            keyops.retire(ctx, "casework", 1)
        assert error.value.reasons == (keyops.KeyReason.RECENTLY_CURRENT,)
        keyops.retire(_later(ctx), "casework", 1)
        db.session.commit()
    on_disk = KeyFileProvider(key_file, scrypt_n=2**10).load()
    assert on_disk.casework.versions == (2,)
    assert _read_all(instance) == expected


def test_other_key_sets_rotate_without_breaking_search_or_reads(instance):
    """Rotating the blind-index root would silently break every search (all index values
    change): it must be refused, not half-done."""
    _populate(instance)
    with instance.app_context():
        ctx = service_ctx(instance)
        with pytest.raises(ServiceError) as error:
            keyops.rotate_kek(ctx, "index_root")
        assert _reason(error) == keyops.KeyReason.NOT_ROTATABLE
        assert len(persons.search(ctx, "Aigul")) == 1


def test_cli_rotate_rewrap_retire(instance):
    expected = _populate(instance)
    runner = instance.test_cli_runner()
    result = runner.invoke(args=["senim", "keys", "retire", "--version", "1"])
    assert result.exit_code != 0 and "key_version_current" in result.output
    result = runner.invoke(args=["senim", "keys", "rotate", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert f"rewrapped {len(PEOPLE)} subject keys" in result.output
    assert _kek_versions(instance) == [2]
    result = runner.invoke(args=["senim", "keys", "status"])
    assert result.exit_code == 0 and "casework KEK v2 wraps 4 subject keys" in result.output
    result = runner.invoke(args=["senim", "keys", "retire", "--version", "1"])
    assert result.exit_code == 1 and "key_version_recently_current" in result.output
    with freeze_time(datetime.now(UTC) + GRACE + timedelta(minutes=1), tick=True):
        result = runner.invoke(args=["senim", "keys", "retire", "--version", "1"])
    assert result.exit_code == 0, result.output
    assert _read_all(instance) == expected


def test_rotation_under_concurrent_reads_loses_nothing(instance):
    """Readers in other threads (one on the same app, one on a second app instance over
    the same databases and key file, like another worker process) read every person
    while the main thread rotates and rewraps in small committed batches."""
    expected = _populate(instance, copies=3)
    with _same_databases(instance) as other:
        stop = threading.Event()
        errors: list[BaseException] = []
        rounds = {"same": 0, "other": 0}
        progress = threading.Condition()

        def reader(app, label):
            try:
                while True:
                    last = stop.is_set()
                    seen = _read_all(app)
                    if seen != expected:
                        raise AssertionError(f"{label}: read differed from the original")
                    with progress:
                        rounds[label] += 1
                        progress.notify_all()
                    if last:
                        return
            except BaseException as exc:  # noqa: BLE001 - reported to the main thread
                errors.append(exc)
                with progress:
                    progress.notify_all()

        def readers_caught_up():
            # Every reader completes a whole pass that began after the last commit, so
            # each intermediate state (keys under mixed KEK versions) is really read.
            with progress:
                target = {k: v + 2 for k, v in rounds.items()}
                assert progress.wait_for(lambda: errors or all(
                    rounds[k] >= target[k] for k in rounds), timeout=30)

        threads = [threading.Thread(target=reader, args=(instance, "same")),
                   threading.Thread(target=reader, args=(other, "other"))]
        for thread in threads:
            thread.start()
        try:
            with instance.app_context():
                ctx = service_ctx(instance)
                for _ in range(2):  # two rotations: v1 -> v2 -> v3
                    keyops.rotate_kek(ctx, "casework")
                    db.session.commit()
                    readers_caught_up()
                    total = 0
                    while True:
                        done = keyops.rewrap_batch(ctx, batch=2)
                        db.session.commit()
                        total += done.rewrapped
                        readers_caught_up()
                        if done.remaining == 0:
                            break
                    assert total == len(expected)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert not errors, errors
        assert min(rounds.values()) >= 4 * 2, rounds
    assert _kek_versions(instance) == [3]
    with instance.app_context():
        ctx = service_ctx(instance)
        keyops.retire(_later(ctx), "casework", 1)
        keyops.retire(_later(ctx), "casework", 2)
        db.session.commit()
    assert _read_all(instance) == expected


def _same_databases(app):
    """A second application over the same databases and key file (another worker)."""
    import contextlib

    from casework import create_app
    from tests.support import dispose

    @contextlib.contextmanager
    def _other():
        second = create_app(app.extensions["senim.settings"])
        try:
            yield second
        finally:
            dispose(second)

    return _other()


def test_rotate_data_key_reencrypts_fields_and_rewraps_attachments(instance):
    expected = _populate(instance)
    folder = instance.extensions["senim.settings"].attachments_path
    data = b"%PDF-1.4 " + b"statement " * 20000  # several chunks
    with instance.app_context():
        ctx = service_ctx(instance)
        person, bystander = list(db.session.scalars(select(Person).order_by(Person.id)))[:2]
        attachment = attachments.store(
            ctx, folder, subject_id=person.subject_id, owner_type="person",
            owner_ref=person.public_id, stream=io.BytesIO(data), filename="statement.pdf",
            max_bytes=10 * 1024 * 1024)
        db.session.commit()
        file_before = (folder / attachment.storage_name).read_bytes()
        tokens_before = {c: getattr(person, c) for c in ("names_ciphertext",
                                                          "date_of_birth_ciphertext",
                                                          "phones_ciphertext")}
        wrapped_file_key_before = attachment.wrapped_file_key
        filename_before = attachment.filename_ciphertext
        bystander_before = bystander.names_ciphertext
        old_key = db.session.scalar(select(SubjectKey.wrapped_key).where(
            SubjectKey.subject_id == person.subject_id))

        assert keyops.rotate_data_key(ctx, person.subject_id) == 2
        db.session.commit()

        rows = list(db.session.scalars(select(SubjectKey).where(
            SubjectKey.subject_id == person.subject_id)))
        assert [r.version for r in rows] == [2], "the old data-key version is gone"
        assert rows[0].wrapped_key != old_key
        db.session.expire_all()
        person = db.session.get(Person, person.id)
        for column, before in tokens_before.items():
            after = getattr(person, column)
            assert after != before, column
            assert after[1:5] == (2).to_bytes(4, "big")
        attachment = db.session.scalar(select(Attachment).where(Attachment.id == attachment.id))
        assert attachment.wrapped_file_key != wrapped_file_key_before
        assert attachment.filename_ciphertext != filename_before
        assert (folder / attachment.storage_name).read_bytes() == file_before, \
            "the file itself is not rewritten"
        assert attachments.read(ctx, folder, attachment) == ("statement.pdf", data)
        assert db.session.get(Person, bystander.id).names_ciphertext == bystander_before
        assert persons.search(ctx, "Айгүл") == [person]
        db.session.commit()
    assert _read_all(instance) == expected
