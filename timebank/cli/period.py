import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services.communities import get_community, only_community
from ..services.periods import close_month
from .errors import OneLineGroup, cli_errors, parse_month


@click.group(cls=OneLineGroup, help="Reporting periods.")
def period():
    pass


@period.command(help="Close and seal a month that has ended, for example: period close 2026-10 --community demo")
@click.argument("month")
@click.option("--community", "slug", help="The community's short name (optional when there is only one).")
@with_appcontext
@cli_errors
def close(month, slug):
    month = parse_month(month)
    community = get_community(slug) if slug else only_community()
    sealed = close_month(community, month, actor_id=None)
    db.session.commit()
    click.echo(f"Closed {month:%Y-%m} for {community.slug}: {sealed.entry_count} entries, seal {sealed.seal}")
