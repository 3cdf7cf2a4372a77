"""Posting a confirmed exchange to the ledger, and telling both sides.

Only confirmation reaches the ledger, through `ledger.post_entry`, with an idempotency key
derived from the exchange, so that an exchange is posted at most once whatever retries happen.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...ledger import exchange as exchange_spec
from ...ledger import post_entry
from ...models import Account, AccountType, EntryKind, Exchange, ExchangeStatus, Match, Membership, User
from ...models.types import utcnow
from ..brokering.matches import complete_match
from ..notifications import notify


def account_label(account: Account) -> str:
    if account.type == AccountType.MEMBER:
        return account.membership.name
    return account.name or _("Community pot")


def post_exchange(
    exchange: Exchange,
    *,
    confirmed_by: User | None,
    confirmation: str,
    now: datetime | None = None,
    late: bool = False,
    limit_override: bool = False,
    reason: str | None = None,
) -> None:
    """Post a pending exchange as confirmed (by `confirmed_by`, or by nobody for auto-confirm).

    `late`: both people agreed to record it now although its month is closed: a late entry,
    booked in an open month, keeping its date (`stuck.py`). `limit_override` with a `reason`: a
    coordinator let it pass an account's limit (I4's flagged exception)."""
    spec = exchange_spec(
        exchange.community_id,
        exchange.giver_account_id,
        exchange.receiver_account_id,
        exchange.minutes,
        exchange.occurred_on,
        kind=EntryKind.EXCHANGE,
        recorded_by_id=exchange.logged_by_id,
        confirmed_by_id=confirmed_by.id if confirmed_by else None,
        confirmation=confirmation,
        activity_id=exchange.activity_id,
        note=exchange.note,
        idempotency_key=f"exchange:{exchange.id}",
        late=late,
        limit_override=limit_override,
        reason=reason,
    )
    entry, _replayed = post_entry(spec, now=now)
    exchange.status = ExchangeStatus.POSTED
    exchange.entry_id = entry.id
    exchange.confirmation = confirmation
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = confirmed_by.id if confirmed_by else None
    exchange.last_error = None
    match = db.session.get(Match, exchange.match_id) if exchange.match_id is not None else None
    if match is not None and match.community_id == exchange.community_id:
        complete_match(match, entry.id, now=now)  # the brokered match led to time exchanged
    db.session.flush()
    for account_id in (exchange.giver_account_id, exchange.receiver_account_id):
        account = db.session.get(Account, account_id)
        if account.type != AccountType.MEMBER:
            continue
        other = db.session.get(Account, exchange.receiver_account_id if account_id == exchange.giver_account_id else exchange.giver_account_id)
        notify(
            account.membership.user,
            exchange.community_id,
            "exchange_posted",
            exchange_params(exchange, name=account_label(other), balance=account.balance),
            "/statement",
            now=now,
        )


def name_in(exchange: Exchange, user: User) -> str:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.community_id == exchange.community_id)
    )
    return membership.name if membership else user.name


def exchange_params(exchange: Exchange, **extra) -> dict:
    return {"minutes": exchange.minutes, "date": exchange.occurred_on.isoformat(), **extra}
