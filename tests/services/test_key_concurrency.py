"""Key operations under concurrency (issue 16): one key operation at a time across
processes, running processes following the current key version through rotate, rewrap and
retire, and a data-key rotation racing a caseworker's writes.

Every test runs on its own instance (own key file and databases, SQLite or PostgreSQL) and
a second application over the same databases and key file stands for another process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import click
import pytest
from freezegun import freeze_time
from sqlalchemy import delete, select

from casework import create_app
from casework.domain.casenotes import NoteKind
from casework.domain.keyversions import GRACE
from casework.extensions import db
from casework.models import AuditEvent, CaseNote, KeyUser, Person, SubjectKey
from casework.models.base import utcnow
from casework.services import casenotes, keyops, oplock, persons
from crypto import KeyFileProvider
from tests.support import bearer, dispose, isolated_instance, make_staff, make_token, service_ctx

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def instance(tmp_path):
    with isolated_instance(tmp_path / "conc") as application:
        yield application


@contextlib.contextmanager
def other_process(app):
    """A second application over the same databases and key file (another worker)."""
    second = create_app(app.extensions["senim.settings"])
    try:
        yield second
    finally:
        dispose(second)


def invoke(app, *args: str) -> tuple[bool, str]:
    """Run ``flask senim ARGS`` against ``app`` in the calling thread (no output capture,
    so several threads can run commands at once). Returns (succeeded, refusal message)."""
    with app.app_context():
        try:
            app.cli.main(args=["senim", *args], standalone_mode=False)
        except click.ClickException as refused:
            db.session.rollback()
            return False, refused.format_message()
        return True, ""


def register(app, count: int, label: str = "P") -> list[str]:
    with app.app_context():
        ctx = service_ctx(app)
        codes = [persons.register(ctx, names=[f"{label} Person {i}"], date_of_birth=None,
                                  phones=[]).case_code for i in range(count)]
        db.session.commit()
        return codes


def read_everyone(app) -> dict[str, list[str]]:
    with app.app_context():
        ctx = service_ctx(app)
        try:
            return {p.case_code: persons.read(ctx, p).names
                    for p in db.session.scalars(select(Person))}
        finally:
            db.session.rollback()


def kek_versions(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(SubjectKey.kek_version)))


# --- 1. one key operation at a time --------------------------------------------------------


def test_two_rotations_at_once_one_succeeds_the_other_refuses(instance, monkeypatch):
    """Two operators start `keys rotate` at the same moment on two processes. The first to
    take the lock pauses inside its rotation until the other has finished: without a lock
    both would rotate (each its own v2, the last key-file write winning)."""
    register(instance, 6)
    expected = read_everyone(instance)
    finished = {name: threading.Event() for name in ("a", "b")}
    real_rewrap = keyops.rewrap_all

    def slow_rewrap(ctx, **kwargs):
        me = threading.current_thread().name
        other = "b" if me == "a" else "a"
        finished[other].wait(timeout=8)  # hold the lock while the other tries
        return real_rewrap(ctx, **kwargs)

    monkeypatch.setattr(keyops, "rewrap_all", slow_rewrap)
    results: dict[str, tuple[bool, str]] = {}
    with other_process(instance) as second:
        def run(app, name):
            try:
                results[name] = invoke(app, "keys", "rotate")
            finally:
                finished[name].set()

        threads = [threading.Thread(target=run, args=(app, name), name=name)
                   for app, name in ((instance, "a"), (second, "b"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes = sorted(ok for ok, _ in results.values())
        assert outcomes == [False, True], results
        refusal = next(message for ok, message in results.values() if not ok)
        assert "another key operation is running" in refusal
        assert read_everyone(second) == expected
    on_disk = KeyFileProvider(instance.extensions["senim.settings"].key_file,
                              scrypt_n=2**10).load()
    assert on_disk.casework.versions == (1, 2)
    assert kek_versions(instance) == {2}
    assert read_everyone(instance) == expected
    with other_process(instance) as restarted:
        assert read_everyone(restarted) == expected
    ok, message = invoke(instance, "keys", "status")
    assert ok, message


def test_every_key_operation_is_refused_while_another_holds_the_lock(instance):
    codes = register(instance, 1)
    settings = instance.extensions["senim.settings"]
    before = settings.key_file.read_bytes()
    with instance.app_context():
        engine = db.engines[None]
    with oplock.exclusive(engine, "backup", folder=settings.instance_path):
        for args in (("keys", "rotate"), ("keys", "rewrap"), ("keys", "retire", "--version", "1"),
                     ("keys", "rotate-data-key", codes[0]),
                     ("shred", codes[0], "--approved-by", "d@t.kz", "--reason",
                      "erasure_request"),
                     ("backup", "--out", str(settings.instance_path / "b.age"))):
            ok, message = invoke(instance, *args)
            assert not ok and "another key operation is running" in message, args
    assert settings.key_file.read_bytes() == before
    assert not (settings.instance_path / "b.age").exists()
    ok, message = invoke(instance, "keys", "rotate")
    assert ok, message  # released when the holder finished


def test_a_separate_process_is_refused_while_the_lock_is_held(instance):
    """The lock works across real processes: `flask senim keys rotate` in a child process
    exits non-zero with the message and leaves the key file as it was."""
    settings = instance.extensions["senim.settings"]
    env = {**os.environ, "SENIM_ENV": "test", "SENIM_INSTANCE_PATH": str(settings.instance_path),
           "SENIM_DATABASE_URL": settings.database_url,
           "SENIM_INTEL_DATABASE_URL": settings.intel_database_url,
           "SENIM_KEY_FILE": str(settings.key_file), "SENIM_LOG_LEVEL": "WARNING"}
    before = settings.key_file.read_bytes()
    with instance.app_context():
        engine = db.engines[None]
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "senim", "keys", "rotate"]
    with oplock.exclusive(engine, "rotate", folder=settings.instance_path):
        child = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                               timeout=120, check=False)
    assert child.returncode == 1, child.stderr
    assert "another key operation is running" in child.stderr
    assert settings.key_file.read_bytes() == before
    child = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,  # noqa: S603
                           timeout=120, check=False)
    assert child.returncode == 0, child.stderr
    assert "new current version v2" in child.stdout


def test_key_file_write_based_on_a_stale_read_is_refused(instance):
    """A process that read the key file before another rotated never overwrites it."""
    with other_process(instance) as second, second.app_context():
        stale = second.extensions["senim.keys"]
        stale.material  # noqa: B018 - read the key file now
        ok, message = invoke(instance, "keys", "rotate", "--keyset", "secret")
        assert ok, message
        from crypto import KeyFileChangedError

        with pytest.raises(KeyFileChangedError):
            stale.save(stale.file_material().with_rotated("secret"))
    on_disk = KeyFileProvider(instance.extensions["senim.settings"].key_file,
                              scrypt_n=2**10).load()
    assert on_disk.secret.versions == (1, 2)


# --- 2. running processes follow the current version ---------------------------------------


class Registrar(threading.Thread):
    """A web worker registering people through the API for as long as the test runs."""

    def __init__(self, app, token):
        super().__init__(daemon=True)
        self.app, self.token = app, token
        self.codes: list[str] = []
        self.errors: list[str] = []
        self.run_allowed = threading.Event()
        self.idle = threading.Event()
        self.stop = threading.Event()
        self.run_allowed.set()

    def run(self):
        client = self.app.test_client()
        while not self.stop.is_set():
            if not self.run_allowed.is_set():
                self.idle.set()
                self.run_allowed.wait(timeout=0.2)
                continue
            self.idle.clear()
            response = client.post("/api/v1/persons", headers=bearer(self.token), json={
                "names": [f"Web Person {len(self.codes)}"], "gender": "not_stated"})
            if response.status_code == 201:
                self.codes.append(response.get_json()["case_code"])
            else:
                self.errors.append(f"{response.status_code} {response.get_data(as_text=True)}")
        self.idle.set()

    def wait_for(self, more: int) -> None:
        target = len(self.codes) + more
        deadline = time.monotonic() + 60
        while len(self.codes) < target and time.monotonic() < deadline and not self.errors:
            time.sleep(0.05)
        assert len(self.codes) >= target, self.errors

    def pause(self) -> None:
        self.run_allowed.clear()
        self.idle.clear()
        assert self.idle.wait(timeout=30)


def test_rotate_rewrap_retire_while_a_web_process_keeps_registering(instance):
    register(instance, 3)
    caseworker = make_staff(instance, "caseworker")
    token = make_token(instance, caseworker)
    with other_process(instance) as web:
        worker = Registrar(web, token)
        worker.start()
        try:
            worker.wait_for(2)
            ok, message = invoke(instance, "keys", "rotate")
            assert ok, message
            worker.wait_for(3)  # registered after the rotation: under v2 at once
            ok, message = invoke(instance, "keys", "rewrap")
            assert ok, message
            worker.pause()
            # Work begun before the rotation may still be running: refused for a while.
            ok, message = invoke(instance, "keys", "retire", "--version", "1")
            assert not ok and "key_version_recently_current" in message
            with freeze_time(datetime.now(UTC) + GRACE + timedelta(minutes=1), tick=True):
                # A running process that has not taken up v2 (it says so in its
                # acknowledgement) keeps v1 alive.
                with instance.app_context():
                    db.session.add(KeyUser(process_id="f" * 32, role="web",
                                           versions="casework=1", seen_at=utcnow(),
                                           changed_at=utcnow()))
                    db.session.commit()
                ok, message = invoke(instance, "keys", "retire", "--version", "1")
                assert not ok and "key_version_used_by_running_process" in message
                with instance.app_context():
                    db.session.execute(delete(KeyUser).where(KeyUser.process_id == "f" * 32))
                    db.session.commit()
                ok, message = invoke(instance, "keys", "retire", "--version", "1")
                assert ok, message
            worker.run_allowed.set()
            worker.wait_for(3)  # the web process keeps registering after the retirement
        finally:
            worker.stop.set()
            worker.run_allowed.set()
            worker.join(timeout=30)
        assert not worker.errors, worker.errors
        everyone = read_everyone(web)
        assert set(worker.codes) <= set(everyone)
        assert len(everyone) == 3 + len(worker.codes)
    assert kek_versions(instance) == {2}
    assert read_everyone(instance) == everyone
    with other_process(instance) as restarted:  # after a restart
        assert read_everyone(restarted) == everyone
        client = restarted.test_client()
        for code in worker.codes[-3:]:
            assert client.get(f"/api/v1/persons/{code}",
                              headers=bearer(token)).status_code == 200


def test_a_process_takes_up_a_version_rotated_elsewhere_before_its_next_unit_of_work(
        instance):
    """The web process never wraps under a superseded version, even for work it does
    before it has met any data under the new one."""
    caseworker = make_staff(instance, "caseworker")
    token = make_token(instance, caseworker)
    with other_process(instance) as web:
        client = web.test_client()
        assert client.post("/api/v1/persons", headers=bearer(token), json={
            "names": ["Before"], "gender": "female"}).status_code == 201
        ok, message = invoke(instance, "keys", "rotate")
        assert ok, message
        response = client.post("/api/v1/persons", headers=bearer(token), json={
            "names": ["After"], "gender": "female"})
        assert response.status_code == 201
        with web.app_context():
            person = db.session.scalar(select(Person).where(
                Person.case_code == response.get_json()["case_code"]))
            assert db.session.scalar(select(SubjectKey.kek_version).where(
                SubjectKey.subject_id == person.subject_id)) == 2
            acked = db.session.scalar(select(KeyUser.versions).where(
                KeyUser.process_id == web.extensions["senim.keys"].process_id))
            assert "casework=2" in acked


def test_a_key_file_that_lacks_the_current_version_stops_work(instance, tmp_path):
    """A server whose key file missed a rotation answers 503 instead of encrypting under a
    key nobody else has."""
    caseworker = make_staff(instance, "caseworker")
    token = make_token(instance, caseworker)
    settings = instance.extensions["senim.settings"]
    stale_copy = settings.key_file.read_bytes()
    ok, message = invoke(instance, "keys", "rotate")
    assert ok, message
    stale_file = tmp_path / "stale" / "keys.json"
    stale_file.parent.mkdir(mode=0o700)
    stale_file.write_bytes(stale_copy)
    stale_file.chmod(0o600)
    stale = create_app(settings.replace(key_file=stale_file))
    try:
        response = stale.test_client().post("/api/v1/persons", headers=bearer(token), json={
            "names": ["Nobody"], "gender": "male"})
        assert response.status_code == 503
    finally:
        dispose(stale)
    assert len(read_everyone(instance)) == 0


# --- 3. data-key rotation racing writes ----------------------------------------------------


def test_rotate_data_key_racing_writers_loses_no_acknowledged_note(instance):
    """Caseworkers (in two processes) keep adding notes to a person while the operator
    rotates that person's data key several times. Every note whose commit succeeded (the
    caseworker was told it was saved) is there and readable afterwards, and the page reads
    for everyone."""
    [code] = register(instance, 1, label="Racer")
    saved: list[str] = []
    refused: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    # Bounded work (a rotation re-encrypts every note of the person): the writers race the
    # rotations for a few seconds, whatever the speed of the machine, and then stop.
    most = 40

    def writer(app, label):
        n = 0
        while not stop.is_set() and n < most:
            n += 1
            time.sleep(0.02)
            body = f"{label} note {n}"
            with app.app_context():
                ctx = service_ctx(app, actor="c" * 32)
                try:
                    person = persons.by_case_code(ctx, code)
                    casenotes.add(ctx, person, kind=NoteKind.NOTE, body=body,
                                  occurred_on=date.today())
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 - a refused write is reported
                    db.session.rollback()
                    with lock:
                        refused.append(f"{body}: {type(exc).__name__}")
                    continue
            with lock:
                saved.append(body)

    renamed: list[str] = []

    def updater(app):
        # Reads the key first, then writes (no earlier INSERT takes the write lock).
        n = 0
        while not stop.is_set() and n < most:
            n += 1
            time.sleep(0.02)
            with app.app_context():
                ctx = service_ctx(app, actor="c" * 32)
                try:
                    person = persons.by_case_code(ctx, code)
                    persons.update(ctx, person, names=[f"Racer Renamed {n}"],
                                   date_of_birth=None, phones=[], profile={})
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 - a refused write is reported
                    db.session.rollback()
                    with lock:
                        refused.append(f"rename {n}: {type(exc).__name__}")
                    continue
            renamed.append(f"Racer Renamed {n}")

    with other_process(instance) as second:
        threads = [threading.Thread(target=writer, args=(app, label)) for app, label in
                   ((instance, "a"), (instance, "b"), (second, "c"))]
        threads.append(threading.Thread(target=updater, args=(second,)))
        for thread in threads:
            thread.start()
        try:
            rotations = 0
            for _ in range(6):
                time.sleep(0.15)
                ok, message = invoke(instance, "keys", "rotate-data-key", code)
                assert ok, message
                rotations += 1
            time.sleep(0.15)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert len(saved) >= 10 and renamed, (saved, refused)
        for app in (instance, second):
            with app.app_context():
                ctx = service_ctx(app)
                person = persons.by_case_code(ctx, code)
                assert persons.read(ctx, person).names == renamed[-1:]
                bodies = [body for _, body in casenotes.for_person(ctx, person)]
                assert sorted(bodies) == sorted(saved)
                keys = list(db.session.scalars(select(SubjectKey.version).where(
                    SubjectKey.subject_id == person.subject_id)))
                assert keys == [1 + rotations]
                notes = db.session.scalars(select(CaseNote.body_ciphertext).where(
                    CaseNote.person_id == person.id))
                assert {token[1:5] for token in notes} == {(1 + rotations).to_bytes(4, "big")}
                alarms = db.session.scalar(select(AuditEvent.seq).where(
                    AuditEvent.action == "crypto.integrity_failure").limit(1))
                assert alarms is None
                db.session.rollback()
