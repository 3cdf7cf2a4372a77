"""A way out of every pending state (issue 13).

A *stuck* exchange is pending and dated in a month that has since been closed: it can no longer
be booked in its own month (I8). The way out is a late entry: booked today, in an open month,
keeping the date it happened (`ledger.rules.check_date(late=True)`), so the closed month's seal
still holds and its report shows the change as restated (`metrics/restated.py`: an entry dated
in a frozen period and recorded after the freeze).

Both people must agree. The logger agreed when they logged it; the other side's one tap
("record it now, keeping the date it happened") is the agreement, and posts it (`record_late`).
A coordinator may confirm it for them instead (`on_behalf.confirm_on_behalf`, which records a
stuck exchange as late by itself), or decline or cancel any pending exchange on a member's
behalf, with a reason: each is audited and told to both people.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from ...errors import ExchangeNotPending, NotFound, ReasonRequired
from ...extensions import db
from ...ledger import closed_months
from ...ledger.rules import month_of
from ...models import Account, AccountType, Confirmation, Exchange, ExchangeStatus, Membership, ReportingPeriod, User
from ...models.types import utcnow
from .. import audit
from ..notifications import notify
from .confirm import _pending_for_other_side
from .posting import account_label, exchange_params, post_exchange

REASON_MAX = 500


def is_stuck(exchange: Exchange) -> bool:
    """Pending, and its month is closed: it can only be recorded as a late entry."""
    return exchange.status == ExchangeStatus.PENDING and month_of(exchange.occurred_on) in closed_months(exchange.community_id)


def record_late(exchange_id: int, user: User, *, now: datetime | None = None) -> Exchange:
    """The side that has to confirm a stuck exchange agrees to record it now, keeping its date:
    with the logger's own log, both have agreed. Posted as a late entry, told to both."""
    exchange = _pending_for_other_side(exchange_id, user)
    if not is_stuck(exchange):
        # Its month is open: an ordinary confirmation, which this tap also is.
        post_exchange(exchange, confirmed_by=user, confirmation=Confirmation.MEMBER, now=now)
        return exchange
    post_exchange(exchange, confirmed_by=user, confirmation=Confirmation.MEMBER, late=True, now=now)
    audit.record(
        exchange.community_id,
        user.id,
        "exchange.record_late",
        subject_membership_id=_membership_of(exchange.other_account_id),
        target_type="exchange",
        target_id=exchange.id,
        entry_id=exchange.entry_id,
        occurred_on=exchange.occurred_on.isoformat(),
        now=now,
    )
    return exchange


def decline_for(coordinator: Membership, exchange_id: int, reason: str, *, now: datetime | None = None) -> Exchange:
    """A coordinator declines a pending exchange on the member's behalf, saying why."""
    exchange, reason = _pending_here(coordinator, exchange_id, reason)
    _close(exchange, ExchangeStatus.DECLINED, coordinator, now)
    exchange.decline_reason = reason
    _audit_and_tell(coordinator, exchange, "exchange.decline_on_behalf", "exchange_declined_for", reason, now)
    return exchange


def cancel_for(coordinator: Membership, exchange_id: int, reason: str, *, now: datetime | None = None) -> Exchange:
    """A coordinator cancels a pending exchange on the logger's behalf, saying why."""
    exchange, reason = _pending_here(coordinator, exchange_id, reason)
    _close(exchange, ExchangeStatus.CANCELLED, coordinator, now)
    _audit_and_tell(coordinator, exchange, "exchange.cancel_on_behalf", "exchange_cancelled_for", reason, now)
    return exchange


def exchange_for_coordinator(coordinator: Membership, exchange_id: int) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.community_id != coordinator.community_id:
        raise NotFound()
    return exchange


def stuck(community_id: int) -> Select:
    """The community's stuck exchanges, oldest first, for the dashboard: each links to the
    coordinator's page for the exchange, which resolves it."""
    giver, receiver = aliased(Account), aliased(Account)
    giver_m, receiver_m = aliased(Membership), aliased(Membership)
    month = func.substr(func.cast(Exchange.occurred_on, db.String), 1, 7)
    closed = (
        select(ReportingPeriod.id)
        .where(
            ReportingPeriod.community_id == Exchange.community_id,
            func.substr(func.cast(ReportingPeriod.month, db.String), 1, 7) == month,
        )
        .exists()
    )
    return (
        select(
            Exchange.id,
            Exchange.minutes,
            Exchange.occurred_on,
            Exchange.created_at,
            func.coalesce(giver_m.name, giver.name).label("giver"),
            func.coalesce(receiver_m.name, receiver.name).label("receiver"),
        )
        .join(giver, giver.id == Exchange.giver_account_id)
        .join(receiver, receiver.id == Exchange.receiver_account_id)
        .outerjoin(giver_m, giver_m.id == giver.membership_id)
        .outerjoin(receiver_m, receiver_m.id == receiver.membership_id)
        .where(Exchange.community_id == community_id, Exchange.status == ExchangeStatus.PENDING, closed)
        .order_by(Exchange.occurred_on, Exchange.id)
    )


# -- the steps -------------------------------------------------------------------------------


def _pending_here(coordinator: Membership, exchange_id: int, reason: str) -> tuple[Exchange, str]:
    exchange = exchange_for_coordinator(coordinator, exchange_id)
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired(_("Say why, so that both people know."), field="reason")
    return exchange, reason[:REASON_MAX]


def _close(exchange: Exchange, status: str, coordinator: Membership, now: datetime | None) -> None:
    exchange.status = status
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = coordinator.user_id


def _membership_of(account_id: int) -> int | None:
    return db.session.scalar(select(Account.membership_id).where(Account.id == account_id))


def _audit_and_tell(coordinator: Membership, exchange: Exchange, action: str, kind: str, reason: str, now) -> None:
    audit.record(
        coordinator.community_id,
        coordinator.user_id,
        action,
        subject_membership_id=_membership_of(exchange.other_account_id),
        target_type="exchange",
        target_id=exchange.id,
        reason=reason,
        now=now,
    )
    sides = (exchange.giver_account_id, exchange.receiver_account_id)
    for account_id in sides:
        account = db.session.get(Account, account_id)
        if account.type != AccountType.MEMBER:
            continue
        other = db.session.get(Account, sides[1] if account_id == sides[0] else sides[0])
        notify(
            account.membership.user,
            exchange.community_id,
            kind,
            exchange_params(exchange, name=account_label(other), reason=reason),
            f"/exchanges/{exchange.id}",
            now=now,
        )
