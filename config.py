"""Configuration classes. This is the only module that reads the environment.

`create_app()` picks the class named by TIMEBANK_ENV (development, testing, production)
unless it is given a config object.
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


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
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # SQLite: milliseconds a writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = 15000

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A CSRF token lasts as long as the session, so that a form filled in slowly still submits.
    WTF_CSRF_TIME_LIMIT = None

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # The JSON API: one budget per token, and one per person across all their tokens and session.
    API_RATE_LIMIT_TOKEN = "300 per minute"
    API_RATE_LIMIT_USER = "600 per minute"

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD") or "timebank-demo"

    # Email for notifications. MAIL_BACKEND: "none", "console" (log it), "file" (one .eml file
    # per message in MAIL_FILE_DIR), "memory" (kept for tests) or "smtp".
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or "none"
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR") or str(INSTANCE_DIR / "mail")
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or "localhost"
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS") == "1"
    MAIL_FROM = os.environ.get("MAIL_FROM") or "Timebank <timebank@localhost>"


class Development(Config):
    ENV_NAME = "development"
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND") or "file"
    SECRET_KEY = Config.SECRET_KEY or _development_secret_key()


class Testing(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_SQLITE_URL") or "sqlite://"
    # Tests that exercise CSRF switch it back on.
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SQLITE_BUSY_TIMEOUT_MS = 30000
    MAIL_BACKEND = "memory"
    # argon2id (time cost, memory KiB): cheap for tests only; None means the library's defaults.
    ARGON2_COST = (1, 1024)


class Production(Config):
    ENV_NAME = "production"
    # Several app servers share one set of rate-limit counters (DESIGN.md, Scale).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or "redis://127.0.0.1:6379/0"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {"development": Development, "testing": Testing, "production": Production}


def config_from_env() -> type[Config]:
    name = os.environ.get("TIMEBANK_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"TIMEBANK_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None


# Settings for the test suite and benchmarks (read here so no other module touches os.environ).
TEST_POSTGRES_URL = os.environ.get("TEST_DATABASE_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
REQUIRE_LEDGER_TOOLS = os.environ.get("REQUIRE_LEDGER_TOOLS") == "1"
REQUIRE_REDIS = os.environ.get("REQUIRE_REDIS") == "1"
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
