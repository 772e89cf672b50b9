"""``flask --app wsgi senim import people FILE`` (issue 12, item 4; docs/import.md).

Thin: read and validate the whole file, then one transaction per batch. Output names lines
and columns only, never a cell's content (the file holds victims' data).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

from casework.cli import cli_ctx
from casework.extensions import db
from casework.models import ImportRun
from casework.services import imports
from casework.services.errors import ServiceError

import_group = AppGroup("import", help="Bulk import from spreadsheets (docs/import.md).")
MAX_SHOWN = 200


@import_group.command("people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate the whole file; write nothing.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted import of this same file after its last "
                   "committed batch.")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=imports.BATCH_SIZE,
              show_default=True, help="People per committed batch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_people_command(file: Path, dry_run: bool, resume: bool, batch_size: int,
                          quiet: bool) -> None:
    """Register every person in FILE (.csv or .xlsx) with their screening."""
    try:
        table = imports.read_table(file)
    except imports.ImportRefused as refused:
        raise click.ClickException(refused.reason) from None
    ctx = cli_ctx()
    rows, problems = imports.validate(ctx, table)
    db.session.rollback()
    if problems:
        for problem in problems[:MAX_SHOWN]:
            click.echo(str(problem), err=True)
        if len(problems) > MAX_SHOWN:
            click.echo(f"... and {len(problems) - MAX_SHOWN} more problems", err=True)
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported")
    if dry_run:
        click.echo(f"dry run: {len(rows)} people valid; nothing was written")
        return
    try:
        run = imports.start_run(ctx, table, resume=resume)
        db.session.commit()
    except imports.ImportRefused as refused:
        db.session.rollback()
        raise click.ClickException(refused.reason) from None
    except IntegrityError:  # the same file, started at the same moment elsewhere
        db.session.rollback()
        raise click.ClickException("another process is importing this file") from None
    run_id, last_line = run.id, run.last_line
    todo = imports.pending(rows, run)
    done = run.imported
    with click.progressbar(length=len(todo), label="importing", file=sys.stderr,
                           hidden=quiet) as bar:
        for batch in imports.batches(todo, batch_size):
            ctx = cli_ctx()
            run = _run(run_id)
            try:
                done += imports.import_batch(ctx, run, batch, after_line=last_line)
                db.session.commit()
            except imports.ImportRefused as refused:
                db.session.rollback()
                raise click.ClickException(refused.reason) from None
            except ServiceError:
                db.session.rollback()
                raise click.ClickException(
                    f"the batch from line {batch[0].line} to line {batch[-1].line} was "
                    f"refused; {done} people were imported before it, up to line "
                    f"{last_line}. Continue with --resume on the UNCHANGED file; an edited "
                    "file is a new import and would start again at line 2") from None
            last_line = batch[-1].line
            bar.update(len(batch))
    ctx = cli_ctx()
    run = _run(run_id)
    imports.finish_run(ctx, run)
    db.session.commit()
    click.echo(f"imported: {done} people with their screening (run {run.public_id})")


def _run(run_id: int) -> ImportRun:
    run = db.session.get(ImportRun, run_id)
    assert run is not None
    return run
