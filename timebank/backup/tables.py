"""What a backup holds, and what a restore may write into.

A backup holds every table the database really has (reflected, whatever its revision), not a
list kept here, so tables that later migrations add are included without a change. The app's
models lend their column types to the reflected columns, so that values are read as the app
reads them (aware UTC datetimes, booleans, JSON) and cross between SQLite and PostgreSQL.
"""
from dataclasses import dataclass

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import Connection, MetaData, Table, func, inspect, literal, select, sql, table

from ..errors import TimebankError
from ..extensions import db

ALEMBIC_TABLE = "alembic_version"


class BackupError(TimebankError):
    code = "backup_error"


@dataclass
class Summary:
    format: str
    revision: str
    tables: int
    rows: int


def app_tables(connection: Connection) -> list[Table]:
    """Every table but Alembic's, each after the tables it refers to.

    Tables nothing refers to (postings, closed periods, the audit log, rollups) come after all
    the others: still after their parents, and a closed period is written only after the
    entries dated in it, as it was when the month was closed.
    """
    reflected = MetaData()
    reflected.reflect(bind=connection)
    tables = [t for t in reflected.sorted_tables if t.name != ALEMBIC_TABLE]
    for found in tables:
        model = db.metadata.tables.get(found.name)
        for column in found.columns:
            if model is not None and column.name in model.c:
                column.type = model.c[column.name].type
    referenced = {fk.column.table.name for t in tables for fk in t.foreign_keys if fk.column.table is not t}
    return [t for t in tables if t.name in referenced] + [t for t in tables if t.name not in referenced]


def row_order(found: Table) -> list:
    return list(found.primary_key.columns)


def count_rows(connection: Connection, found: Table) -> int:
    return connection.scalar(select(func.count()).select_from(found))


def database_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table(ALEMBIC_TABLE):
        return None
    version = table(ALEMBIC_TABLE, sql.column("version_num")).c.version_num
    revisions = connection.scalars(select(version).order_by(version)).all()
    return ",".join(revisions) or None


def describe(connection: Connection) -> str:
    return connection.engine.url.render_as_string(hide_password=True)


def check_empty(connection: Connection) -> str | None:
    """Refuse a database that holds any row; return its revision (None: no schema at all)."""
    names = sorted(set(inspect(connection).get_table_names()) - {ALEMBIC_TABLE})
    full = [name for name in names if connection.scalar(select(literal(1)).select_from(table(name)).limit(1))]
    if full:
        raise BackupError(
            f"the database {describe(connection)} is not empty ({len(full)} tables have rows, "
            f"{', '.join(full[:3])}{' ...' if len(full) > 3 else ''}): restore only into an empty database"
        )
    revision = database_revision(connection)
    if names and revision is None:
        raise BackupError(
            f"the database {describe(connection)} has tables but no migration revision: "
            "restore into an empty database"
        )
    return revision


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def is_latest(revision: str) -> bool:
    return set(revision.split(",")) == set(_scripts().get_heads())


def check_known_revision(revision: str) -> None:
    """A backup from a newer version of the app names a migration this version does not have."""
    scripts = _scripts()
    try:
        known = all(scripts.get_revision(r) is not None for r in revision.split(","))
    except Exception:  # noqa: BLE001 (alembic raises several kinds for an unknown revision)
        known = False
    if not known:
        raise BackupError(
            f"the backup is at migration revision {revision}, which this version of Timebank does not "
            "know: restore it with the version that made it (or a newer one)"
        )


def check_revision_matches(target: str | None, revision: str, connection: Connection) -> None:
    if target is not None and target != revision:
        raise BackupError(
            f"the database {describe(connection)} is at migration revision {target} but the backup is at "
            f"{revision}: restore into a new empty database, without running db upgrade first"
        )
