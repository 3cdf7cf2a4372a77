"""Fixtures in the style of flaskr: `app`, `client`, `runner`, `auth`, and factories.

Every database is built by the Alembic migrations, never by create_all. A template database is
migrated once per run and copied for each test (a file copy on SQLite, CREATE DATABASE ...
TEMPLATE on PostgreSQL); each test's database is dropped afterwards. Tests that take `app`
run on SQLite and on PostgreSQL; PostgreSQL is skipped only when unreachable, and
REQUIRE_POSTGRES=1 turns that skip into a failure.
"""
import shutil
import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

import config
from timebank import create_app
from timebank.extensions import db
from timebank.services.communities import create_community
from timebank.services.people import add_membership, create_user, member_account

PASSWORD = "correct horse battery"


def _testing_config(url: str, **overrides):
    return type("TestConfig", (config.Testing,), {"SQLALCHEMY_DATABASE_URI": url, **overrides})


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    app = create_app(_testing_config(url))
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
                import os

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
    databases = PostgresDatabases()  # anything failing from here on is an error, not a skip
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(request, backend):
    databases = request.getfixturevalue(f"{backend}_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def make_app(database_url):
    """Build an app on this test's database, with config overrides."""
    apps = []

    def make(**overrides):
        app = create_app(_testing_config(database_url, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.rollback()


def _app_on(databases):
    url = databases.create()
    app = create_app(_testing_config(url))
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    databases.drop(url)


@pytest.fixture
def sqlite_app(sqlite_databases):
    """An app on SQLite only, for what is particular to SQLite."""
    yield from _app_on(sqlite_databases)


@pytest.fixture
def postgresql_app(postgresql_databases):
    """An app on PostgreSQL only, for what is particular to PostgreSQL (row locks, triggers)."""
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
