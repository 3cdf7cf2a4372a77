"""The SQLite backup: a copy of the database file made with SQLite's online backup API.

The copy is taken in one step, inside one read transaction on the source: in WAL mode writers
carry on meanwhile and the copy is the database as it was at one instant. The copy is then
switched out of WAL (one self-contained file) and checked with PRAGMA integrity_check.
"""
import sqlite3
from contextlib import closing
from pathlib import Path

from .tables import BackupError, Summary

MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 30


def is_sqlite(start: bytes) -> bool:
    return start.startswith(MAGIC)


def copy_database(source: Path, destination: Path) -> None:
    """Copy a live database into a new file, and check the copy."""
    with closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)) as live, \
            closing(sqlite3.connect(destination, timeout=BUSY_TIMEOUT_S)) as copy:
        live.backup(copy)  # all pages in one step: one consistent snapshot
        copy.execute("PRAGMA journal_mode = DELETE")
        _check_integrity(copy, destination)


def inspect_backup(path: Path) -> Summary:
    """Check a backup file before anything is written: whole, and made from a Timebank database."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as copy:
            _check_integrity(copy, path)
            names = [row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if "alembic_version" not in names:
                raise BackupError(f"{path} is a SQLite database but not a Timebank backup (no migration revision)")
            revisions = [row[0] for row in copy.execute("SELECT version_num FROM alembic_version ORDER BY version_num")]
            tables = [n for n in names if n != "alembic_version" and not n.startswith("sqlite_")]
            rows = sum(copy.execute(f"SELECT count(*) FROM {_quoted(n)}").fetchone()[0] for n in tables)  # nosec B608
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite backup: {error}") from None
    if not revisions:
        raise BackupError(f"{path} has no migration revision: not a Timebank backup")
    return Summary("sqlite", ",".join(revisions), len(tables), rows)


def restore_database(backup: Path, target: Path) -> None:
    """Copy a checked backup over an empty (or missing) target database, in one transaction."""
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} for the database does not exist")
    try:
        with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as copy, \
                closing(sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)) as live:
            copy.backup(live)
            _check_integrity(live, target)
    except sqlite3.Error as error:
        raise BackupError(f"could not restore into {target}: {error}") from None


def _check_integrity(connection: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems != ["ok"]:
        raise BackupError(f"{path} failed its integrity check: {'; '.join(problems[:3])}")


def _quoted(name: str) -> str:
    """A table name read from the backup file itself, quoted as an SQLite identifier (a doubled
    quote inside), so a crafted file cannot turn its table names into SQL. sqlite3 has no
    placeholder for identifiers, hence the f-string that bandit flags (B608)."""
    return '"' + name.replace('"', '""') + '"'
