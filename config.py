"""Configuration classes. This is the only module that reads the environment.

`create_app()` picks the class named by TIMEBANK_ENV (development, testing, production)
unless it is given a config object. Importing this module reads nothing and writes nothing: a
setting that comes from the environment is an `Env`, read when the app is made (when
`create_app()` copies the class into `app.config`), so a test or a script can set the
environment first, and subclass a class to override any setting.
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


class Env:
    """A setting read from environment variable `name` each time it is looked up. An unset or
    empty variable gives `default` (called, if it is callable, only then); `parse` turns the
    text into the value."""

    def __init__(self, name: str, default=None, parse=None):
        self.name, self.default, self.parse = name, default, parse

    def read(self):
        value = os.environ.get(self.name)
        if value:
            return self.parse(value) if self.parse else value
        return self.default() if callable(self.default) else self.default

    def __get__(self, instance, owner):
        return self.read()


def _flag(value: str) -> bool:
    return value == "1"


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'timebank.sqlite'}"


def _development_secret_key() -> str:
    """A key kept in instance/ so that sessions survive a restart of `make run`."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    ENV_NAME = "base"
    SECRET_KEY = Env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = Env("DATABASE_URL", _default_database_url)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # SQLite: milliseconds a writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 15000
    # SQLite: FULL syncs every commit to disk, so an acknowledged exchange survives power loss.
    SQLITE_SYNCHRONOUS = "FULL"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A CSRF token lasts as long as the session, so that a form filled in slowly still submits.
    WTF_CSRF_TIME_LIMIT = None
    # The largest request body read (413 beyond it); the ledger import page takes a file of up
    # to 20 MB, so its route allows IMPORT_MAX_CONTENT_LENGTH (the file and the form around it).
    MAX_CONTENT_LENGTH = Env("MAX_CONTENT_LENGTH", 2 * 1024 * 1024, int)
    IMPORT_MAX_CONTENT_LENGTH = Env("IMPORT_MAX_CONTENT_LENGTH", 21_000_000, int)
    # Strict-Transport-Security on every response (production only: it needs TLS in front).
    HSTS = None

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    RATELIMIT_STORAGE_URI = Env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    # Wrong passwords from one address, whatever the account (members at a day centre share one).
    LOGIN_RATE_LIMIT = "10 per minute"
    # One account from one address: after LOGIN_FREE_FAILURES wrong passwords in a row, each
    # further one doubles the wait before the next try (1 s, 2 s, 4 s ... up to
    # LOGIN_MAX_WAIT_SECONDS). Never a lock on the account as a whole, so that someone guessing
    # from elsewhere cannot keep its owner out; the failures are audited instead.
    LOGIN_FREE_FAILURES = 5
    LOGIN_MAX_WAIT_SECONDS = 900
    # Forgotten-password emails asked for, per address and per email address.
    PASSWORD_RESET_RATE_LIMIT = "5 per hour"
    # Sessions end after this long without a request (idle) and this long after signing in
    # (lifetime): shorter for coordinators, funders and administrators, who see more.
    # Phone numbers typed without a country code are read as numbers of this region (a
    # community setting `phone_region` is left for later).
    PHONE_REGION = "GB"
    SESSION_IDLE_MINUTES_STAFF = 30
    SESSION_IDLE_MINUTES_MEMBER = 12 * 60
    SESSION_LIFETIME_HOURS_STAFF = 12
    SESSION_LIFETIME_HOURS_MEMBER = 30 * 24
    # Two-factor sign-in for coordinators, funders and administrators, where their community's
    # `staff_two_factor_required` setting also asks for it ("1" or "0"; on in production).
    REQUIRE_STAFF_2FA = Env("REQUIRE_STAFF_2FA", False, _flag)
    # Passkeys (WebAuthn): the relying party id is the site's host name (no scheme, no port) and
    # the origin its scheme, host and port, as browsers see them ("timebank.example.org" and
    # "https://timebank.example.org"). Unset, they are taken from each request's host outside
    # production; production leaves passkeys off until WEBAUTHN_RP_ID is set.
    WEBAUTHN_RP_ID = Env("WEBAUTHN_RP_ID")
    WEBAUTHN_ORIGIN = Env("WEBAUTHN_ORIGIN")
    WEBAUTHN_RP_NAME = Env("WEBAUTHN_RP_NAME", "Timebank")
    # The JSON API: one budget per token, and one per person across all their tokens and session.
    API_RATE_LIMIT_TOKEN = "300 per minute"
    API_RATE_LIMIT_USER = "600 per minute"

    DEMO_PASSWORD = Env("DEMO_PASSWORD", "timebank-demo")

    # Email for notifications. MAIL_BACKEND: "none", "console" (log it), "file" (one .eml file
    # per message in MAIL_FILE_DIR), "memory" (kept for tests) or "smtp".
    MAIL_BACKEND = Env("MAIL_BACKEND", "none")
    MAIL_FILE_DIR = Env("MAIL_FILE_DIR", str(INSTANCE_DIR / "mail"))
    MAIL_SERVER = Env("MAIL_SERVER", "localhost")
    MAIL_PORT = Env("MAIL_PORT", 25, int)
    MAIL_USERNAME = Env("MAIL_USERNAME")
    MAIL_PASSWORD = Env("MAIL_PASSWORD")
    MAIL_USE_TLS = Env("MAIL_USE_TLS", False, _flag)
    MAIL_FROM = Env("MAIL_FROM", "Timebank <timebank@localhost>")
    # The email outbox: a message that could not be sent is tried again after MAIL_RETRY_SECONDS,
    # doubling each time up to MAIL_RETRY_MAX_SECONDS, and given up (kept, shown as failed by
    # `flask mail outbox`) after MAIL_MAX_ATTEMPTS tries or a permanent refusal.
    MAIL_RETRY_SECONDS = 30
    MAIL_RETRY_MAX_SECONDS = 3600
    MAIL_MAX_ATTEMPTS = 60
    MAIL_SMTP_TIMEOUT = 10

    # The task queue (Huey): "sqlite:///path" (the embedded default, beside the database in
    # instance/) or "redis://host:port/db" in production, shared by every app server and worker.
    TASK_QUEUE_URL = Env("TASK_QUEUE_URL", f"sqlite:///{INSTANCE_DIR / 'tasks.sqlite'}")
    # True runs each task at once, in the process that enqueues it (tests).
    TASK_QUEUE_IMMEDIATE = False
    # Days kept of what only guards against repeats (handled forms, API idempotency keys, sent
    # mail, periodic-run records) before the daily purge removes it.
    RETENTION_DAYS = Env("RETENTION_DAYS", 90, int)


class Development(Config):
    ENV_NAME = "development"
    MAIL_BACKEND = Env("MAIL_BACKEND", "file")
    # Written to instance/ the first time a development app is made without SECRET_KEY.
    SECRET_KEY = Env("SECRET_KEY", _development_secret_key)


class Testing(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    SQLALCHEMY_DATABASE_URI = Env("TEST_SQLITE_URL", "sqlite://")
    # Tests that exercise CSRF switch it back on.
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SQLITE_BUSY_TIMEOUT_MS = 30000
    # Test databases are thrown away: a commit need not wait for the disk.
    SQLITE_SYNCHRONOUS = "NORMAL"
    MAIL_BACKEND = "memory"
    TASK_QUEUE_IMMEDIATE = True
    # argon2id (time cost, memory KiB): cheap for tests only; None means the library's defaults.
    ARGON2_COST = (1, 1024)


class Production(Config):
    ENV_NAME = "production"
    # Several app servers share one set of rate-limit counters (DESIGN.md, Scale).
    RATELIMIT_STORAGE_URI = Env("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    TASK_QUEUE_URL = Env("TASK_QUEUE_URL", "redis://127.0.0.1:6379/1")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = "max-age=31536000; includeSubDomains"
    REQUIRE_STAFF_2FA = Env("REQUIRE_STAFF_2FA", True, _flag)


CONFIGS = {"development": Development, "testing": Testing, "production": Production}


def config_from_env() -> type[Config]:
    name = os.environ.get("TIMEBANK_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"TIMEBANK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


# Settings for the test suite and benchmarks (read here so no other module touches os.environ),
# looked up as `config.TEST_POSTGRES_URL` and read then, through the module's __getattr__.
SUITE_SETTINGS = {
    "TEST_POSTGRES_URL": Env("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "REQUIRE_POSTGRES": Env("REQUIRE_POSTGRES", False, _flag),
    "REQUIRE_BROWSER": Env("REQUIRE_BROWSER", False, _flag),
    "REQUIRE_LEDGER_TOOLS": Env("REQUIRE_LEDGER_TOOLS", False, _flag),
    "REQUIRE_REDIS": Env("REQUIRE_REDIS", False, _flag),
    "TEST_REDIS_URL": Env("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    "CHROMIUM_PATH": Env("CHROMIUM_PATH", "/usr/bin/chromium"),
    # Examples per report-figure property test (tests/integration/test_metrics_properties.py).
    "METRICS_EXAMPLES": Env("METRICS_EXAMPLES", 25, int),
}


def __getattr__(name: str):
    try:
        return SUITE_SETTINGS[name].read()
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
