"""The other side of an exchange confirms (posting it) or declines it; the logger may cancel it
while it is pending. Time given to or received from an organisation is confirmed by the
community's coordinators."""

from sqlalchemy import select

from ...errors import ExchangeNotPending, NotFound
from ...extensions import db
from ...models import Account, AccountType, Confirmation, Exchange, ExchangeStatus, Membership, User
from ...models.types import utcnow
from ..notifications import notify
from .posting import exchange_params, name_in, post_exchange


def confirm_exchange(exchange_id: int, user: User, *, confirmation=Confirmation.MEMBER, now=None) -> Exchange:
    """The other side confirms (or a coordinator, for an organisation): the entry is posted."""
    exchange = _pending_for_other_side(exchange_id, user)
    post_exchange(exchange, confirmed_by=user, confirmation=confirmation, now=now)
    return exchange


def decline_exchange(exchange_id: int, user: User, reason: str | None = None, *, now=None) -> Exchange:
    exchange = _pending_for_other_side(exchange_id, user)
    exchange.status = ExchangeStatus.DECLINED
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = user.id
    exchange.decline_reason = (reason or "").strip() or None
    logger = db.session.get(User, exchange.logged_by_id)
    notify(logger, exchange.community_id, "exchange_declined", exchange_params(exchange, name=name_in(exchange, user)), "/exchanges", now=now)
    return exchange


def cancel_exchange(exchange_id: int, user: User, *, now=None) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.logged_by_id != user.id:
        raise NotFound()
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    exchange.status = ExchangeStatus.CANCELLED
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = user.id
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        notify(other.membership.user, exchange.community_id, "exchange_cancelled", exchange_params(exchange, name=name_in(exchange, user)), "/exchanges", now=now)
    return exchange


def _pending_for_other_side(exchange_id: int, user: User) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not _may_confirm(exchange, user):
        raise NotFound()
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    return exchange


def _may_confirm(exchange: Exchange, user: User) -> bool:
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        return other.membership.user_id == user.id
    # Time given to or received from an organisation is confirmed by the community's coordinators.
    role = db.session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.community_id == exchange.community_id)
    )
    return role in ("coordinator", "admin")
