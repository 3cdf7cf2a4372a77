"""Who is calling: a personal access token (`Authorization: Bearer tb_...`) or, for same-origin
JavaScript, the signed-in session, whose writes must carry the CSRF token in `X-CSRFToken`.

A token acts only within its scopes (read: every GET; write: every POST; reports: the report
resource); the session may do whatever its person may. When a token was last used is written
with a write, or by a queued task after a read (a GET writes nothing). Each caller is rate
limited per token and per person, in Flask-Limiter's storage (Redis in production), whichever
endpoint it calls.
"""
import logging
import time
from dataclasses import dataclass

from flask import after_this_request, current_app, g, request
from flask_login import current_user
from limits import parse

from ..extensions import csrf, db, limiter
from ..models import ApiToken, User
from ..models.types import utcnow
from ..security_log import refused
from ..services.tokens import needs_use_recorded, record_use, token_for_secret
from ..tasks import enqueue
from .problems import CsrfFailed, InsufficientScope, RateLimited, Unauthorized

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    user: User
    #: None when the caller is the signed-in session.
    token: ApiToken | None


def authenticate(scope: str) -> Caller:
    header = request.headers.get("Authorization")
    try:
        if header is not None:
            caller = _from_token(header, scope)
        elif current_user.is_authenticated:
            caller = _from_session()
        else:
            raise Unauthorized()
    except (Unauthorized, InsufficientScope) as refusal:
        refused(refusal.status)
        raise
    g.api_caller = caller
    check_rate_limits(caller)
    return caller


def caller() -> Caller:
    return g.api_caller


def _from_token(header: str, scope: str) -> Caller:
    kind, _, secret = header.partition(" ")
    if kind.lower() != "bearer" or not secret.strip():
        raise Unauthorized()
    token = token_for_secret(secret.strip())
    if token is None:
        raise Unauthorized()
    if scope not in token.scope_set:
        raise InsufficientScope(required_scope=scope)
    if needs_use_recorded(token):
        if request.method in SAFE_METHODS:
            _record_use_later(token.id)
        else:
            record_use(token)  # committed with the write
    return Caller(db.session.get(User, token.user_id), token)


def _record_use_later(token_id: int) -> None:
    used_at = utcnow()

    @after_this_request
    def record(response):
        # End this read's transaction first: another connection is about to write the row.
        db.session.rollback()
        try:
            enqueue("record_token_use", token_id, used_at)
        except Exception:  # noqa: BLE001  (when a token was last used is not worth failing a read)
            log.exception("could not enqueue the last use of API token %s", token_id)
        return response


def _from_session() -> Caller:
    if request.method not in SAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        from flask_wtf.csrf import CSRFError

        try:
            csrf.protect()
        except CSRFError:
            raise CsrfFailed() from None
    return Caller(current_user._get_current_object(), None)


def check_rate_limits(caller: Caller) -> None:
    """One budget per token and a larger one per person (all their tokens and their session),
    shared by every endpoint."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return
    # The key prefix keeps apart installations (or test runs) that share one Redis.
    prefix = config.get("RATELIMIT_KEY_PREFIX") or ""
    budgets = [(config["API_RATE_LIMIT_USER"], f"{prefix}user:{caller.user.id}")]
    if caller.token is not None:
        budgets.insert(0, (config["API_RATE_LIMIT_TOKEN"], f"{prefix}token:{caller.token.id}"))
    strategy = limiter.limiter
    for budget, key in budgets:
        item = parse(budget)
        if not strategy.hit(item, "api", key):
            reset_at = strategy.get_window_stats(item, "api", key).reset_time
            raise RateLimited(retry_after=max(1, int(reset_at - time.time()) + 1))
