import click
from flask.cli import with_appcontext

from ..services.communities import get_community
from ..tasks.jobs import auto_confirm_communities
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="The exchange workflow.")
def exchanges():
    pass


@exchanges.command(
    "auto-confirm",
    help="Post every pending exchange older than its community's auto-confirm days. "
    "The task worker does this every 15 minutes; this runs it now, and is safe beside it.",
)
@click.option("--community", "slug", help="Only this community (default: all).")
@with_appcontext
@cli_errors
def auto_confirm(slug):
    for line in auto_confirm_communities([get_community(slug).slug] if slug else None):
        click.echo(line)
