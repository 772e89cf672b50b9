"""Operator commands: ``flask --app wsgi senim ...``. Thin: context, service, commit."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from casework.extensions import db
from casework.models.base import utcnow
from casework.services import accounts, audit, audit_checkpoints, tokens
from casework.services.context import Ctx

senim = AppGroup("senim", help="Senim administration commands.")
audit_group = AppGroup("audit", help="The hash-chained audit trail.")
token_group = AppGroup("api-token", help="Per-user API tokens.")


def cli_ctx(actor: str | None = None) -> Ctx:
    """A unit of work for a command: first take up the current key versions (issue 16)."""
    from casework.services import keystate

    ext = current_app.extensions
    now = utcnow()
    try:
        keystate.follow(db.engines[None], ext["senim.keys"], now=now, role="cli")
    except keystate.KeyStateMismatch as mismatch:
        raise click.ClickException(str(mismatch)) from None
    return Ctx(session=db.session, keys=ext["senim.keys"], passwords=ext["senim.passwords"],
               now=now, actor=actor, request_id="cli")


@senim.command("init")
def init_command() -> None:
    """Create the databases (migrations) and the key file under the instance folder."""
    upgrade()
    settings = current_app.extensions["senim.settings"]
    for path in (settings.instance_path / "casework.db", settings.instance_path / "intel.db"):
        if path.exists():
            os.chmod(path, 0o600)
    cli_ctx().audit("system.init")
    db.session.commit()
    click.echo("initialised: databases migrated, key file ready")


@senim.command("demo")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the demo credentials as JSON to this file.")
def demo_command(out: Path | None) -> None:
    """Load the demo organisation (demo mode only) and print how to sign in."""
    from casework.services import demo

    settings = current_app.extensions["senim.settings"]
    if not settings.demo_mode and settings.environment == "production":
        raise click.ClickException("the demo refuses to run in production")
    data = demo.load_demo(cli_ctx(), settings.instance_path, settings.attachments_path)
    db.session.commit()
    if out:
        _write_private(out, json.dumps(data, ensure_ascii=False, indent=2))
    click.echo(demo.describe(data, show_secrets=settings.demo_mode))


@audit_group.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the checkpoint to this file (keep copies off the server).")
def audit_checkpoint_command(out: Path | None) -> None:
    """Sign every stream's head now, store it, and print it to be kept somewhere else."""
    text = audit_checkpoints.make(db.session, current_app.extensions["senim.keys"],
                                  now=utcnow())
    cli_ctx().audit("audit.checkpoint")
    db.session.commit()
    if out:
        _write_private(out, text)
    click.echo(text, nl=False)


@audit_group.command("verify")
@click.option("--checkpoint", "checkpoints", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A checkpoint kept off the server: also proves the tail was not cut.")
def audit_verify_command(checkpoints: tuple[Path, ...]) -> None:
    """Check every stream and the stored signed roots; exit 1 and name the first broken
    entry if they do not hold."""
    keys = current_app.extensions["senim.keys"]
    report = audit.verify(db.session, keys)
    if report.ok:
        click.echo(f"audit chain ok: {report.checked} entries")
    else:
        reason = report.reason.value if report.reason else "unknown"
        where = (f"at entry {report.first_broken_seq} ({reason})"
                 if report.first_broken_seq is not None else f"({reason})")
        stream = f" in stream {report.stream}" if report.stream else ""
        click.echo(f"audit chain BROKEN {where}{stream}; "
                   f"{report.checked} entries verified before it", err=True)
    for path in checkpoints:
        result = audit_checkpoints.check(db.session, keys, path.read_text(encoding="utf-8"))
        click.echo(f"checkpoint {path.name}: {result.reason}", err=not result.ok)
        if not result.ok:
            report = audit.ChainReport(False, report.checked, report.first_broken_seq,
                                       report.reason, report.stream)
    try:
        # Recorded after the verdict is printed: rows forged past the chain head make this
        # append fail, and the operator must still learn where the chain broke.
        cli_ctx().audit("audit.verify", outcome="ok" if report.ok else "broken")
        db.session.commit()
    except (SQLAlchemyError, audit.AuditTrailBroken) as error:
        db.session.rollback()
        past_head = isinstance(error, audit.AuditTrailBroken)
        click.echo("could not record this verification in the audit trail"
                   + (": entries exist past the chain head (forged rows or a broken tail)"
                      if past_head else ""), err=True)
        sys.exit(1)
    if not report.ok:
        sys.exit(1)


@token_group.command("create")
@click.option("--user", "email", required=True, help="E-mail of the member of staff.")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
def token_create_command(email: str, name: str) -> None:
    """Create an API token for a user and print it once."""
    c = cli_ctx()
    staff = accounts.by_email(c, email)
    if staff is None or not staff.is_active:
        raise click.ClickException("no active account with that e-mail")
    _, token = tokens.create(c.as_actor(staff.public_id), staff, name=name)
    db.session.commit()
    click.echo(token)


@senim.command("run-scheduler")
@click.option("--wait", is_flag=True,
              help="If another scheduler is running, wait for it to stop (a standby).")
@click.option("--once", is_flag=True, help="Run every job once now, then exit.")
@click.option("--only", "only", multiple=True, metavar="JOB",
              help="With --once: run only these jobs (e.g. backup_daily, check_backup).")
def run_scheduler_command(wait: bool, once: bool, only: tuple[str, ...]) -> None:
    """Run the scheduled jobs (session purge, disclosure stops, write reconciliation,
    audit verification, daily backup, monthly restore check, ...); only one scheduler
    runs them at a time. Every run is recorded (the director's "scheduled jobs" page)."""
    from casework.scheduler import SchedulerLock, build_scheduler, job_ids, run_once

    unknown = sorted(set(only) - set(job_ids()))
    if unknown:
        raise click.ClickException(f"unknown job: {', '.join(unknown)} "
                                   f"(jobs: {', '.join(job_ids())})")

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = SchedulerLock(db.engines[None], app.instance_path)
    if not lock.acquire(wait=wait):
        click.echo("another scheduler is running; this one exits (use --wait to stand by)",
                   err=True)
        sys.exit(3)
    try:
        if once:
            for job_id, result in run_once(app, only=frozenset(only)).items():
                click.echo(f"{job_id}: {result}")
            return
        click.echo("scheduler running (Ctrl+C to stop)")
        build_scheduler(app, lock).start()
    finally:
        lock.release()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def register_cli(app: Flask) -> None:
    from casework.cli_check import register_check_command
    from casework.cli_import import import_group
    from casework.cli_keys import register_key_commands
    from casework.cli_packages import package_group
    from casework.cli_reindex import reindex_group

    senim.add_command(audit_group)
    senim.add_command(token_group)
    register_key_commands(senim)
    register_check_command(senim)
    senim.add_command(package_group)
    senim.add_command(import_group)
    senim.add_command(reindex_group)
    from casework.cli_serve import serve_command

    senim.add_command(serve_command)
    app.cli.add_command(senim)
