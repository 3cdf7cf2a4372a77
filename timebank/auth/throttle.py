"""Slowing down password guessing without locking the owner out.

Two limits on wrong passwords, neither of which stops the owner signing in from elsewhere:

- per address, whatever the account: Flask-Limiter's `LOGIN_RATE_LIMIT` on the sign-in form;
- per account and address: after `LOGIN_FREE_FAILURES` wrong passwords in a row, each further
  one doubles the wait before that address may try that account again (`wait_seconds`).

The account as a whole is never locked: ten wrong passwords from one address leave the right
password from another address working. Failures of the account from anywhere are counted too,
only to tell its coordinators (through the audit log) at 1, 2, 4, 8 ... times the free number.

The counters live in the rate limiter's storage (Redis in production, so every app server sees
the same ones), keyed by a hash, so that the store holds no email addresses.
"""
import hashlib

from flask import current_app, request

from ..extensions import limiter
from ..services.people import normalise_email
from . import clock

#: How long the counters are kept after the last failure (real time, in the store).
WINDOW_SECONDS = 24 * 3600


def wait_seconds(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after `failures` wrong passwords in a row: none for the first `free`,
    then 1, 2, 4 ... up to `cap`."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 30))


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def _key(kind: str, *parts: str) -> str:
    return f"login-{kind}:" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _keys(email: str) -> tuple[str, str, str]:
    email, address = normalise_email(email), request.remote_addr or ""
    return _key("failures", email, address), _key("until", email, address), _key("account", email)


def seconds_left(email: str) -> int:
    """How long this address must still wait before trying this account again (0: it may)."""
    if not _enabled():
        return 0
    _, until_key, _ = _keys(email)
    until = limiter.storage.get(until_key)
    return max(0, int(until) - clock.timestamp()) if until else 0


def record_failure(email: str) -> tuple[int, int]:
    """Count a wrong password: returns (failures in a row from this address, failures of the
    account from anywhere)."""
    if not _enabled():
        return 0, 0
    storage = limiter.storage
    failures_key, until_key, account_key = _keys(email)
    failures = storage.incr(failures_key, WINDOW_SECONDS)
    wait = wait_seconds(failures, current_app.config["LOGIN_FREE_FAILURES"], current_app.config["LOGIN_MAX_WAIT_SECONDS"])
    if wait:
        # The store only counts, so "wait until" is kept as a count set to that moment.
        storage.clear(until_key)
        storage.incr(until_key, WINDOW_SECONDS, amount=clock.timestamp() + wait)
    return failures, storage.incr(account_key, WINDOW_SECONDS)


def record_success(email: str) -> None:
    """The right password: this address starts again from nothing for this account."""
    if not _enabled():
        return
    failures_key, until_key, _ = _keys(email)
    limiter.storage.clear(failures_key)
    limiter.storage.clear(until_key)


def worth_auditing(account_failures: int) -> bool:
    """At the free number of failures of an account, and each time it doubles."""
    free = current_app.config["LOGIN_FREE_FAILURES"]
    ratio, rest = divmod(account_failures, free)
    return free > 0 and rest == 0 and ratio > 0 and ratio & (ratio - 1) == 0
