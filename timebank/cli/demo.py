"""`demo seed`: a demo community to try the app with (and, large, to benchmark it)."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..demo import COORDINATOR_EMAIL, FUNDER_EMAIL, DemoExists, demo_exists, seed_demo
from .errors import OneLineGroup, cli_errors

MIN_MEMBERS = 8  # enough for every kind plus someone who only gives and someone who only receives
MAX_MEMBERS = 99_999


@click.group(cls=OneLineGroup, help="Demo data.")
def demo():
    pass


@demo.command(help="Create the demo community 'demo' with members, organisations and months of history, "
              "then print the demo logins.")
@click.option("--members", type=click.IntRange(MIN_MEMBERS, MAX_MEMBERS), default=40, show_default=True,
              help="How many members (besides the coordinator and the funder).")
@click.option("--exchanges", type=click.IntRange(min=0), default=1500, show_default=True,
              help="About how many entries: exchanges, group sessions, donations, grants and reversals.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same demo.")
@click.option("--if-empty", is_flag=True,
              help="Do nothing (and exit 0) when the demo community already exists.")
@with_appcontext
@cli_errors
def seed(members, exchanges, seed, if_empty):
    password = current_app.config["DEMO_PASSWORD"]
    if demo_exists():  # checked before the progress bar starts, so the answer is one line
        if not if_empty:
            raise DemoExists()
        first, last = _member_email_range()
        click.echo("Demo already seeded.")
        _print_logins(password, first, last)
        return
    with click.progressbar(length=exchanges, label="Posting entries", file=sys.stderr) as bar:
        summary = seed_demo(members=members, exchanges=exchanges, seed=seed, password=password, progress=bar.update)
    closed = ""
    if len(summary.closed) == 1:
        closed = f"; {summary.closed[0]:%B %Y} is closed"
    elif summary.closed:
        closed = f"; {summary.closed[0]:%B %Y} to {summary.closed[-1]:%B %Y} are closed"
    click.echo(
        f"Seeded {summary.community} (demo): {summary.members} members, {summary.entries} entries "
        f"from {summary.start:%-d %B %Y} to {summary.end:%-d %B %Y}{closed}."
    )
    _print_logins(password, summary.first_email, summary.last_email)


def _print_logins(password: str, first_email: str | None, last_email: str | None) -> None:
    click.echo(f"Demo logins (password: {password}):")
    click.echo(f"  {COORDINATOR_EMAIL:<26} coordinator")
    click.echo(f"  {FUNDER_EMAIL:<26} funder (reports only)")
    if first_email:
        click.echo(f"  {first_email:<26} member ({first_email} to {last_email})")


def _member_email_range() -> tuple[str | None, str | None]:
    from sqlalchemy import func, select

    from ..extensions import db
    from ..models import User

    demo_members = select(User.email).where(User.email.like("member%@demo.example")).subquery()
    return db.session.execute(select(func.min(demo_members.c.email), func.max(demo_members.c.email))).one()
