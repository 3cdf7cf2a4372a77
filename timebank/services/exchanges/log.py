"""The exchange workflow: a member logs time given or received; the other side confirms or
declines (`confirm`); the logger may cancel; after the community's auto-confirm days it posts
by itself (`auto_confirm`). This module logs one, and holds the rules every way of recording an
exchange shares (minutes, dates).
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import DateTooOld, MinutesOutOfRange, PartnerUnavailable, SubmissionConflict
from ...extensions import db
from ...ledger import closed_months
from ...ledger.rules import check_date
from ...models import Account, AccountType, Community, Confirmation, Exchange, Membership, MembershipStatus
from ...models.types import utcnow
from ..communities import check_activity
from ..notifications import notify, notify_coordinators
from ..submissions import add_once
from .posting import account_label, exchange_params, post_exchange

MAX_MINUTES = 24 * 60


def check_exchange_date(
    community: Community, occurred_on: date, *, today: date | None = None, coordinator=False, late=False
) -> None:
    """Not in the future, not in a closed month (unless `late`: a coordinator recording a late
    entry, booked now and keeping its date), and (for members) not older than the community
    allows."""
    today = today or community.today()
    check_date(occurred_on, today, closed_months(community.id), late=late and coordinator)
    if not coordinator and occurred_on < today - timedelta(days=community.backdate_days):
        raise DateTooOld()


def log_exchange(
    membership: Membership,
    *,
    gave: bool,
    partner_account_id: int,
    minutes: int,
    occurred_on: date,
    activity_id: int | None,
    note: str | None,
    submission_id: str,
    now: datetime | None = None,
) -> tuple[Exchange, bool]:
    """Log time the member gave (gave=True) or received. Returns the exchange and whether it is
    new; a repeat of the same submission returns the first one."""
    community = membership.community
    def find_existing():
        return db.session.scalar(
            select(Exchange).where(Exchange.community_id == community.id, Exchange.submission_id == submission_id)
        )

    own = _own_account(membership)
    existing = find_existing()
    if existing is not None:
        return _same_submitter(existing, own), False
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise MinutesOutOfRange()
    partner = _partner_account(community.id, partner_account_id, own.id)
    check_activity(community.id, activity_id)
    check_exchange_date(community, occurred_on, today=community.today(now))
    exchange = Exchange(
        community_id=community.id,
        giver_account_id=own.id if gave else partner.id,
        receiver_account_id=partner.id if gave else own.id,
        logged_by_account_id=own.id,
        logged_by_id=membership.user_id,
        minutes=minutes,
        occurred_on=occurred_on,
        activity_id=activity_id,
        note=(note or "").strip() or None,
        submission_id=submission_id,
        created_at=now or utcnow(),
    )
    exchange, created = add_once(exchange, find_existing)
    if not created:
        return _same_submitter(exchange, own), False
    if community.auto_confirm_days == 0:
        post_exchange(exchange, confirmed_by=None, confirmation=Confirmation.AUTO_TIMEOUT, now=now)
    else:
        _tell_other_side(exchange, membership, gave, now=now)
    return exchange, True


def _same_submitter(exchange: Exchange, own: Account) -> Exchange:
    if exchange.logged_by_account_id != own.id:
        raise SubmissionConflict()
    return exchange


def _own_account(membership: Membership) -> Account:
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    if account is None or account.closed_at is not None or membership.status != MembershipStatus.ACTIVE:
        raise PartnerUnavailable(_("Your time account is not open, so you cannot log time. Please talk to your coordinator."))
    return account


def _partner_account(community_id: int, account_id: int, own_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or account.community_id != community_id or account.id == own_id or account.closed_at is not None:
        raise PartnerUnavailable()
    if account.type == AccountType.POT:
        raise PartnerUnavailable()
    if account.type == AccountType.MEMBER and account.membership.status != MembershipStatus.ACTIVE:
        raise PartnerUnavailable()
    return account


def _tell_other_side(exchange: Exchange, logger: Membership, gave: bool, *, now: datetime | None = None) -> None:
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        kind = "exchange_logged_gave" if gave else "exchange_logged_received"
        notify(other.membership.user, exchange.community_id, kind, exchange_params(exchange, name=logger.name), "/exchanges", now=now)
    else:
        notify_coordinators(
            exchange.community_id,
            "exchange_needs_coordinator",
            exchange_params(exchange, name=logger.name, organisation=account_label(other)),
            "/exchanges",
            now=now,
        )
