import csv
import sys

import click
from flask.cli import with_appcontext

from ..ledger import verify as run_verify
from ..ledger.export import BALANCE_COLUMNS, CSV_COLUMNS, balance_rows, journal_lines, posting_rows
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="Check and export the ledger.")
def ledger():
    pass


@ledger.command(help="Check every ledger invariant (I1 to I8) over every community. Exit 1 on any violation.")
@with_appcontext
@cli_errors
def verify():
    failed = False
    for check in run_verify():
        mark = "ok  " if check.ok else "FAIL"
        click.echo(f"{mark} {check.invariant} {check.description}: {check.checked} checked")
        for violation in check.violations:
            failed = True
            click.echo(f"       {violation}", err=True)
    if failed:
        click.echo("ledger verify: violations found", err=True)
        sys.exit(1)
    click.echo("ledger verify: all invariants hold")


@ledger.command(help="Export every posting as CSV, or every entry as a ledger/hledger journal.")
@click.option("--format", "fmt", type=click.Choice(["csv", "ledger"]), required=True)
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write (default: standard output).")
@with_appcontext
@cli_errors
def export(fmt, output):
    if fmt == "csv":
        writer = csv.writer(output, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(posting_rows())
    else:
        output.writelines(journal_lines())


@ledger.command(help="Print every account's balance from the app's own cached balances.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write (default: standard output).")
@with_appcontext
@cli_errors
def balances(fmt, output):
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(BALANCE_COLUMNS)
    writer.writerows(balance_rows())
