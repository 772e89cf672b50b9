"""Operator commands for keys, shredding and backups (issue 3)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from casework.cli import cli_ctx
from casework.config import Settings
from casework.domain.shredding import ShredReason
from casework.extensions import db
from casework.models.base import utcnow
from casework.services import (
    accounts,
    backup,
    keyops,
    keystate,
    oplock,
    persons,
    shredding,
)
from casework.services.errors import NotFound, ServiceError
from casework.services.tombstones import Tombstones
from crypto import KeyFileChangedError

keys_group = AppGroup("keys", help="Key rotation and retirement.")


def _settings() -> Settings:
    value: Settings = current_app.extensions["senim.settings"]
    return value


F = TypeVar("F", bound=Callable[..., Any])


def exclusive(operation: str) -> Callable[[F], F]:
    """Run the command holding the key-operation lock (``casework.services.oplock``);
    refused with a clear message and exit status 1 while another key operation runs."""
    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                with oplock.exclusive(db.engines[None], operation,
                                      folder=_settings().instance_path):
                    return command(*args, **kwargs)
            except oplock.KeyOperationBusy as busy:
                db.session.rollback()
                raise click.ClickException(str(busy)) from None
        return wrapper  # type: ignore[return-value]
    return decorate


def _fail(error: ServiceError) -> None:
    codes = ", ".join(str(r.value) for r in error.reasons) or str(error)
    raise click.ClickException(f"refused: {codes}")


@keys_group.command("status")
def keys_status() -> None:
    """Key versions per key set (fingerprints only) and what still uses them."""
    ctx = cli_ctx()
    state = keystate.read_state(ctx.session)
    for name in keyops.ROTATABLE:
        keyset = ctx.keys.keyset(name)
        versions = ", ".join(f"v{v}" for v in keyset.versions)
        recorded = state.get(name)
        named = (f"; database names v{recorded.version} since "
                 f"{recorded.since:%Y-%m-%d %H:%M} UTC" if recorded else "")
        click.echo(f"{name:<11} current v{keyset.current_key.version} "
                   f"({keyset.current_key.fingerprint()}); versions: {versions}{named}")
    from casework.services import subjects

    for version, count in sorted(subjects.key_versions_in_use(ctx).items()):
        click.echo(f"casework KEK v{version} wraps {count} subject keys")
    for process in keystate.live_processes(ctx.session, ctx.now):
        click.echo(f"process {process.process_id[:8]} uses casework "
                   f"v{process.versions.get('casework', 0)} "
                   f"(seen {process.seen_at:%H:%M:%S} UTC)")


@keys_group.command("rotate")
@click.option("--keyset", default="casework", show_default=True,
              type=click.Choice(keyops.ROTATABLE))
@click.option("--batch", default=500, show_default=True, help="Rows per transaction.")
@exclusive("rotate")
def keys_rotate(keyset: str, batch: int) -> None:
    """Add a new key version and (for casework) rewrap every data key in batches."""
    ctx = cli_ctx()
    try:
        version = keyops.rotate_kek(ctx, keyset)
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    except KeyFileChangedError:
        db.session.rollback()
        raise click.ClickException("refused: the key file changed while rotating; "
                                   "nothing was written, run the command again") from None
    db.session.commit()
    click.echo(f"{keyset}: new current version v{version}")
    if keyset == "casework":
        done = keyops.rewrap_all(cli_ctx(), batch=batch, commit=db.session.commit)
        click.echo(f"rewrapped {done} subject keys")


@keys_group.command("rewrap")
@click.option("--batch", default=500, show_default=True)
@exclusive("rewrap")
def keys_rewrap(batch: int) -> None:
    """Resume an interrupted rewrap (safe to run any time)."""
    done = keyops.rewrap_all(cli_ctx(), batch=batch, commit=db.session.commit)
    click.echo(f"rewrapped {done} subject keys")


@keys_group.command("retire")
@click.option("--keyset", default="casework", show_default=True,
              type=click.Choice(keyops.ROTATABLE))
@click.option("--version", "version", required=True, type=int)
@exclusive("retire")
def keys_retire(keyset: str, version: int) -> None:
    """Destroy an old key version once nothing uses it (see docs/crypto.md: backups)."""
    try:
        keyops.retire(cli_ctx(), keyset, version)
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    db.session.commit()
    click.echo(f"{keyset}: version v{version} destroyed")


@keys_group.command("rotate-data-key")
@click.argument("case_code")
@exclusive("rotate-data-key")
def keys_rotate_data_key(case_code: str) -> None:
    """Give one person a new data key and re-encrypt their fields."""
    for attempt in range(3):
        ctx = cli_ctx()
        try:
            person = persons.by_case_code(ctx, case_code)
            version = keyops.rotate_data_key(ctx, person.subject_id)
            db.session.commit()
            break
        except NotFound:
            raise click.ClickException("no such case code") from None
        except OperationalError:
            # A writer and the rotation each waited for the other (PostgreSQL chose us
            # as the deadlock victim): nothing was changed, so try again.
            db.session.rollback()
            if attempt == 2:
                raise click.ClickException("refused: the record was busy; nothing was "
                                           "changed, run the command again") from None
    click.echo(f"{case_code}: data key v{version}")


@click.command("shred")
@with_appcontext  # also when invoked through app.cli (tests), not only `flask`
@click.argument("case_code", required=False)
@click.option("--approved-by", "approver_email", default=None,
              help="E-mail of the director who approved the destruction.")
@click.option("--reason", type=click.Choice([r.value for r in ShredReason]), default=None)
@click.option("--requested-by", "requester_email", default=None,
              help="E-mail of the member of staff who asked for it.")
@click.option("--resume", is_flag=True,
              help="Complete every interrupted shred (with the approval recorded then).")
@exclusive("shred")
def shred_command(case_code: str | None, approver_email: str | None, reason: str | None,
                  requester_email: str | None, resume: bool) -> None:
    """Crypto-shred one person: keys, indexes and files destroyed; a certificate kept.

    Rerunning an interrupted shred (or `--resume`) completes it."""
    settings = _settings()
    folder, tombstones = settings.attachments_path, Tombstones(settings.tombstones_file)
    if resume:
        _resume_shreds(folder, tombstones)
        return
    if not case_code or not approver_email or not reason:
        raise click.ClickException("give CASE_CODE, --approved-by and --reason (or --resume)")
    ctx = cli_ctx()
    approver = accounts.by_email(ctx, approver_email)
    requester = accounts.by_email(ctx, requester_email) if requester_email else None
    if approver is None or approver.role != "director" or not approver.is_active:
        raise click.ClickException("the approver must be an active director")
    try:
        person = persons.by_case_code(ctx, case_code)
        certificate = shredding.shred(
            ctx.as_actor(requester.public_id if requester else None),
            subject_id=person.subject_id, reason=ShredReason(reason),
            approved_by=approver.public_id, folder=folder, tombstones=tombstones,
            commit=db.session.commit)
    except NotFound:
        raise click.ClickException("no such case code") from None
    except ServiceError as error:
        db.session.rollback()
        cli_ctx().audit("subject.shred", outcome="denied", object_type="person",
                        object_ref=case_code)
        db.session.commit()
        _fail(error)
    _checkpoint_sqlite()
    click.echo(f"shredded {case_code}; certificate {certificate.public_id}")
    click.echo("Old backups still hold this person's data under the current casework KEK. "
               "Run `senim keys rotate` now, and `senim keys retire` for the old version "
               "when the last backup taken before today has expired (docs/crypto.md).")


def _resume_shreds(folder: Path, tombstones: Tombstones) -> None:
    ctx = cli_ctx()
    try:
        done = shredding.resume_all(ctx, folder=folder, tombstones=tombstones,
                                    commit=db.session.commit)
    except ServiceError as error:
        db.session.rollback()
        _fail(error)
    _checkpoint_sqlite()
    for certificate in done:
        click.echo(f"completed shred of subject {certificate.subject_id}; "
                   f"certificate {certificate.public_id}")
    click.echo(f"{len(done)} interrupted shreds completed")
    conflicts = shredding.live_on_tombstone_list(cli_ctx(), tombstones)
    if conflicts:
        click.echo("WARNING: on the tombstone list but still live here (not erased; "
                   f"investigate, then shred them properly): {', '.join(conflicts)}", err=True)
        sys.exit(1)


@click.command("legal-hold")
@with_appcontext
@click.argument("case_code")
@click.option("--set/--clear", "hold", default=True)
def legal_hold_command(case_code: str, hold: bool) -> None:
    """Set or clear a legal hold (blocks shredding)."""
    ctx = cli_ctx()
    try:
        shredding.set_legal_hold(ctx, persons.by_case_code(ctx, case_code).subject_id,
                                 hold=hold)
    except NotFound:
        raise click.ClickException("no such case code") from None
    db.session.commit()
    click.echo(f"{case_code}: legal hold {'set' if hold else 'cleared'}")


@click.command("backup")
@with_appcontext
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--recipient", default=None, help="age public key (default: configured).")
@exclusive("backup")
def backup_command(out: Path, recipient: str | None) -> None:
    """Write an age-encrypted backup of both databases and all attachments."""
    from casework.services import scheduled_backups

    settings = _settings()
    try:
        recipient = recipient or scheduled_backups.offline_recipient(settings)
        manifest = backup.create_backup(
            out, databases=[backup.DatabaseTarget("casework", db.engines[None]),
                            backup.DatabaseTarget("intel", db.engines["intel"])],
            attachments=settings.attachments_path, recipient=recipient,
            key_metadata=scheduled_backups.key_metadata(current_app.extensions["senim.keys"]),
            now=utcnow(), instance=settings.instance_path,
            exclude=scheduled_backups.excluded(settings))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    cli_ctx().audit("system.backup", object_type="backup", object_ref=out.name[:64])
    db.session.commit()
    click.echo(f"backup written: {out} ({len(manifest['attachments'])} attachments, "
               f"{len(manifest['files'])} instance files)")


@click.command("restore")
@with_appcontext
@click.argument("backup_file", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--identity", "identity_file", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resume", is_flag=True,
              help="Rerun an interrupted restore from the start (same backup and identity).")
@exclusive("restore")
def restore_command(backup_file: Path | None, identity_file: Path | None,
                    resume: bool) -> None:
    """Rebuild this (fresh) instance from a backup through a staging copy that is checked
    (every record decrypts, tombstones applied, audit chain verifies) before it is
    switched in. Rerunning after a crash starts over."""
    from casework import cli_restore

    marker = cli_restore.in_progress(_settings())
    if resume or (backup_file is None and marker):
        if not marker:
            raise click.ClickException("no interrupted restore to resume")
        backup_file, identity_file = Path(marker["backup"]), Path(marker["identity"])
    if backup_file is None or identity_file is None:
        raise click.ClickException("give BACKUP_FILE and --identity (or --resume)")
    try:
        outcome = cli_restore.restore(backup_file, identity_file)
    except (backup.BackupError, cli_restore.RestoreRefused) as error:
        raise click.ClickException(str(error)) from None
    report = outcome.report
    if outcome.rerun:
        click.echo("an interrupted restore was found and rerun from the start")
    if outcome.switched or cli_restore.has_audit_trail():
        cli_ctx().audit("system.restore", outcome="ok" if outcome.switched else "failed")
        for subject_id in report.conflicts:
            cli_ctx().audit("restore.tombstone_conflict", outcome="alarm",
                            object_type="subject", object_ref=subject_id)
        db.session.commit()
    click.echo(f"restored: {report.persons_ok} persons and {report.attachments_ok} "
               f"attachments decrypt; {report.intel_ok} intelligence entries and "
               f"{report.packages_ok} packages checked; {report.tombstoned} shredded "
               f"subjects removed; {report.failures} failures; "
               f"audit chain {'ok' if report.audit_ok else 'BROKEN'}")
    if report.pending_shreds:
        click.echo(f"{report.pending_shreds} shreds were unfinished when the backup was "
                   "taken: run `senim shred --resume`", err=True)
    if report.conflicts:
        click.echo("WARNING: on the tombstone list before this backup was taken, yet live in "
                   "it (not erased; investigate, then shred them properly): "
                   f"{', '.join(report.conflicts)}", err=True)
    if not outcome.switched:
        click.echo("the staged copy failed its checks and was discarded; nothing switched",
                   err=True)
        sys.exit(1)




def _checkpoint_sqlite() -> None:
    """Fold the WAL into the database file so destroyed keys leave no copy in the -wal."""
    from sqlalchemy import text

    for engine in db.engines.values():
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def register_key_commands(group: AppGroup) -> None:
    group.add_command(keys_group)
    for command in (shred_command, legal_hold_command, backup_command, restore_command):
        group.add_command(command)
