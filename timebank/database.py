"""Engine settings that the ledger's durability and concurrency rules depend on.

SQLite: WAL, synchronous=FULL (an acknowledged exchange survives power loss; SQLITE_SYNCHRONOUS
may say NORMAL, which only the test suite does), a busy timeout,
foreign keys on, and write transactions that begin IMMEDIATE so that two writers queue for the
write lock instead of failing half way. Reads in a GET request begin DEFERRED so that pages do
not queue behind each other (a GET writes nothing). A task sets `g.write_transaction` in its own
app context, so that it begins IMMEDIATE even when it runs inline in a GET (immediate mode, in
tests). PostgreSQL needs nothing here: the ledger core locks accounts.
"""
from flask import g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: FULL syncs each commit to disk; NORMAL (in WAL mode) may lose the last commits on power loss,
#: never corrupt the file: good enough for throwaway test databases, never for the ledger.
SYNCHRONOUS_MODES = ("FULL", "EXTRA", "NORMAL")


def configure_engine(engine: Engine, config) -> None:
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(config.get("SQLITE_BUSY_TIMEOUT_MS", 15000))
    synchronous = config.get("SQLITE_SYNCHRONOUS", "FULL")
    if synchronous not in SYNCHRONOUS_MODES:
        raise RuntimeError(f"SQLITE_SYNCHRONOUS must be one of {', '.join(SYNCHRONOUS_MODES)}, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy's "begin" event below issue BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
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
