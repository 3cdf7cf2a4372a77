"""Personal access tokens for the JSON API: made, named, scoped and revoked by their owner.

The secret is shown once, when the token is made, and only its SHA-256 is stored: a secret of
256 random bits needs no slow hash, and a lookup by hash is one indexed query per request.
"""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import ApiToken, TokenScope, User
from ..models.types import utcnow

PREFIX = "tb_"
NAME_MAX = 100
#: last_used_at is written at most this often, so that reading is not a write on every request.
USE_RESOLUTION = timedelta(minutes=5)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user: User, *, name: str, scopes, now: datetime | None = None) -> tuple[ApiToken, str]:
    """Make a token; returns it and its secret, which is never available again."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the token a name, so that you know what uses it."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name must be %(n)d characters or fewer.", n=NAME_MAX), field="name")
    chosen = [str(scope) for scope in TokenScope if scope in set(scopes or ())]
    if not chosen or set(scopes) - set(chosen):
        raise InvalidInput(_("Choose what the token may do."), field="scopes")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_secret(secret), hint=secret[:10], scopes=" ".join(chosen),
        created_at=now or utcnow(),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(user_id: int) -> list[ApiToken]:
    """The person's tokens, those in use first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int, *, now: datetime | None = None) -> ApiToken:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
    return token


def token_for_secret(secret: str) -> ApiToken | None:
    """The token a request presents, if it exists, is not revoked and its owner may sign in."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    return token


def needs_use_recorded(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION


def record_use(token: ApiToken, now: datetime | None = None) -> None:
    token.last_used_at = now or utcnow()
