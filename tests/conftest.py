"""Fixtures in the style of flaskr: `app`, `client`, `runner`, `auth`, and factories; and the
test suite's one clock.

Every database is built by the Alembic migrations, never by create_all. Per backend, a template
is migrated once per run, and one copy of it serves every test that can roll back: the test runs
on one connection inside a transaction that is rolled back at its end, and the session is joined
to it with `join_transaction_mode="create_savepoint"`, so that the code's own `commit()` commits
only a savepoint (SQLAlchemy's "Joining a Session into an External Transaction"). On PostgreSQL
each such commit also runs the deferred constraint triggers (`SET CONSTRAINTS ALL IMMEDIATE`),
as a real COMMIT would. One app per backend serves those tests; its config and sent mail are
put back after each.

Every session shares the test's one connection, and a savepoint nests inside any still open:
a test that needs real commits (threads, several connections, a subprocess, backup and restore,
migrations, a task that commits in a session of its own which the test's `rollback()` must not
undo) is marked `@pytest.mark.real_commits` and gets a fresh copy of the template and an app of
its own, dropped afterwards; so do `sqlite_app`, `postgresql_app` and `database_url`.

Tests that take `app` run on SQLite and on PostgreSQL (`--backend sqlite` keeps one);
PostgreSQL is skipped only when unreachable, and REQUIRE_POSTGRES=1 turns that skip into a
failure.

The clock: `TODAY` is read once per run, and `months_ago(n, day)` counts from it, for module
constants; tests take `today`, `now` (this test's instant, in UTC) or `clock` (a callable, for
comparing with what the app has just stamped) as fixtures. No test module reads the clock itself.
"""
import os
import shutil
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import globals as flask_globals
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlalchemy.pool import NullPool

import config
from timebank import create_app
from timebank.extensions import db, limiter
from timebank.mail import sent_messages
from timebank.services.communities import create_community
from timebank.services.people import add_membership, create_user, member_account

PASSWORD = "correct horse battery"
#: Where a signed-in coordinator lands (`/` sends them on to it).
COORDINATOR_HOME = "/coordinate/"
BACKENDS = ("sqlite", "postgresql")

# -- the clock ------------------------------------------------------------------------------

#: The run's today: the one place a test reads the date.
TODAY = date.today()


def utc_now() -> datetime:
    """The real time, for the `now` and `clock` fixtures."""
    return datetime.now(UTC)


def months_ago(n: int, day: int = 1) -> date:
    """Day `day` of the month `n` months before TODAY's."""
    index = TODAY.year * 12 + TODAY.month - 1 - n
    return date(index // 12, index % 12 + 1, day)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def now() -> datetime:
    """This test's instant (UTC), taken as it starts."""
    return utc_now()


@pytest.fixture
def later(app, monkeypatch, now):
    """later(minutes=...) moves the clock the app reads (`CLOCK`: sessions, throttles) forward
    from `now`; until it is called, the app's clock stands at `now`."""

    def move(**delta):
        moved = now + timedelta(**delta)
        monkeypatch.setitem(app.config, "CLOCK", lambda: moved)

    monkeypatch.setitem(app.config, "CLOCK", lambda: now)
    return move


@pytest.fixture
def clock():
    """clock() -> the time now (UTC): for a bound on what the app stamped during the test."""
    return utc_now


# -- options and markers -------------------------------------------------------------------


def pytest_addoption(parser):
    parser.addoption(
        "--backend", action="append", choices=BACKENDS,
        help="run the database tests on this backend only (repeatable; default: both)",
    )


def pytest_collection_modifyitems(config, items):
    chosen = config.getoption("backend")
    if not chosen:
        return
    others = {b for b in BACKENDS if b not in chosen}
    # By parameter or name, and sqlite_app and postgresql_app tests, particular to one backend.
    fixtures = {f"{b}_{kind}" for b in others for kind in ("app", "databases")}

    def on_another(item) -> bool:
        return any(b in item.name for b in others) or bool(fixtures & set(getattr(item, "fixturenames", ())))

    kept = [item for item in items if not on_another(item)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


# -- databases -------------------------------------------------------------------------------


def config_for(url: str, **overrides):
    """The Testing config class on database `url`, with settings overridden. (Not named
    test..., which pytest would collect from a module that imports it.)"""
    return type("TestConfig", (config.Testing,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


_testing_config = config_for  # its old name


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(config_for(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


class SqliteDatabases:
    def __init__(self, tmp_dir):
        self.dir = tmp_dir
        self.template = tmp_dir / "template.sqlite"
        _migrate(f"sqlite:///{self.template}")

    def create(self) -> str:
        path = self.dir / f"test-{uuid.uuid4().hex}.sqlite"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = make_url(url).database
        for suffix in ("", "-wal", "-shm"):
            try:
                os.remove(path + suffix)
            except FileNotFoundError:
                pass

    def close(self) -> None:
        pass


class PostgresDatabases:
    def __init__(self):
        self.server = create_engine(config.TEST_POSTGRES_URL, isolation_level="AUTOCOMMIT")
        self.template = f"tb_template_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{self.template}"')
        _migrate(self.url_for(self.template))

    def url_for(self, name: str) -> str:
        return make_url(config.TEST_POSTGRES_URL).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.server.connect() as connection:
            connection.execute(text(sql))

    def create(self) -> str:
        name = f"tb_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return self.url_for(name)

    def drop(self, url: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def close(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')
        self.server.dispose()


@pytest.fixture(scope="session")
def sqlite_databases(tmp_path_factory):
    return SqliteDatabases(tmp_path_factory.mktemp("sqlite"))


@pytest.fixture(scope="session")
def postgresql_databases():
    probe = create_engine(config.TEST_POSTGRES_URL, poolclass=NullPool)
    try:
        with probe.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        if config.REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required (REQUIRE_POSTGRES=1) but unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    finally:
        probe.dispose()
    databases = PostgresDatabases()  # anything failing from here on is an error, not a skip
    yield databases
    databases.close()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def _shared_app(databases):
    """One app on one copy of the template, for every test of the run that rolls back."""
    url = databases.create()
    app = create_app(config_for(url))
    yield app
    with app.app_context():
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture(scope="session")
def sqlite_shared_app(sqlite_databases):
    yield from _shared_app(sqlite_databases)


@pytest.fixture(scope="session")
def postgresql_shared_app(postgresql_databases):
    yield from _shared_app(postgresql_databases)


def _app_context_id() -> int:
    return id(flask_globals.app_ctx._get_current_object())


def _run_deferred_checks(connection, name, context):
    """A savepoint stands in for COMMIT: run the deferred constraint triggers now, as COMMIT
    would, then defer them again for the next transaction. When they refuse, undo what the
    savepoint holds and raise, as a refused COMMIT would."""
    try:
        connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
    except DBAPIError:
        connection.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
        raise
    connection.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")


class RolledBack:
    """The shared app's database for one test: one connection, one transaction rolled back at
    the end, and `db.session` (every app context's) joined to it through savepoints."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.connection = db.engine.connect()
        self.transaction = self.connection.begin()
        if self.connection.dialect.name == "postgresql":
            event.listen(self.connection, "release_savepoint", _run_deferred_checks)
        self.config = dict(app.config)
        self.saved_session = db.session
        factory = sessionmaker(bind=self.connection, join_transaction_mode="create_savepoint")
        db.session = scoped_session(factory, scopefunc=_app_context_id)

    def close(self) -> None:
        for session in list(db.session.registry.registry.values()):  # any app context's left open
            session.close()
        db.session = self.saved_session
        if self.transaction.is_active:
            self.transaction.rollback()
        self.connection.close()
        self.app.config.clear()
        self.app.config.update(self.config)
        sent_messages(self.app).clear()  # what the "memory" mail backend kept
        # The limiter is one extension for every app, so its counters (sign-in throttling) would
        # otherwise carry from one test to the next.
        if getattr(limiter, "_storage", None) is not None:  # none while every app has it off
            limiter.reset()
        huey = self.app.extensions.get("huey")
        if huey is not None:
            huey.flush()  # tasks scheduled for later in immediate mode's memory storage


class Database:
    """This test's database and the apps built on it (`make_app`)."""

    def __init__(self, url: str, app, rolled_back: RolledBack | None = None):
        self.url, self.app, self.rolled_back = url, app, rolled_back
        self.extra_apps = []

    def make_app(self, **overrides):
        if not overrides:
            return self.app
        app = create_app(config_for(self.url, **overrides))
        self.extra_apps.append(app)
        return app

    def close(self, apps_of_own) -> None:
        if self.rolled_back is not None:
            self.rolled_back.close()
        for app in [*apps_of_own, *self.extra_apps]:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


@pytest.fixture
def database(request, backend):
    """The database `app`, `make_app` and the factories use: the shared one rolled back, or a
    fresh one for a test marked `real_commits`."""
    if request.node.get_closest_marker("real_commits"):
        url = request.getfixturevalue("database_url")
        database = Database(url, create_app(config_for(url)))
        yield database
        database.close([database.app])
    else:
        app = request.getfixturevalue(f"{backend}_shared_app")
        database = Database(app.config["SQLALCHEMY_DATABASE_URI"], app, RolledBack(app))
        yield database
        database.close([])


@pytest.fixture
def database_url(request, backend):
    """A fresh database of this test's own (a copy of the template), dropped afterwards."""
    databases = request.getfixturevalue(f"{backend}_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def make_app(database):
    """make_app(**overrides): an app on this test's database (the test's own app when there
    are no overrides). An app with overrides shares the test's transaction."""
    return database.make_app


@pytest.fixture
def app(database):
    app = database.app
    with app.app_context():
        yield app
        db.session.rollback()


def _app_on(databases):
    url = databases.create()
    app = create_app(config_for(url))
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def sqlite_app(sqlite_databases):
    """An app on SQLite only, on a fresh database with real commits, for what is particular to
    SQLite."""
    yield from _app_on(sqlite_databases)


@pytest.fixture
def postgresql_app(postgresql_databases):
    """An app on PostgreSQL only, on a fresh database with real commits, for what is particular
    to PostgreSQL (row locks, triggers, concurrency)."""
    yield from _app_on(postgresql_databases)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def community(app):
    community = create_community("riverside", "Riverside Timebank")
    db.session.commit()
    return community


@pytest.fixture
def make_member(app, community):
    """make_member(kind="professional", role="member", floor=None) -> (membership, account)."""
    counter = iter(range(1, 10_000))

    def make(kind="volunteer", role="member", name=None, floor=..., ceiling=..., target=None):
        n = next(counter)
        target = target or community
        user = create_user(f"person{n}@{target.slug}.example", name or f"Person {n}", PASSWORD)
        membership = add_membership(user, target, role=role, kind_code=kind, joined_on=date(2026, 1, 1))
        account = member_account(membership.id)
        if account is not None:
            if floor is not ...:
                account.floor = floor
            if ceiling is not ...:
                account.ceiling = ceiling
        db.session.commit()
        return membership, account

    return make


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)
