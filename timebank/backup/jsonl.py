"""The portable backup: JSON lines, gzipped when the file name ends in .gz.

Line 1, the header:
    {"format": "timebank-backup", "version": 1, "alembic_revision": "0005", "dialect": "postgresql",
     "created_at": "2026-11-26T09:30:00.123456+00:00",
     "tables": [{"name": "community", "columns": ["id", "slug", ...], "rows": 1}, ...]}
then one line per row, table by table in the header's order (parents first), each table's rows
by primary key:
    {"t": "community", "v": [1, "demo", ...]}
and last a trailer, so that a file cut short at a table's end is still caught:
    {"end": true, "rows": 12345}

Values are JSON except these, written as one-key objects so nothing is lost:
{"$date": "2026-01-31"}, {"$datetime": "2026-01-31T09:00:00+00:00"}, {"$time": "09:00:00"},
{"$decimal": "1.50"}, {"$bytes": "<base64>"}, {"$float": "nan"} (only NaN and infinities) and
{"$json": <value>} for the value of a JSON column (any object or list).
"""
import base64
import gzip
import io
import json
import math
import os
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, Integer, Table, false, func, select, text

from .tables import BackupError, Summary, app_tables, count_rows, database_revision, row_order

FORMAT = "timebank-backup"
VERSION = 1
BATCH = 1000  # rows read per round trip and inserted per statement
GZIP_MAGIC = b"\x1f\x8b"


def encode(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):  # before date: a datetime is a date
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict | list):
        return {"$json": value}
    raise BackupError(f"cannot back up a value of type {type(value).__name__}")


DECODERS = {
    "$datetime": datetime.fromisoformat,
    "$date": date.fromisoformat,
    "$time": time.fromisoformat,
    "$decimal": Decimal,
    "$bytes": base64.b64decode,
    "$float": float,
    "$json": lambda value: value,
}


def decode(value):
    if not isinstance(value, dict):
        return value
    ((tag, payload),) = value.items()
    return DECODERS[tag](payload)


def write(connection: Connection, path: Path, *, gzipped: bool) -> Summary:
    """Write every table from `connection`, which must hold one consistent snapshot."""
    tables = app_tables(connection)
    counts = [count_rows(connection, t) for t in tables]
    header = {
        "format": FORMAT,
        "version": VERSION,
        "alembic_revision": database_revision(connection),
        "dialect": connection.dialect.name,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": [
            {"name": t.name, "columns": [c.name for c in t.columns], "rows": n} for t, n in zip(tables, counts, strict=True)
        ],
    }
    if header["alembic_revision"] is None:
        raise BackupError("the database has no migration revision: is it a Timebank database?")
    written = 0
    with _open_for_writing(path, gzipped) as out:
        out.write(_line(header))
        for found, expected in zip(tables, counts, strict=True):
            rows = connection.execution_options(yield_per=BATCH).execute(select(found).order_by(*row_order(found)))
            n = 0
            for row in rows:
                out.write(_line({"t": found.name, "v": [encode(v) for v in row]}))
                n += 1
            if n != expected:  # cannot happen in a snapshot; a backup must not be quietly wrong
                raise BackupError(f"table {found.name} changed while it was read: {expected} rows, then {n}")
            written += n
        out.write(_line({"end": True, "rows": written}))
    return Summary("jsonl", header["alembic_revision"], len(tables), written)


def _line(record) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _open_for_writing(path: Path, gzipped: bool):
    if gzipped:
        return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=6), encoding="utf-8")
    return open(path, "w", encoding="utf-8")


def is_jsonl(start: bytes) -> bool:
    return start.startswith(GZIP_MAGIC) or start.lstrip().startswith(b"{")


def _lines(path: Path) -> Iterator[tuple[int, dict]]:
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == GZIP_MAGIC
    stream = gzip.open(path, "rt", encoding="utf-8") if gzipped else open(path, encoding="utf-8")
    number = 0
    try:
        with stream:
            for number, line in enumerate(stream, 1):
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                if not isinstance(record, dict):
                    raise BackupError(f"{path} line {number} is not a whole JSON record: the file is damaged or cut short")
                yield number, record
    except (UnicodeDecodeError, EOFError, OSError, zlib.error) as error:  # damaged text or gzip
        raise BackupError(f"{path} cannot be read after line {number} ({error}): it is damaged or cut short") from None


def read_header(path: Path) -> dict:
    lines = _lines(path)
    try:
        _, header = next(lines)
    except StopIteration:
        raise BackupError(f"{path} is empty: not a Timebank backup") from None
    finally:
        lines.close()
    if header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Timebank backup (its first line has no \"format\": \"{FORMAT}\")")
    if header.get("version") != VERSION:
        raise BackupError(
            f"{path} is in backup format version {header.get('version')!r}; this version of Timebank reads version {VERSION}"
        )
    tables = header.get("tables")
    valid = isinstance(header.get("alembic_revision"), str) and isinstance(tables, list) and all(
        isinstance(t, dict) and isinstance(t.get("name"), str) and isinstance(t.get("rows"), int)
        and isinstance(t.get("columns"), list) and all(isinstance(c, str) for c in t["columns"])
        for t in tables
    )
    if not valid:
        raise BackupError(f"{path} has a damaged header: its revision, tables, columns or row counts are missing")
    return header


def rows(path: Path, header: dict) -> Iterator[tuple[str, list]]:
    """Each row as (table, decoded values), checking as it goes that the file is whole: every
    row of a known table with the right number of values, tables in the header's order, each
    with the number of rows the header promised, and the trailer last."""
    tables = header["tables"]
    names = {t["name"] for t in tables}
    index, seen, ended = 0, 0, None
    for number, record in _lines(path):
        if number == 1:
            continue
        where = f"{path} line {number}"
        if ended is not None:
            raise BackupError(f"{where}: more after the end of the backup")
        if record.get("end") is True:
            ended = record
            continue
        name, values = record.get("t"), record.get("v")
        if name not in names:
            raise BackupError(f"{where}: a row of {name!r}, which is not a table in the header")
        while index < len(tables) and tables[index]["name"] != name:
            _check_count(path, tables[index], seen)
            index, seen = index + 1, 0
        if index == len(tables) or not isinstance(values, list) or len(values) != len(tables[index]["columns"]):
            raise BackupError(f"{where}: not a row of a table in the header's order, with one value per column")
        try:
            decoded = [decode(v) for v in values]
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise BackupError(f"{where}: a value cannot be read ({type(error).__name__})") from None
        seen += 1
        yield name, decoded
    if ended is None:
        raise BackupError(f"{path} ends early: it was cut short (no end line), so it is not a complete backup")
    for rest in tables[index:]:
        _check_count(path, rest, seen)
        seen = 0
    if ended.get("rows") != sum(t["rows"] for t in tables):
        raise BackupError(f"{path}: the end line's row count does not match the header")


def _check_count(path: Path, table: dict, seen: int) -> None:
    if seen != table["rows"]:
        raise BackupError(f"{path}: table {table['name']} has {seen} rows but the header says {table['rows']}")


def load(connection: Connection, path: Path, header: dict) -> Summary:
    """Insert every row, parents first, in the caller's transaction; then move PostgreSQL's
    sequences past the restored ids."""
    targets = {t.name: t for t in app_tables(connection)}
    for described in header["tables"]:
        target = targets.get(described["name"])
        missing = target is None or set(described["columns"]) - {c.name for c in target.columns}
        if missing:
            raise BackupError(f"the database has no table {described['name']} with the backup's columns")
    columns = {t["name"]: t["columns"] for t in header["tables"]}
    batch, current, total = [], None, 0
    for name, values in rows(path, header):
        if name != current or len(batch) >= BATCH:
            if batch:
                connection.execute(targets[current].insert(), batch)
            batch, current = [], name
        batch.append(dict(zip(columns[name], values, strict=True)))
        total += 1
    if batch:
        connection.execute(targets[current].insert(), batch)
    if connection.dialect.name == "postgresql":
        for described in header["tables"]:
            _reset_sequence(connection, targets[described["name"]])
    return Summary("jsonl", header["alembic_revision"], len(header["tables"]), total)


def _reset_sequence(connection: Connection, target: Table) -> None:
    keys = list(target.primary_key.columns)
    if len(keys) != 1 or not isinstance(keys[0].type, Integer):
        return
    quote = connection.dialect.identifier_preparer.quote
    sequence = connection.scalar(
        text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": quote(target.name), "column": keys[0].name}
    )
    if sequence:
        # The next id handed out is one past the largest restored (1 for an empty table).
        largest = select(func.max(target.c[keys[0].name])).scalar_subquery()
        connection.execute(select(func.setval(sequence, func.coalesce(largest, 0) + 1, false())))


def remove_partial(path: Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
