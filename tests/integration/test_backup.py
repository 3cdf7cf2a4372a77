"""`backup create` and `backup restore`: round trips compared field by field, on SQLite (the
file copy) and PostgreSQL (JSON lines) and across the two; refusals that leave the target as it
was; and a SQLite backup taken while another connection keeps writing.

Each test makes its own databases (copies of the migrated template, or blank ones) and drops
them afterwards.
"""
import gzip
import json
import os
import threading
import uuid
from contextlib import contextmanager

import pytest
from conftest import config_for
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from timebank import create_app
from timebank.extensions import db
from timebank.ledger import exchange, post_entry
from timebank.ledger.export import balance_rows
from timebank.models import Account, Community, Entry

DEMO = ["demo", "seed", "--members", "8", "--exchanges", "80", "--seed", "4"]


@contextmanager
def app_on(url):
    app = create_app(config_for(url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def run(url, *args):
    with app_on(url) as app:
        return app.test_cli_runner().invoke(args=list(args))


def one_line_error(result) -> str:
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    return lines[0]


class Databases:
    """Databases made by this test: empty migrated copies of the template, or blank ones."""

    def __init__(self, request, tmp_path):
        self.request, self.tmp_path, self.made = request, tmp_path, []

    def _server(self, backend):
        return self.request.getfixturevalue(f"{backend}_databases")

    def migrated(self, backend) -> str:
        databases = self._server(backend)
        url = databases.create()
        self.made.append((databases, url))
        return url

    def blank(self, backend) -> str:
        """No schema at all: a SQLite file that does not exist yet, a new PostgreSQL database."""
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_path / f'blank-{uuid.uuid4().hex}.sqlite'}"
        databases = self._server(backend)
        name = f"tb_test_{uuid.uuid4().hex[:12]}"
        with databases.server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = databases.url_for(name)
        self.made.append((databases, url))
        return url

    def seeded(self, backend) -> str:
        url = self.migrated(backend)
        result = run(url, *DEMO)
        assert result.exit_code == 0, result.output
        return url

    def drop_all(self):
        for databases, url in self.made:
            databases.drop(url)


@pytest.fixture
def databases(request, tmp_path):
    made = Databases(request, tmp_path)
    yield made
    made.drop_all()


def contents(url) -> dict:
    """Every table's rows, all columns, by primary key, read through the app's models; the
    migration revision; the set of tables; and every account's balance."""
    with app_on(url):
        with db.engine.connect() as connection:
            found = {"tables": sorted(inspect(connection).get_table_names())}
            found["alembic_version"] = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
            for table in db.metadata.sorted_tables:
                found[table.name] = [
                    tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
                ]
        found["balances"] = list(balance_rows())
    return found


def assert_same(source: dict, restored: dict) -> None:
    assert restored.keys() == source.keys()
    for name, rows in source.items():
        assert len(restored[name]) == len(rows), name
        for expected, got in zip(rows, restored[name], strict=True):
            assert got == expected, (name, expected, got)


def assert_verifies(url) -> None:
    result = run(url, "ledger", "verify")
    assert result.exit_code == 0, result.output
    assert "all invariants hold" in result.output


def is_blank(url) -> bool:
    if url.startswith("sqlite"):
        return not os.path.exists(make_url(url).database)  # not even created
    with app_on(url):
        with db.engine.connect() as connection:
            return not inspect(connection).get_table_names()


def test_sqlite_file_backup_restores_into_a_missing_file_and_an_empty_database(databases, tmp_path):
    source = databases.seeded("sqlite")
    backup = tmp_path / "timebank-backup.sqlite"
    result = run(source, "backup", "create", str(backup))
    assert result.exit_code == 0, result.output
    assert "(sqlite, migration revision" in result.output
    original = contents(source)
    assert len(original["entry"]) > 50 and original["reporting_period"], "the demo has entries and a closed month"

    for target in (databases.blank("sqlite"), databases.migrated("sqlite")):
        result = run(target, "backup", "restore", str(backup))
        assert result.exit_code == 0, result.output
        assert "Restored" in result.output
        assert_same(original, contents(target))
        assert_verifies(target)


def test_postgresql_jsonl_round_trip_with_consistent_header_and_sequences(databases, tmp_path):
    source = databases.seeded("postgresql")
    backup = tmp_path / "timebank.jsonl.gz"
    result = run(source, "backup", "create", str(backup))
    assert result.exit_code == 0, result.output
    original = contents(source)

    with gzip.open(backup, "rt", encoding="utf-8") as file:
        header = json.loads(file.readline())
        rows = [json.loads(line) for line in file]
    assert header["format"] == "timebank-backup" and header["version"] == 1
    assert [header["alembic_revision"]] == original["alembic_version"]
    assert header["dialect"] == "postgresql" and header["created_at"]
    counts = {t["name"]: t["rows"] for t in header["tables"]}
    assert counts == {t.name: len(original[t.name]) for t in db.metadata.sorted_tables}
    order = [t["name"] for t in header["tables"]]
    assert order.index("community") < order.index("account") < order.index("posting")
    assert order.index("entry") < order.index("reporting_period")
    assert rows[-1] == {"end": True, "rows": sum(counts.values())}

    for target in (databases.blank("postgresql"), databases.migrated("postgresql")):
        result = run(target, "backup", "restore", str(backup))
        assert result.exit_code == 0, result.output
        assert_same(original, contents(target))
        assert_verifies(target)

    # The sequences were moved past the restored ids: the ledger posts on as before.
    with app_on(target):
        community = db.session.scalar(select(Community))
        giver, receiver = db.session.scalars(
            select(Account.id).where(Account.type == "member", Account.closed_at.is_(None)).order_by(Account.balance)
        ).all()[:2]
        entry, _ = post_entry(exchange(community.id, giver, receiver, 15, community.today()))
        db.session.commit()
        assert entry.id == max(row[0] for row in original["entry"]) + 1
    assert_verifies(target)


@pytest.mark.parametrize("source_backend, target_backend", [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_jsonl_backup_moves_between_sqlite_and_postgresql(databases, tmp_path, source_backend, target_backend):
    source = databases.seeded(source_backend)
    backup = tmp_path / "timebank.jsonl"
    result = run(source, "backup", "create", "--format", "jsonl", str(backup))
    assert result.exit_code == 0, result.output

    target = databases.blank(target_backend)
    result = run(target, "backup", "restore", str(backup))
    assert result.exit_code == 0, result.output
    assert_same(contents(source), contents(target))
    assert_verifies(target)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_restore_into_a_database_with_rows_is_refused_and_changes_nothing(databases, tmp_path, backend):
    source = databases.seeded(backend)
    backups = [tmp_path / "timebank.jsonl"]
    if backend == "sqlite":
        backups.append(tmp_path / "timebank.sqlite")
    for backup in backups:
        assert run(source, "backup", "create", "--format", backup.suffix.lstrip("."), str(backup)).exit_code == 0

    one_row = databases.migrated(backend)
    with app_on(one_row):
        db.session.add(Community(slug="other", name="Another timebank"))
        db.session.commit()
    for target in (source, one_row):
        before = contents(target)
        for backup in backups:
            error = one_line_error(run(target, "backup", "restore", str(backup)))
            assert "is not empty" in error and "restore only into an empty database" in error
        assert_same(before, contents(target))


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_damaged_or_foreign_files_are_refused_and_leave_the_target_blank(databases, tmp_path, backend):
    source = databases.seeded(backend)
    good = tmp_path / "good.jsonl"
    assert run(source, "backup", "create", "--format", "jsonl", str(good)).exit_code == 0
    lines = good.read_text().splitlines(keepends=True)
    header = json.loads(lines[0])

    def write(name, content):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    other_version = json.dumps({**header, "version": 99}) + "\n"
    fewer_rows = [dict(t, rows=t["rows"] + 1) if t["name"] == "entry" else t for t in header["tables"]]
    cases = {
        write("half.jsonl", "".join(lines[: len(lines) // 2])): "cut short",
        write("mid-line.jsonl", "".join(lines)[: len("".join(lines)) - 40]): "cut short",
        write("half.jsonl.gz", gzip.compress("".join(lines).encode())[:-200]): "cut short",
        write("version.jsonl", other_version + "".join(lines[1:])): "format version 99",
        write("counts.jsonl", json.dumps({**header, "tables": fewer_rows}) + "\n" + "".join(lines[1:])): "header says",
        write("notes.txt", "shopping list: eggs, milk\n"): "not a Timebank backup",
        write("other.json", '{"format": "something else"}\n'): "not a Timebank backup",
        write("empty.jsonl", ""): "not a Timebank backup",
        tmp_path / "missing.jsonl": "does not exist",
    }
    if backend == "sqlite":
        copy = tmp_path / "good.sqlite"
        assert run(source, "backup", "create", str(copy)).exit_code == 0
        cases[write("half.sqlite", copy.read_bytes()[: copy.stat().st_size // 2])] = "SQLite backup"
    target = databases.blank(backend)
    for path, message in cases.items():
        error = one_line_error(run(target, "backup", "restore", str(path)))
        assert message in error, (path.name, error)
        assert is_blank(target), path.name


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_create_never_overwrites_and_the_sqlite_format_is_for_sqlite(databases, tmp_path, backend):
    source = databases.migrated(backend)
    existing = tmp_path / "already-here.jsonl"
    existing.write_text("precious\n")
    assert "already exists" in one_line_error(run(source, "backup", "create", str(existing)))
    assert existing.read_text() == "precious\n"
    if backend == "postgresql":
        error = one_line_error(run(source, "backup", "create", "--format", "sqlite", str(tmp_path / "x.sqlite")))
        assert "use --format jsonl" in error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["already-here.jsonl"]


def test_sqlite_backup_while_another_connection_writes_is_consistent(databases, tmp_path):
    source = databases.seeded("sqlite")
    app = create_app(config_for(source))
    stop, posted, failures = threading.Event(), [], []

    def writer():
        try:
            with app.app_context():
                community = db.session.scalar(select(Community))
                a, b = db.session.scalars(
                    select(Account.id).where(Account.type == "member", Account.closed_at.is_(None))
                ).all()[:2]
                while not stop.is_set():
                    giver, receiver = (a, b) if len(posted) % 2 == 0 else (b, a)  # balances stay put
                    entry, _ = post_entry(exchange(community.id, giver, receiver, 30, community.today()))
                    db.session.commit()
                    posted.append(entry.id)
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 (reported below)
            failures.append(error)
            stop.set()

    thread = threading.Thread(target=writer, name="backup-writer")
    thread.start()
    backups = []
    try:
        for n in range(3):
            while len(posted) < 10 * (n + 1) and not stop.is_set():
                stop.wait(0.01)
            backups.append(tmp_path / f"while-writing-{n}.sqlite")
            result = run(source, "backup", "create", str(backups[-1]))
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join(timeout=60)
        with app.app_context():
            db.engine.dispose()
    assert not failures, failures

    copied = []
    for backup in backups:
        target = databases.blank("sqlite")
        assert run(target, "backup", "restore", str(backup)).exit_code == 0
        assert_verifies(target)
        with app_on(target):
            copied.append(db.session.scalar(select(Entry.id).order_by(Entry.id.desc()).limit(1)))
    # Each copy is the database at one instant while entries kept arriving.
    assert copied == sorted(copied) and copied[-1] < posted[-1], (copied, posted[-1])


@pytest.mark.parametrize("command", ["create", "restore"])
def test_backup_commands_have_help(sqlite_app, command):
    result = sqlite_app.test_cli_runner().invoke(args=["backup", command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_entry_notes_are_backed_up_and_restored_after_their_entries(app):
    from timebank.backup.tables import app_tables

    names = [found.name for found in app_tables(db.session.connection())]
    assert "entry_note" in names and names.index("entry_note") > names.index("entry")
