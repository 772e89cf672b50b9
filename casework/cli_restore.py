"""Restore from a backup through a staging location (issue 3 item 8, issue 16).

The backup is loaded into a staged copy of the instance (SQLite files and the instance's
folders under ``<instance>/.restore-staging``, PostgreSQL schemas ``<schema>_staging``),
migrated, the tombstone list applied, and every record checked (persons, attachments,
intelligence entries and released packages decrypt or match, the audit chain verifies).
Only then is the staged copy switched in. A marker beside the key file records the
restore while it runs: the web application answers 503 while it exists, and running
``senim restore`` again (or ``senim restore --resume``) after a crash starts over from
the beginning instead of refusing the half-written instance as "not fresh".
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy.engine import Engine, make_url

from casework.config import Settings
from casework.extensions import db
from casework.models.base import utcnow
from casework.services import backup, restore_check
from casework.services.context import Ctx
from casework.services.tombstones import Tombstones

STAGING = ".restore-staging"
STEPS = ("started", "staged", "migrated", "tombstones", "verified", "switched_casework",
         "switched_intel", "switched_files")


class RestoreRefused(RuntimeError):
    """The restore cannot start (message safe to show operators)."""


@dataclass(frozen=True)
class Outcome:
    report: restore_check.RestoreReport
    switched: bool
    rerun: bool


def marker_path(settings: Settings) -> Path:
    return settings.restore_marker_file


def in_progress(settings: Settings) -> dict[str, Any] | None:
    path = marker_path(settings)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _reached(settings: Settings, step: str) -> None:
    """Record the step in the marker (atomic write): the point a crash can stop at."""
    path = marker_path(settings)
    data = in_progress(settings) or {}
    data.update(step=step, updated_at=utcnow().isoformat() + "Z")
    temporary = path.with_name(path.name + ".part")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def restore(backup_file: Path, identity_file: Path) -> Outcome:
    """Run a whole restore inside the live application's context."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["senim.settings"]
    manifest, files = backup.open_backup(backup_file, identity_file.read_text())
    keys = app.extensions["senim.keys"]
    missing = [name for name, meta in manifest["keys"].items()
               if not set(meta["versions"]) & set(keys.keyset(name).versions)]
    if missing:
        raise RestoreRefused("this instance's key file does not match the backup "
                             f"(key sets: {', '.join(missing)}); copy the key file "
                             "of the backed-up instance first")
    rerun = in_progress(settings) is not None
    if not rerun and _has_data():
        raise RestoreRefused("restore only into a fresh instance (databases not empty)")
    marker_path(settings).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    _write_marker(settings, backup_file, identity_file)
    _reached(settings, "started")
    db.session.remove()
    staging = settings.instance_path / STAGING
    targets = {name: _staging_url(url, staging, name) for name, url in
               (("casework", settings.database_url), ("intel", settings.intel_database_url))}
    _discard_staging(settings, staging)
    staged = settings.replace(instance_path=staging, database_url=targets["casework"],
                              intel_database_url=targets["intel"])
    report = _stage_and_verify(app, staged, manifest, files,
                               progress=lambda step: _reached(settings, step))
    if report.failures or not report.audit_ok:
        _discard_staging(settings, staging, recreate=False)
        marker_path(settings).unlink(missing_ok=True)
        return Outcome(report, switched=False, rerun=rerun)
    _reached(settings, "verified")
    _switch(settings, staging)
    _discard_staging(settings, staging, recreate=False)
    marker_path(settings).unlink()
    return Outcome(report, switched=True, rerun=rerun)


def _write_marker(settings: Settings, backup_file: Path, identity_file: Path) -> None:
    path = marker_path(settings)
    data = in_progress(settings) or {"started_at": utcnow().isoformat() + "Z"}
    data.update(backup=str(backup_file.resolve()), identity=str(identity_file.resolve()))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, sort_keys=True)


def _stage_and_verify(live: Flask, staged: Settings, manifest: dict[str, Any],
                      files: dict[str, bytes], *, progress: Callable[[str], None],
                      ) -> restore_check.RestoreReport:
    """Build the backup into ``staged`` (a scratch instance) and check all of it.

    Shared by restore (which then switches it in) and the monthly restore check (which
    discards it); ``progress`` records each step reached."""
    from casework import create_app

    app = create_app(staged)
    try:
        with app.app_context():
            for name, bind in (("casework", None), ("intel", "intel")):
                entry = manifest["databases"][name]
                backup.restore_database(db.engines[bind], entry["kind"], files[entry["file"]],
                                        source_schema=entry.get("schema"))
            backup.restore_instance_files(files, staged.instance_path)
            progress("staged")
            upgrade()  # a backup from an older release is brought up to the current schema
            progress("migrated")
            ctx = _ctx(app)
            result = restore_check.apply_tombstones(
                ctx, Tombstones(staged.tombstones_file), staged.attachments_path,
                backup_taken_at=str(manifest.get("created_at", "")))
            db.session.commit()
            progress("tombstones")
            report = restore_check.verify_everything(
                _ctx(app), staged.attachments_path, tombstoned=result.applied,
                conflicts=result.conflicts, packages_folder=staged.instance_path / "packages")
            _ctx(app).audit("system.restore_staged",
                            outcome="ok" if report.failures == 0 else "partial")
            db.session.commit()
            db.session.remove()
            _close(db.engines.values())
    finally:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    return report


def _ctx(app: Flask) -> Ctx:
    ext = app.extensions
    return Ctx(session=db.session, keys=ext["senim.keys"], passwords=ext["senim.passwords"],
               now=utcnow(), actor=None, request_id="cli")


def _close(engines: Any) -> None:
    """Fold SQLite WALs into their files (a switch moves the main file only)."""
    for engine in engines:
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.execute(sa.text("PRAGMA wal_checkpoint(TRUNCATE)"))
        engine.dispose()


def _staging_url(url: str, staging: Path, name: str, suffix: str = "_staging") -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:///{staging / f'{name}.db'}"
    return parsed.update_query_dict(
        {"options": f"-csearch_path={_staging_schema(parsed, suffix)}"}).render_as_string(
        hide_password=False)


def _schema_of(url: sa.URL) -> str:
    options = str(url.query.get("options", ""))
    return options.split("search_path=", 1)[1].split()[0] if "search_path=" in options \
        else "public"


def _staging_schema(url: sa.URL, suffix: str = "_staging") -> str:
    return f"{_schema_of(url)[:48]}{suffix}"


def _admin_engine(url: str) -> Engine:
    parsed = make_url(url)
    query = {k: v for k, v in parsed.query.items() if k != "options"}
    return sa.create_engine(parsed.set(query=query))


def _discard_staging(settings: Settings, staging: Path, *, recreate: bool = True) -> None:
    """Remove whatever an earlier (interrupted) attempt staged, then make room anew."""
    if staging.exists():
        shutil.rmtree(staging)
    for live in (settings.database_url, settings.intel_database_url):
        parsed = make_url(live)
        if parsed.get_backend_name() == "sqlite":
            continue
        engine = _admin_engine(live)
        try:
            with engine.begin() as conn:
                schema = _staging_schema(parsed)
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                if recreate:
                    conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        finally:
            engine.dispose()
    if recreate:
        staging.mkdir(parents=True, exist_ok=True, mode=0o700)


def _switch(settings: Settings, staging: Path) -> None:
    """Put the verified staged copy in place: each database in one step, then the
    instance's folders. A crash in between leaves the marker, and the rerun starts over."""
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()
    for name, live in (("casework", settings.database_url),
                       ("intel", settings.intel_database_url)):
        parsed = make_url(live)
        if parsed.get_backend_name() == "sqlite":
            path = Path(parsed.database or "")
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            os.replace(staging / f"{name}.db", path)
        else:
            schema, staged = _schema_of(parsed), _staging_schema(parsed)
            engine = _admin_engine(live)
            try:
                with engine.begin() as conn:  # transactional DDL: both or neither
                    conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                    conn.execute(sa.text(f'ALTER SCHEMA "{staged}" RENAME TO "{schema}"'))
            finally:
                engine.dispose()
        _reached(settings, f"switched_{name}")
    exclude = {settings.key_file.parent.resolve()}
    instance = settings.instance_path
    for folder in list(instance.iterdir()):
        if folder.is_dir() and not folder.name.startswith(".") \
                and folder.resolve() not in exclude:
            shutil.rmtree(folder)
    for folder in staging.iterdir():
        if folder.is_dir():
            os.replace(folder, instance / folder.name)
    _reached(settings, "switched_files")


def _has_data() -> bool:
    from sqlalchemy import inspect, select

    from casework.models import Staff

    if not inspect(db.engines[None]).has_table("staff"):
        return False
    return db.session.scalar(select(Staff.id).limit(1)) is not None


def has_audit_trail() -> bool:
    from sqlalchemy import inspect

    return inspect(db.engines[None]).has_table("audit_chain_heads")


CHECK_SUFFIX = "_restorecheck"


def check_targets(settings: Settings, scratch: Path) -> dict[str, str]:
    """Where the monthly check builds its copy: SQLite files in ``scratch``; on PostgreSQL
    two schemas in the scratch database ``SENIM_BACKUP_CHECK_DATABASE_URL`` (owned by the
    application role, which may not create schemas in the live databases), or, without
    it, beside the live schemas (development, tests)."""
    if settings.backup_check_database_url:
        base = make_url(settings.backup_check_database_url)
        return {name: base.update_query_dict(
            {"options": f"-csearch_path={name}_check"}).render_as_string(hide_password=False)
            for name in ("casework", "intel")}
    return {name: _staging_url(url, scratch, name, CHECK_SUFFIX) for name, url in
            (("casework", settings.database_url), ("intel", settings.intel_database_url))}


def _reset_scratch(targets: dict[str, str], scratch: Path, *, recreate: bool) -> None:
    if scratch.exists():
        shutil.rmtree(scratch)
    for target in targets.values():
        parsed = make_url(target)
        if parsed.get_backend_name() == "sqlite":
            continue
        engine = _admin_engine(target)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{_schema_of(parsed)}" CASCADE'))
                if recreate:
                    conn.execute(sa.text(f'CREATE SCHEMA "{_schema_of(parsed)}"'))
        finally:
            engine.dispose()
    if recreate:
        scratch.mkdir(parents=True, exist_ok=True, mode=0o700)


def check_backup(backup_file: Path, identity_text: str) -> restore_check.RestoreReport:
    """The monthly restore check (issue 14 item 4): restore ``backup_file`` into a scratch
    copy (a folder under the instance, scratch PostgreSQL schemas), check it exactly as a
    restore would (every record decrypts, the audit chain verifies, every package is
    there), then discard it. The live instance is never touched and the web keeps
    serving. Runs under the key-operation lock, like restore."""
    from casework.services.scheduled_backups import SCRATCH

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: Settings = app.extensions["senim.settings"]
    manifest, files = backup.open_backup(backup_file, identity_text)
    scratch = settings.instance_path / SCRATCH
    targets = check_targets(settings, scratch)
    _reset_scratch(targets, scratch, recreate=True)
    staged = settings.replace(instance_path=scratch, database_url=targets["casework"],
                              intel_database_url=targets["intel"])
    try:
        return _stage_and_verify(app, staged, manifest, files, progress=lambda _step: None)
    finally:
        _reset_scratch(targets, scratch, recreate=False)
