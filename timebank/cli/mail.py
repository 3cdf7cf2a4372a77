"""The email outbox, as the people who run the service see it."""
import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from .errors import OneLineGroup

LISTED = 50


@click.group(cls=OneLineGroup, help="The email outbox.")
def mail():
    pass


@mail.command(help="Show the messages waiting to be sent and those that failed, with their attempts and last error.")
@click.option("--limit", default=LISTED, show_default=True, help="At most this many of each.")
@with_appcontext
def outbox(limit):
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    click.echo(", ".join(f"{counts.get(status, 0)} {status}" for status in OutboxStatus.ALL))
    for title, statuses in (("Waiting", (OutboxStatus.WAITING, OutboxStatus.SENDING)), ("Failed", (OutboxStatus.FAILED,))):
        rows = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.status.in_(statuses)).order_by(OutboxMessage.id).limit(limit)
        ).all()
        if not rows:
            continue
        click.echo(f"\n{title}:")
        click.echo(f"{'id':>6}  {'created':<16}  {'next try':<16}  {'tries':>5}  {'to':<30}  last error")
        for row in rows:
            next_try = f"{row.next_attempt_at:%Y-%m-%d %H:%M}" if row.status != OutboxStatus.FAILED else "-"
            error = (row.last_error or "").splitlines()[0][:100] if row.last_error else ""
            click.echo(
                f"{row.id:>6}  {row.created_at:%Y-%m-%d %H:%M}  {next_try:<16}  {row.attempts:>5}  "
                f"{row.to_address[:30]:<30}  {error}"
            )
