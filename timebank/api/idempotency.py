"""Idempotent API writes: the `Idempotency-Key` header.

The key is claimed in the same transaction as the write it guards: the record is inserted
`in_progress` (and flushed) before the service runs, then given the response and marked `done`
just before the one commit. So either both the write and its key are committed, or neither is
(a refused or failed request leaves no trace, and the same key may be tried again).

A retry with the same key and the same request gets the first response again, with
`Idempotent-Replayed: true`. The same key with a different request is refused (422). Keys are
per person.

Two copies racing: on SQLite every write transaction begins IMMEDIATE, so the second waits for
the first to commit, then finds the record done and replays it. On PostgreSQL the second
insert waits on the unique index until the first commits, then fails, and the second reads the
committed record and replays it; if the first holds the key for longer than
`IDEMPOTENCY_LOCK_TIMEOUT_MS`, the second answers 409 instead of waiting on.
"""
import hashlib
import json
import re

from flask import current_app, request
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import IdempotencyRecord, IdempotencyStatus
from .problems import IdempotencyKeyInProgress, IdempotencyKeyRequired, IdempotencyKeyReused, JsonTooDeep

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_MAX = 255
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout passed
#: No request of ours nests deeper than a few levels; Python's parser gives up near 1,000.
JSON_DEPTH_MAX = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def request_key(*, required: bool) -> str | None:
    key = request.headers.get(HEADER)
    if key is None or not key.strip():
        if required:
            raise IdempotencyKeyRequired()
        return None
    key = key.strip()
    if len(key) > KEY_MAX or not key.isprintable():
        raise IdempotencyKeyRequired()
    return key


def submission_id() -> str:
    """A service's own once-only id for this write (its `submission_id`), derived from the
    caller's key: a second line of defence behind the key's own record."""
    from .auth import caller

    key = request_key(required=True)
    return "api-" + hashlib.sha256(f"{caller().user.id}:{key}".encode()).hexdigest()[:60]


def refuse_deep_json() -> None:
    """Refuse a body nested deeper than JSON_DEPTH_MAX before anything parses it (run before
    every API view, so before the fingerprint and webargs): `"[" * 100000` would otherwise
    exhaust the parser's recursion."""
    if not request.content_length and not request.is_json:
        return
    raw = _JSON_STRING.sub(b"", request.get_data(cache=True))
    depth = 0
    for bracket in _JSON_BRACKET.findall(raw):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > JSON_DEPTH_MAX:
            raise JsonTooDeep(max_depth=JSON_DEPTH_MAX)


def fingerprint() -> str:
    """SHA-256 of the method, the path and the body; a JSON body in canonical form, so that the
    same request sent with its keys in another order or other spacing is the same request."""
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        canonical = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), canonical):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def claim(user_id: int, key: str):
    """Claim the key for this request: returns the new in-progress record, or the first
    response when this is a retry; raises when the key is in use for something else."""
    wanted = fingerprint()
    existing = _find(user_id, key)
    if existing is not None:
        return _replay(existing, wanted)
    record = IdempotencyRecord(user_id=user_id, key=key, fingerprint=wanted, status=IdempotencyStatus.IN_PROGRESS)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    try:
        with db.session.begin_nested():
            if postgres:
                timeout = int(current_app.config.get("IDEMPOTENCY_LOCK_TIMEOUT_MS", 10000))
                db.session.execute(text("SELECT set_config('lock_timeout', :ms, true)"), {"ms": f"{timeout}ms"})
            db.session.add(record)
            db.session.flush()
            if postgres:
                db.session.execute(text("SELECT set_config('lock_timeout', '0', true)"))
    except IntegrityError:
        # A copy of this request committed the key while we waited: answer as it did.
        existing = _find(user_id, key)
        if existing is None:
            raise
        return _replay(existing, wanted)
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise IdempotencyKeyInProgress() from None
        raise
    return record


def complete(record: IdempotencyRecord, response) -> None:
    """Keep a successful response to replay; anything else releases the key."""
    if 200 <= response.status_code < 300:
        record.status = IdempotencyStatus.DONE
        record.response_status = response.status_code
        record.response_body = response.get_data(as_text=True)
    else:
        db.session.delete(record)
    db.session.flush()


def _find(user_id: int, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


def _replay(record: IdempotencyRecord, wanted: str):
    if record.fingerprint != wanted:
        raise IdempotencyKeyReused()
    if record.status != IdempotencyStatus.DONE:
        raise IdempotencyKeyInProgress()
    response = current_app.response_class(record.response_body, status=record.response_status, mimetype="application/json")
    response.headers[REPLAYED_HEADER] = "true"
    return response
