"""Restore through a staging copy, rerun after any crash (issue 16), with released
packages in the backup (the liaison downloads one after the restore).

The scenario: a person with thematic and specific intelligence, a released package, a
bystander; a backup; then the person is shredded. The restore is stopped at each of its
steps (an exception, and once a real ``kill -9``), the web refuses to serve meanwhile,
and a plain rerun completes it: the bystander reads, the shredded person and their
specific intelligence stay unreadable, the thematic entry survives, and the liaison's
download of the package works and verifies.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from casework import cli_restore
from casework.extensions import db
from casework.models import DisclosurePackage, IntelEntry, Staff
from casework.services import disclosures, intel, packages, persons, subjects
from casework.services.tombstones import Tombstones
from tests.services.disclosure_support import build_world
from tests.services.test_disclosure_rules import release
from tests.support import isolated_instance, service_ctx

ROOT = Path(__file__).resolve().parents[2]


class Crash(RuntimeError):
    """Stands for the restoring process dying at that point."""


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["senim", *[str(a) for a in args]])


@pytest.fixture
def source(tmp_path):
    with isolated_instance(tmp_path / "source") as application:
        yield application


def _populate(app):
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app)
        world = build_world(ctx, settings.attachments_path)
        _, package = release(ctx, world, settings.instance_path / "packages")
        other = persons.register(ctx, names=["Bystander Person"], date_of_birth=None,
                                 phones=[])
        info = {"case": world.person.case_code, "subject": world.person.subject_id,
                "specific": world.specific.public_id, "thematic": world.thematic.public_id,
                "package": package.public_id, "liaison": world.liaison.public_id,
                "unit_identity": str(world.identity), "director": world.director.email,
                "other": other.case_code}
        db.session.commit()
    return info


def _backup_then_shred(source, tmp_path):
    info = _populate(source)
    out = tmp_path / "senim.backup"
    result = _cli(source, "backup", "--out", out)
    assert result.exit_code == 0, result.output
    assert "1 attachments" not in result.output
    result = _cli(source, "shred", info["case"], "--approved-by", info["director"],
                  "--reason", "erasure_request")
    assert result.exit_code == 0, result.output
    return info, out


def _copy_keys(source, root: Path) -> None:
    settings = source.extensions["senim.settings"]
    (root / "keys").mkdir(parents=True, mode=0o700)
    for name in ("keys.json", "tombstones.json"):
        shutil.copy(settings.key_file.parent / name, root / "keys" / name)


def _identity(app) -> Path:
    return app.extensions["senim.settings"].backup_identity_file


def _assert_restored(app, info):
    settings = app.extensions["senim.settings"]
    with app.app_context():
        ctx = service_ctx(app)
        other = persons.by_case_code(ctx, info["other"])
        assert persons.read(ctx, other).names == ["Bystander Person"]
        person = persons.by_case_code(ctx, info["case"])
        with pytest.raises((subjects.SubjectShredded, subjects.IntegrityAlarm)):
            persons.read(ctx, person)
        entries = {row.public_id: row for row in db.session.scalars(select(IntelEntry))}
        with pytest.raises(subjects.SubjectShredded):
            intel.read(ctx, entries[info["specific"]])
        assert intel.read(ctx, entries[info["thematic"]]).text.startswith("Women are moved")
        # The liaison downloads the released package, as the download page does.
        liaison = db.session.scalar(select(Staff).where(Staff.public_id == info["liaison"]))
        package = db.session.scalar(select(DisclosurePackage).where(
            DisclosurePackage.public_id == info["package"]))
        data = disclosures.download(ctx.as_actor(liaison.public_id), liaison, package,
                                    settings.instance_path / "packages")
        files = packages.open_and_verify(data, info["unit_identity"])
        assert files, "the package decrypts for the unit and its signature holds"
        db.session.commit()
    assert not cli_restore.in_progress(settings)
    assert not (settings.instance_path / cli_restore.STAGING).exists()


def test_backup_restore_then_the_liaison_downloads_the_package(source, tmp_path):
    info, out = _backup_then_shred(source, tmp_path)
    root = tmp_path / "restored"
    _copy_keys(source, root)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "1 packages checked; 1 shredded subjects removed; 0 failures" in result.output
        _assert_restored(restored, info)


@pytest.mark.parametrize("step", cli_restore.STEPS)
def test_restore_stopped_at_every_step_is_rerun_from_the_start(source, tmp_path, monkeypatch,
                                                               step):
    info, out = _backup_then_shred(source, tmp_path)
    root = tmp_path / "restored"
    _copy_keys(source, root)
    real = cli_restore._reached

    def crash_at(settings, reached):
        real(settings, reached)
        if reached == step:
            raise Crash(step)

    with isolated_instance(root, migrate=False) as restored:
        monkeypatch.setattr(cli_restore, "_reached", crash_at)
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert isinstance(result.exception, Crash), result.output
        monkeypatch.setattr(cli_restore, "_reached", real)
        assert cli_restore.in_progress(restored.extensions["senim.settings"])["step"] == step
        # Half restored: nobody is served until the restore has completed.
        assert restored.test_client().get("/auth/login").status_code == 503
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "rerun from the start" in result.output
        assert "1 shredded subjects removed; 0 failures; audit chain ok" in result.output
        _assert_restored(restored, info)
        assert restored.test_client().get("/auth/login").status_code == 200


def test_resume_uses_the_recorded_backup(source, tmp_path, monkeypatch):
    info, out = _backup_then_shred(source, tmp_path)
    root = tmp_path / "restored"
    _copy_keys(source, root)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", "--resume")
        assert result.exit_code != 0 and "no interrupted restore" in result.output
        monkeypatch.setattr(cli_restore, "_switch", lambda *a: (_ for _ in ()).throw(Crash()))
        assert isinstance(_cli(restored, "restore", out, "--identity",
                               _identity(source)).exception, Crash)
        monkeypatch.undo()
        result = _cli(restored, "restore", "--resume")
        assert result.exit_code == 0, result.output
        _assert_restored(restored, info)


def test_a_tombstone_older_than_the_backup_on_a_live_person_is_reported(source, tmp_path):
    """The old shred listed a person and was killed before the keys went; a later backup
    holds them live. The restore reports them and erases nobody."""
    info = _populate(source)
    settings = source.extensions["senim.settings"]
    with source.app_context():
        Tombstones(settings.tombstones_file).add(info["subject"], service_ctx(source).now)
    out = tmp_path / "later.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    root = tmp_path / "restored"
    _copy_keys(source, root)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "0 shredded subjects removed" in result.output
        assert "WARNING" in result.output and info["subject"] in result.output
        with restored.app_context():
            ctx = service_ctx(restored)
            person = persons.by_case_code(ctx, info["case"])
            assert persons.read(ctx, person).names[0] == "Жанар Тулегенова"
            entry = db.session.scalar(select(IntelEntry).where(
                IntelEntry.public_id == info["specific"]))
            assert intel.read(ctx, entry).text.startswith("The controller")
            db.session.rollback()


_KILL_SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from casework import cli_restore, create_app
    from tests.conftest import make_settings

    config = json.loads(os.environ["KILL_CONFIG"])
    app = create_app(make_settings(Path(config["root"]), database_url=config["cw"],
                                   intel_database_url=config["intel"]))
    real = cli_restore._reached

    def die_at(settings, step):
        real(settings, step)
        if step == "switched_casework":
            os.kill(os.getpid(), signal.SIGKILL)  # one database switched, not the other

    cli_restore._reached = die_at
    result = app.test_cli_runner().invoke(args=[
        "senim", "restore", config["backup"], "--identity", config["identity"]])
    print(result.output, result.exception)
    sys.exit(3)
""")


def test_kill_9_between_the_two_database_switches(source, tmp_path):
    info, out = _backup_then_shred(source, tmp_path)
    root = tmp_path / "restored"
    _copy_keys(source, root)
    with isolated_instance(root, migrate=False) as restored:
        settings = restored.extensions["senim.settings"]
        config = {"root": str(root), "cw": settings.database_url,
                  "intel": settings.intel_database_url, "backup": str(out),
                  "identity": str(_identity(source))}
        process = subprocess.run(  # noqa: S603
            [sys.executable, "-c", _KILL_SCRIPT.format(root=str(ROOT))], cwd=ROOT,
            env={**os.environ, "KILL_CONFIG": json.dumps(config)}, capture_output=True,
            timeout=300, check=False)
        assert process.returncode == -signal.SIGKILL, process.stderr.decode()[-2000:]
        assert cli_restore.in_progress(settings)["step"] == "switched_casework"
        assert restored.test_client().get("/auth/login").status_code == 503
        result = _cli(restored, "restore", "--resume")
        assert result.exit_code == 0, result.output
        assert "rerun from the start" in result.output
        _assert_restored(restored, info)


def test_a_backup_taken_in_the_middle_of_a_shred(source, tmp_path, monkeypatch):
    """The shred stopped after the intelligence step when the backup was taken, and was
    completed afterwards: the restore applies the tombstone, says a shred in the backup
    was unfinished, and `senim shred --resume` there certifies it."""
    from casework.domain.shredding import ShredStep
    from casework.models import DestructionCertificate
    from casework.services import shredding

    info = _populate(source)
    monkeypatch.setitem(shredding._STEPS, ShredStep.KEYS,
                        lambda *a: (_ for _ in ()).throw(Crash("keys")))
    result = _cli(source, "shred", info["case"], "--approved-by", info["director"],
                  "--reason", "erasure_request")
    assert isinstance(result.exception, Crash)
    monkeypatch.undo()
    out = tmp_path / "mid-shred.backup"
    assert _cli(source, "backup", "--out", out).exit_code == 0
    result = _cli(source, "shred", "--resume")
    assert result.exit_code == 0 and "1 interrupted shreds completed" in result.output
    root = tmp_path / "restored"
    _copy_keys(source, root)
    with isolated_instance(root, migrate=False) as restored:
        result = _cli(restored, "restore", out, "--identity", _identity(source))
        assert result.exit_code == 0, result.output
        assert "1 shredded subjects removed" in result.output
        assert "1 shreds were unfinished" in result.output
        _assert_restored(restored, info)
        result = _cli(restored, "shred", "--resume")
        assert result.exit_code == 0 and "1 interrupted shreds completed" in result.output
        with restored.app_context():
            assert db.session.scalar(select(DestructionCertificate.subject_id)) == \
                info["subject"]
            db.session.rollback()
