"""Engine settings that the ledger's durability and concurrency rules depend on.

SQLite: WAL, synchronous=FULL (an acknowledged exchange survives power loss), a busy timeout,
foreign keys on, and write transactions that begin IMMEDIATE so that two writers queue for the
write lock instead of failing half way. Reads in a GET request begin DEFERRED so that pages do
not queue behind each other. PostgreSQL needs nothing here: the ledger core locks accounts.
"""
from contextlib import contextmanager

from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: Engine, config) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(config.get("SQLITE_BUSY_TIMEOUT_MS", 15000))

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql(f"BEGIN {begin_mode()}")


def begin_mode() -> str:
    if has_app_context() and g.get("write_transaction"):
        return "IMMEDIATE"
    if has_request_context() and request.method in READ_ONLY_METHODS:
        return "DEFERRED"
    return "IMMEDIATE"


@contextmanager
def write_transaction(session):
    """Run a write inside a page view (a GET) in a transaction of its own that holds the write
    lock from its start, then commit it. On SQLite a GET's transaction begins DEFERRED, and a
    read transaction cannot safely become a writer; on PostgreSQL this is just a transaction."""
    session.commit()  # end the read transaction the request may have begun
    g.write_transaction = True
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        g.write_transaction = False
