import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from tqdm import tqdm

from .. import csv_safe
from ..extensions import db
from ..ledger import verify as run_verify
from ..ledger.export import BALANCE_COLUMNS, CSV_COLUMNS, balance_rows, journal_lines, posting_rows
from ..ledger.research_export import write_zip
from ..models.types import utcnow
from ..security_log import exported
from ..services.communities import get_community, only_community
from ..services.ledger_import import LedgerImportRejected, import_ledger, recorder_for
from .errors import OneLineGroup, cli_errors

#: Problems printed by `ledger import` before "and N more".
PROBLEMS_SHOWN = 200


@click.group(cls=OneLineGroup, help="Check, export and import the ledger.")
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


@ledger.command(
    help="Export every posting as CSV, or every entry as a ledger/hledger journal, or one community's research "
    "archive (a zip: postings, members, kind changes, listings, matches, who recorded and confirmed each entry, "
    "and a data dictionary; no names, contacts or free text)."
)
@click.option("--format", "fmt", type=click.Choice(["csv", "ledger", "research"]), required=True)
@click.option("--output", "-o", type=click.File("w"), default="-", help="File to write (default: standard output).")
@click.option("--community", "slug", help="For research: the community's short name (optional when there is only one).")
@with_appcontext
@cli_errors
def export(fmt, output, slug):
    if fmt == "research":
        if output.isatty():
            raise click.ClickException(_("The research export is a zip archive: write it to a file with -o FILE.zip."))
        community = get_community(slug) if slug else only_community()
        exported("ledger.research", by="cli", community=community.slug)
        output.flush()
        write_zip(community, output.buffer, now=utcnow())
        return
    exported(f"ledger.{fmt}", by="cli")
    if fmt == "csv":
        writer = csv_safe.writer(output, bom=False)  # for programs: see csv_safe
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
    writer = csv_safe.writer(output, bom=False)
    writer.writerow(BALANCE_COLUMNS)
    writer.writerows(balance_rows())


@ledger.command(
    "import",
    help="Import past exchanges from a CSV file into one community, all or nothing. Columns: date, giver_email, "
    "receiver_email, minutes, activity, note, and optionally kind (exchange or group_session). Importing the same "
    "file again adds nothing. Exit 1 listing every problem by line if any line has one.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--community", "slug", help="The community's short name (optional when there is only one).")
@click.option("--as", "as_email", metavar="EMAIL", help="The coordinator recorded as having recorded the entries (default: nobody).")
@with_appcontext
@cli_errors
def import_(file, slug, as_email):
    community = get_community(slug) if slug else only_community()
    recorder = recorder_for(community, as_email) if as_email else None

    def progress(stage, total):
        # Shown on a terminal only, so that logs and pipes get the summary line alone.
        return tqdm(desc=stage, total=total, unit=" rows", file=sys.stderr, disable=None, mininterval=0.5, dynamic_ncols=True)

    with open(file, "rb") as stream:
        try:
            result = import_ledger(community, stream, recorded_by_id=recorder and recorder.user_id, progress=progress)
        except LedgerImportRejected as error:
            db.session.rollback()
            for line, message in error.problems[:PROBLEMS_SHOWN]:
                click.echo(_("line %(line)d: %(message)s", line=line, message=message), err=True)
            if error.total > PROBLEMS_SHOWN:
                click.echo(_("and %(n)d more", n=error.total - PROBLEMS_SHOWN), err=True)
            raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        _(
            "Imported %(file)s into %(community)s: %(rows)d rows, %(created)d entries created, %(existing)d already there.",
            file=file, community=community.slug, rows=result.rows, created=result.created, existing=result.existing,
        )
    )
