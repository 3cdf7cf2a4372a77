"""`backup create FILE` and `backup restore FILE` (timebank.backup has the formats)."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..backup import FORMATS, create_backup, default_format, restore_backup
from ..backup.tables import is_latest
from ..extensions import db
from .errors import OneLineGroup, cli_errors


@click.group(cls=OneLineGroup, help="Back up the database, and restore a backup into an empty database.")
def backup():
    pass


@backup.command(help="Back up the database (DATABASE_URL) into FILE, a new file. On SQLite the default is a "
                "copy of the database file, safe while the app runs; --format jsonl (the default on PostgreSQL) "
                "writes portable JSON lines, gzipped when FILE ends in .gz.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="sqlite (SQLite only; the default there) or jsonl (the default on PostgreSQL).")
@with_appcontext
@cli_errors
def create(file, fmt):
    summary = create_backup(file, fmt or default_format())
    click.echo(f"Backed up {summary.rows} rows in {summary.tables} tables to {file} "
               f"({summary.format}, migration revision {summary.revision}).")


@backup.command(help="Restore FILE (made by backup create) into the database (DATABASE_URL), which must be empty: "
                "a new database, an empty migrated one, or on SQLite a file that does not exist yet. "
                "Stop the app while restoring.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@cli_errors
def restore(file):
    summary = restore_backup(file)
    click.echo(f"Restored {summary.rows} rows in {summary.tables} tables from {file} "
               f"(migration revision {summary.revision}) into {db.engine.url.render_as_string(hide_password=True)}.")
    upgrade = "" if is_latest(summary.revision) else "flask --app wsgi db upgrade, then "
    click.echo(f"Next: {upgrade}flask --app wsgi ledger verify")
