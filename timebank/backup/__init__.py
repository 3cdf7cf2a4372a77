"""Backups that restore: `backup create FILE` and `backup restore FILE` (README, "Backups").

Two formats:

- "sqlite", the default on SQLite: a copy of the database file by SQLite's online backup API,
  safe while the app is running and writing, checked with PRAGMA integrity_check.
- "jsonl", the default (and only format) on PostgreSQL: every table in dependency order as JSON
  lines (see `jsonl`), read in one REPEATABLE READ READ ONLY transaction, so a consistent
  snapshot, and streamed. It restores into either database.

A restore writes only into an empty database (an empty migrated schema, or none at all) and
checks the whole file before it writes anything. A JSON-lines restore builds a missing schema
with the migrations, at the backup's revision, then inserts every row in one transaction: plain
INSERTs, which the ledger's triggers allow, with PostgreSQL's deferred balance check run at
commit. Nothing is disabled, and no superuser is needed.
"""
import os
import sqlite3
import tempfile
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from ..extensions import db
from . import jsonl, sqlite_file
from .tables import BackupError, Summary, check_empty, check_known_revision, check_revision_matches

__all__ = ["BackupError", "Summary", "create_backup", "restore_backup"]

FORMATS = ("sqlite", "jsonl")


def default_format() -> str:
    return "sqlite" if db.engine.dialect.name == "sqlite" else "jsonl"


def create_backup(path: Path, fmt: str | None = None) -> Summary:
    """Back up the app's database (DATABASE_URL) into a new file at `path`."""
    fmt = fmt or default_format()
    if path.exists():
        raise BackupError(f"{path} already exists: a backup never overwrites a file, choose another name")
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    engine = db.engine
    partial = path.with_name(f".{path.name}.partial")
    gzipped = path.name.endswith(".gz")
    try:
        if engine.dialect.name == "sqlite":
            source = _sqlite_file(engine)
            if not source.is_file():
                raise BackupError(f"the database file {source} does not exist")
            if fmt == "sqlite":
                _copy(source, partial)
                summary = sqlite_file.inspect_backup(partial)
            else:
                summary = _sqlite_to_jsonl(source, partial, gzipped)
        elif fmt == "sqlite":
            raise BackupError(f"the sqlite format backs up a SQLite database; this one is {engine.dialect.name}: "
                              "use --format jsonl (or pg_dump)")
        else:
            with engine.connect() as connection:
                connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with connection.begin():
                    summary = jsonl.write(connection, partial, gzipped=gzipped)
        _sync(partial)
        os.replace(partial, path)  # the backup appears whole or not at all
    finally:
        jsonl.remove_partial(partial)
    return summary


def restore_backup(path: Path) -> Summary:
    """Restore a backup into the app's database, which must be empty. Returns what was restored."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist" if not path.exists() else f"{path} is not a file")
    with open(path, "rb") as file:
        start = file.read(64)
    engine = db.engine
    if sqlite_file.is_sqlite(start):
        summary = sqlite_file.inspect_backup(path)
        check_known_revision(summary.revision)
        if engine.dialect.name != "sqlite":
            raise BackupError(f"{path} is a SQLite database file, which restores only into SQLite: make a "
                              "--format jsonl backup to move to PostgreSQL")
        _target_revision(engine)
        engine.dispose()  # no pooled connection may hold the old file open while it is replaced
        sqlite_file.restore_database(path, _sqlite_file(engine))
        return summary
    if not jsonl.is_jsonl(start):
        raise BackupError(f"{path} is not a Timebank backup (neither a SQLite file nor JSON lines)")
    header = jsonl.read_header(path)
    revision = header["alembic_revision"]
    check_known_revision(revision)
    found = _target_revision(engine, expected=revision)
    for _ in jsonl.rows(path, header):  # the whole file is read and checked before anything is written
        pass
    if found is None:
        upgrade(revision=revision)
    with engine.begin() as connection:
        check_empty(connection)  # again, now inside the write transaction
        summary = jsonl.load(connection, path, header)
    return summary


def _target_revision(engine, expected: str | None = None) -> str | None:
    """Refuse a target with rows (or at another revision than `expected`); return its revision,
    None when it has no schema yet."""
    if engine.dialect.name == "sqlite" and not _sqlite_file(engine).exists():
        return None  # not made yet, and not made until the backup has been checked
    with engine.connect() as connection:
        found = check_empty(connection)
        if expected is not None:
            check_revision_matches(found, expected, connection)
    return found


def _sqlite_file(engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the database {engine.url} is not a SQLite file that can be backed up or restored")
    return Path(name)


def _copy(source: Path, destination: Path) -> None:
    try:
        sqlite_file.copy_database(source, destination)
    except sqlite3.Error as error:
        raise BackupError(f"could not copy {source}: {error}") from None


def _sqlite_to_jsonl(source: Path, destination: Path, gzipped: bool) -> Summary:
    """A consistent snapshot first (the online backup), then the JSON lines from that copy."""
    with tempfile.TemporaryDirectory(dir=destination.parent, prefix=".timebank-backup-") as scratch:
        snapshot = Path(scratch) / "snapshot.sqlite"
        _copy(source, snapshot)
        engine = create_engine(f"sqlite:///{snapshot}", poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return jsonl.write(connection, destination, gzipped=gzipped)
        finally:
            engine.dispose()


def _sync(path: Path) -> None:
    """Make the backup durable before it takes its name."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
