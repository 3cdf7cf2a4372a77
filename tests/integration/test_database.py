"""Durability and write-lock settings the ledger relies on (timebank/database.py)."""
import threading

import pytest
from sqlalchemy import text

import config
from timebank import create_app
from timebank.database import begin_mode
from timebank.extensions import db


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL: the tests' own setting
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == sqlite_app.config["SQLITE_BUSY_TIMEOUT_MS"]
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("environment", [config.Production, config.Development])
def test_production_and_development_sync_every_commit_to_disk(environment, sqlite_databases, tmp_path):
    """synchronous=FULL: an acknowledged exchange survives power loss. Only the tests relax it."""
    url = sqlite_databases.create()
    settings = type("Durable", (environment,), {
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32, "RATELIMIT_ENABLED": False,
        "TASK_QUEUE_URL": f"sqlite:///{tmp_path / 'tasks.sqlite'}",
    })
    app = create_app(settings)
    try:
        with app.app_context():
            assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            db.session.rollback()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        sqlite_databases.drop(url)


def test_writes_begin_immediate_and_page_views_deferred(app):
    assert begin_mode() == "IMMEDIATE"
    with app.test_request_context("/", method="POST"):
        assert begin_mode() == "IMMEDIATE"
    with app.test_request_context("/", method="GET"):
        assert begin_mode() == "DEFERRED"


def test_sqlite_write_transaction_holds_the_write_lock_from_its_first_statement(sqlite_app):
    """A second writer waits for the first instead of failing half way through."""
    db.session.execute(text("SELECT 1"))  # begins IMMEDIATE: the write lock is ours now
    other_started = threading.Event()
    outcome = {}

    def second_writer():
        with sqlite_app.app_context():
            other_started.set()
            db.session.execute(text("UPDATE community SET name = name WHERE 1 = 0"))
            db.session.commit()
            outcome["committed_after_first"] = outcome.get("first_committed", False)

    thread = threading.Thread(target=second_writer)
    thread.start()
    other_started.wait()
    thread.join(timeout=0.5)
    assert thread.is_alive(), "the second writer should wait for the write lock"
    outcome["first_committed"] = True
    db.session.commit()
    thread.join(timeout=10)
    assert outcome == {"first_committed": True, "committed_after_first": True}
