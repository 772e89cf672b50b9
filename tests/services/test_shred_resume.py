"""A shred is a recorded intent with steps (issue 16, issue 9 point 11 / rule 92).

Stopped at any step, by an exception inside it, by a crash right after it committed, or by
a real ``kill -9``: the person is either still fully there or fully gone, the tombstone
list names them only once they are gone, and a rerun (``senim shred --resume`` or the same
``senim shred``) completes the shred. The specific intelligence learned from the person
goes with them; thematic entries stay; the certificate says what went, without content.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.domain.shredding import SHRED_STEPS, ShredReason, ShredStep
from casework.extensions import db
from casework.models import (
    Attachment,
    DestructionCertificate,
    IntelEntry,
    ShredJob,
    SourceLink,
    SubjectKey,
)
from casework.services import attachments, intel, persons, shredding, subjects
from casework.services.tombstones import Tombstones
from crypto import public_key, verify
from tests.services.disclosure_support import build_world
from tests.support import isolated_instance, service_ctx

ROOT = Path(__file__).resolve().parents[2]


class Crash(RuntimeError):
    """Stands for the process dying at that point."""


@pytest.fixture
def instance(tmp_path):
    with isolated_instance(tmp_path / "instance") as application:
        yield application


def _world(app):
    """A person with a thematic and a specific entry and files, and a bystander."""
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app)
        world = build_world(ctx, settings.attachments_path)
        other = persons.register(ctx, names=["Bystander Person"], date_of_birth=None,
                                 phones=[])
        for number in range(2):
            attachments.store(ctx, settings.attachments_path,
                              subject_id=world.person.subject_id, owner_type="person",
                              owner_ref=world.person.public_id,
                              stream=io.BytesIO(b"%PDF-1.4 statement " * 50),
                              filename=f"statement-{number}.pdf", max_bytes=10**6)
        files = list(db.session.scalars(select(Attachment.storage_name).where(
            Attachment.subject_id == world.person.subject_id)))
        state = {"subject": world.person.subject_id, "case": world.person.case_code,
                 "specific": world.specific.public_id, "thematic": world.thematic.public_id,
                 "files": [settings.attachments_path / name for name in files],
                 "director": world.director.email, "director_id": world.director.public_id,
                 "caseworker": world.caseworker.public_id, "other": other.case_code}
        db.session.commit()
    assert state["files"], "control: the person has files"
    return state


def _shred(app, state, *, commit=None):
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app, state["caseworker"])
        try:
            certificate = shredding.shred(
                ctx, subject_id=state["subject"], reason=ShredReason.ERASURE_REQUEST,
                approved_by=state["director_id"], folder=settings.attachments_path,
                tombstones=Tombstones(settings.tombstones_file),
                commit=commit or db.session.commit)
            return certificate.public_id
        finally:
            db.session.rollback()
            db.session.remove()


def _state_of(app, state):
    """What a reader sees now: person readable? entries? files? listed? job step?"""
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app)
        person = persons.by_case_code(ctx, state["case"])
        try:
            persons.read(ctx, person)
            readable = True
        except (subjects.SubjectShredded, subjects.IntegrityAlarm):
            readable = False
        entries = {}
        for name in ("specific", "thematic"):
            entry = db.session.scalar(select(IntelEntry).where(
                IntelEntry.public_id == state[name]))
            try:
                intel.read(ctx, entry)
                entries[name] = True
            except (subjects.SubjectShredded, subjects.IntegrityAlarm):
                entries[name] = False
        step = db.session.scalar(select(ShredJob.step).where(
            ShredJob.subject_id == state["subject"]))
        keys = db.session.scalar(select(func.count()).select_from(SubjectKey).where(
            SubjectKey.subject_id == state["subject"]))
        other = persons.read(ctx, persons.by_case_code(ctx, state["other"])).names
        db.session.rollback()
    return {"readable": readable, "keys": keys, "entries": entries,
            "files": sum(path.exists() for path in state["files"]),
            "listed": state["subject"] in Tombstones(settings.tombstones_file).load(),
            "step": step, "other": other}


def _assert_consistent(seen, state):
    """Never listed while live; never half readable; the bystander always intact."""
    assert seen["other"] == ["Bystander Person"]
    if seen["listed"]:
        assert not seen["readable"] and seen["keys"] == 0 and seen["files"] == 0
    if seen["readable"]:
        assert seen["keys"] > 0 and not seen["listed"]
    assert seen["entries"]["thematic"], "a thematic entry always survives"


def _assert_gone(app, state):
    seen = _state_of(app, state)
    assert seen == {"readable": False, "keys": 0, "files": 0, "listed": True, "step": "done",
                    "entries": {"specific": False, "thematic": True},
                    "other": ["Bystander Person"]}
    with app.app_context():
        certificates = list(db.session.scalars(select(DestructionCertificate).where(
            DestructionCertificate.subject_id == state["subject"])))
        assert len(certificates) == 1, "exactly one certificate, however many reruns"
        certificate = certificates[0]
        signing = app.extensions["senim.keys"].keyset("signing").get(
            certificate.signing_key_version)
        verify(public_key(signing.material), certificate.statement.encode(),
               certificate.signature)
        statement = json.loads(certificate.statement)
        assert statement["intel_entries_shredded"] == [state["specific"]]
        assert statement["intel_thematic_kept"] == 1
        assert statement["destroyed"]["intel_specific_entries"] == 1
        assert statement["destroyed"]["data_keys"] == 1
        assert statement["destroyed"]["attachments"] == len(state["files"])
        assert statement["destroyed"]["source_links"] == 2
        assert statement["approved_by"] == state["director_id"]
        for word in ("Sapar", "Shymkent", "night bus", "Zhanar", "Тулегенова"):
            assert word not in certificate.statement
        specific = db.session.scalar(select(IntelEntry).where(
            IntelEntry.public_id == state["specific"]))
        assert specific.wrapped_key == b"" and specific.details_ciphertext is None
        assert db.session.scalar(select(func.count()).select_from(SourceLink)) == 0, \
            "no link from the surviving thematic entry back to the shredded person"
        db.session.rollback()


def test_shred_takes_the_specific_intelligence_and_keeps_the_thematic(instance):
    state = _world(instance)
    before = _state_of(instance, state)
    assert before["entries"] == {"specific": True, "thematic": True} and before["readable"]
    _shred(instance, state)
    _assert_gone(instance, state)


@pytest.mark.parametrize("step", SHRED_STEPS[1:], ids=lambda s: s.value)
def test_exception_inside_every_step_then_resume(instance, monkeypatch, step):
    state = _world(instance)
    real = shredding._STEPS[step]

    def crash(ctx, job, folder, tombstones):
        real(ctx, job, folder, tombstones)  # the step's work done, not yet committed
        raise Crash(step.value)

    monkeypatch.setitem(shredding._STEPS, step, crash)
    with pytest.raises(Crash):
        _shred(instance, state)
    seen = _state_of(instance, state)
    _assert_consistent(seen, state)
    assert seen["step"] == SHRED_STEPS[SHRED_STEPS.index(step) - 1].value
    if SHRED_STEPS.index(step) <= SHRED_STEPS.index(ShredStep.KEYS):
        assert seen["readable"], "the keys step rolled back: the person is still whole"
    monkeypatch.setitem(shredding._STEPS, step, real)
    result = instance.test_cli_runner().invoke(args=["senim", "shred", "--resume"])
    assert result.exit_code == 0, result.output
    assert "1 interrupted shreds completed" in result.output
    _assert_gone(instance, state)


@pytest.mark.parametrize("step", SHRED_STEPS, ids=lambda s: s.value)
def test_crash_right_after_every_commit_then_rerun_the_same_command(instance, step):
    state = _world(instance)
    commits = []

    def commit_then_crash():
        db.session.commit()
        commits.append(1)
        if len(commits) == SHRED_STEPS.index(step) + 1:
            raise Crash(step.value)

    with pytest.raises(Crash):
        _shred(instance, state, commit=commit_then_crash)
    seen = _state_of(instance, state)
    _assert_consistent(seen, state)
    assert seen["step"] == step.value
    assert seen["listed"] == (SHRED_STEPS.index(step) >= SHRED_STEPS.index(ShredStep.TOMBSTONED))
    result = instance.test_cli_runner().invoke(args=[
        "senim", "shred", state["case"], "--approved-by", state["director"],
        "--reason", "erasure_request"])
    if step is ShredStep.DONE:
        assert result.exit_code != 0 and "already_shredded" in result.output
    else:
        assert result.exit_code == 0, result.output
    _assert_gone(instance, state)


def test_a_legal_hold_set_after_the_intent_stops_it_before_the_keys(instance, monkeypatch):
    state = _world(instance)
    real = shredding._STEPS[ShredStep.INTEL]
    monkeypatch.setitem(shredding._STEPS, ShredStep.INTEL,
                        lambda *a: (_ for _ in ()).throw(Crash("intel")))
    with pytest.raises(Crash):
        _shred(instance, state)
    monkeypatch.setitem(shredding._STEPS, ShredStep.INTEL, real)
    assert instance.test_cli_runner().invoke(
        args=["senim", "legal-hold", state["case"]]).exit_code == 0
    result = instance.test_cli_runner().invoke(args=["senim", "shred", "--resume"])
    assert result.exit_code != 0 and "legal_hold" in result.output
    seen = _state_of(instance, state)
    assert seen["readable"] and seen["entries"]["specific"] and seen["files"] and \
        not seen["listed"]


def test_a_live_person_on_the_tombstone_list_is_reported(instance):
    """What the old shred left behind (listed first, then killed): reported, not erased."""
    state = _world(instance)
    settings = instance.extensions["senim.settings"]
    with instance.app_context():
        Tombstones(settings.tombstones_file).add(state["subject"], service_ctx(instance).now)
    result = instance.test_cli_runner().invoke(args=["senim", "shred", "--resume"])
    assert result.exit_code == 1
    assert state["subject"] in result.output and "still live" in result.output
    assert _state_of(instance, state)["readable"]


_KILL_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from casework import create_app
    from casework.domain.shredding import ShredStep
    from casework.services import attachments, shredding
    from tests.conftest import make_settings

    config = json.loads(os.environ["KILL_CONFIG"])
    app = create_app(make_settings(Path(config["root"]), database_url=config["cw"],
                                   intel_database_url=config["intel"]))
    real_destroy = attachments.destroy_file
    destroyed = []

    def destroy_then_die(folder, row):
        real_destroy(folder, row)
        destroyed.append(row)
        os.kill(os.getpid(), signal.SIGKILL)  # half the files gone, nothing committed

    attachments.destroy_file = destroy_then_die
    result = app.test_cli_runner().invoke(args=[
        "senim", "shred", config["case"], "--approved-by", config["director"],
        "--reason", "erasure_request"])
    print(result.output, result.exception)
    sys.exit(3)
""")


def test_kill_9_in_the_middle_of_destroying_files(instance, tmp_path):
    state = _world(instance)
    settings = instance.extensions["senim.settings"]
    assert len(state["files"]) >= 2
    config = {"root": str(settings.instance_path), "cw": settings.database_url,
              "intel": settings.intel_database_url, "case": state["case"],
              "director": state["director"]}
    with instance.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    process = subprocess.run(  # noqa: S603
        [sys.executable, "-c", _KILL_SCRIPT.format(root=str(ROOT))], cwd=ROOT,
        env={**os.environ, "KILL_CONFIG": json.dumps(config)}, capture_output=True,
        timeout=300, check=False)
    assert process.returncode == -signal.SIGKILL, process.stderr.decode()[-2000:]
    seen = _state_of(instance, state)
    _assert_consistent(seen, state)
    assert seen["step"] == ShredStep.KEYS.value and not seen["listed"]
    assert 0 < seen["files"] < len(state["files"]), "killed half-way through the files"
    result = instance.test_cli_runner().invoke(args=["senim", "shred", "--resume"])
    assert result.exit_code == 0, result.output
    _assert_gone(instance, state)
    with instance.app_context():
        ctx = service_ctx(instance)
        for row in db.session.scalars(select(Attachment).where(
                Attachment.subject_id == state["subject"])):
            with pytest.raises((subjects.SubjectShredded, subjects.IntegrityAlarm)):
                attachments.read(ctx, settings.attachments_path, row)
        db.session.rollback()


def test_an_entry_recorded_after_the_intent_goes_too(instance, monkeypatch):
    from casework.domain.taxonomy import (
        EntryKind,
        HandlingCode,
        IntelAssessment,
        SourceEvaluation,
        SourceType,
        SubjectArea,
    )
    from casework.models import Interview, Person

    state = _world(instance)
    monkeypatch.setitem(shredding._STEPS, ShredStep.INTEL,
                        lambda *a: (_ for _ in ()).throw(Crash("intel")))
    with pytest.raises(Crash):
        _shred(instance, state)
    monkeypatch.undo()
    with instance.app_context():
        ctx = service_ctx(instance, state["caseworker"])
        person = db.session.scalar(select(Person).where(
            Person.subject_id == state["subject"]))
        interview = db.session.scalar(select(Interview).where(Interview.person_id == person.id))
        late = intel.create_from_interview(ctx, person, interview, intel.EntryInput(
            kind=EntryKind.SPECIFIC, text="A later detail from the same person.",
            subject_area=SubjectArea.ROUTES, source_type=SourceType.VICTIM_OR_CLOSE_PERSON,
            source_evaluation=SourceEvaluation.UNTESTED,
            intel_assessment=IntelAssessment.KNOWN_DIRECTLY,
            handling_code=HandlingCode.CONDITIONS)).public_id
        db.session.commit()
    result = instance.test_cli_runner().invoke(args=["senim", "shred", "--resume"])
    assert result.exit_code == 0, result.output
    with instance.app_context():
        entry = db.session.scalar(select(IntelEntry).where(IntelEntry.public_id == late))
        with pytest.raises(subjects.SubjectShredded):
            intel.read(service_ctx(instance), entry)
        statement = json.loads(db.session.scalar(select(DestructionCertificate.statement)))
        assert sorted(statement["intel_entries_shredded"]) == sorted([state["specific"], late])
        assert statement["destroyed"]["intel_specific_entries"] == 2
        db.session.rollback()
