"""``senim check``: do the two databases agree about what happened (issue 16.5)?"""

from __future__ import annotations

import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

from casework.extensions import db
from casework.services import consistency


def register_check_command(senim: AppGroup) -> None:
    @senim.command("check")
    @click.option("--grace", default=120, show_default=True, type=click.IntRange(0, 86400),
                  help="Seconds: a journalled write younger than this may still be in "
                       "flight and is left alone.")
    def check_command(grace: int) -> None:
        """Settle half-done two-database writes, report and repair orphans; exit 1 when
        something was found that could not be repaired."""
        from casework.cli import cli_ctx

        report = consistency.check(cli_ctx(), grace=timedelta(seconds=grace))
        db.session.commit()
        for txid, outcome in report.settled.items():
            click.echo(f"write {txid}: {'undone' if outcome == 'aborted' else 'completed'}")
        for txid in report.deferred:
            click.echo(f"write {txid}: could not be settled (database unreachable)", err=True)
        for ref in report.acknowledged:
            click.echo(f"entry {ref}: audited but missing; acknowledged in the audit trail")
        if report.dangling_links:
            click.echo(f"{report.dangling_links} source link(s) to missing entries removed")
        if report.caseloads_corrected:
            click.echo(f"{report.caseloads_corrected} caseload count(s) corrected")
        for ref in report.unaudited_entries:
            click.echo(f"entry {ref}: NOT REPAIRED, no audit event records its creation",
                       err=True)
        for ref in report.unlinked_entries:
            click.echo(f"entry {ref}: NOT REPAIRED, its source token has no source link",
                       err=True)
        if report.unrepaired:
            sys.exit(1)
        click.echo("consistent" if not report.found else "consistent after repairs")
