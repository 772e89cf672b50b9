"""``flask --app wsgi senim reindex names``: name-pair entries for people recorded before
them (issue 12; docs/operations.md). Safe to interrupt and to run beside the application:
each batch is one transaction, and the next run goes on from the people still without."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from casework.extensions import db
from casework.services import name_pairs, name_reindex

reindex_group = AppGroup("reindex", help="Rebuild search indexes the keys allow (no key change).")


@reindex_group.command("names")
@click.option("--batch-size", type=click.IntRange(1, 5000), default=name_reindex.BATCH_SIZE,
              show_default=True, help="People per committed batch.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def reindex_names_command(batch_size: int, quiet: bool) -> None:
    """Write the name-pair index of every person who has none yet."""
    from casework.cli import cli_ctx

    todo = name_reindex.remaining(cli_ctx())
    db.session.rollback()
    after, paired = 0, 0
    with click.progressbar(length=todo, label="indexing names", file=sys.stderr,
                           hidden=quiet) as bar:
        while True:
            last, done = name_reindex.batch(cli_ctx(), after_id=after, size=batch_size)
            db.session.commit()
            if last is None:
                break
            bar.update(done)
            after, paired = last, paired + done
    left = name_reindex.remaining(cli_ctx())
    db.session.rollback()
    click.echo(f"{paired} people indexed by name pairs")
    if left:
        click.echo(f"{left} people remain without name pairs (more than "
                   f"{name_pairs.PAIR_WORDS_MAX} name words, or a record that failed its "
                   "integrity check: see the audit trail); name searches stay on the "
                   "word-by-word path", err=True)
