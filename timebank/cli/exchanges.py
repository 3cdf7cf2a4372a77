import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..extensions import db
from ..models import Community
from ..services.communities import get_community
from ..services.exchanges import auto_confirm_due
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="The exchange workflow.")
def exchanges():
    pass


@exchanges.command(
    "auto-confirm",
    help="Post every pending exchange older than its community's auto-confirm days. "
    "Safe to run as often as a scheduler likes (for example hourly from cron).",
)
@click.option("--community", "slug", help="Only this community (default: all).")
@with_appcontext
@cli_errors
def auto_confirm(slug):
    communities = [get_community(slug)] if slug else db.session.scalars(select(Community).order_by(Community.id)).all()
    for community in communities:
        posted, failed = auto_confirm_due(community)
        db.session.commit()
        line = f"{community.slug}: {posted} posted"
        if failed:
            line += f", {failed} left pending (they would pass an account's limit; a coordinator can help)"
        click.echo(line)
