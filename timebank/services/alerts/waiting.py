"""What waits on a coordinator: exchanges nobody confirmed, balances near a limit, safeguarding
checks running out, requests nobody matched, and a month that has ended but is still open.

Each is a set query over the whole community, ordered for the dashboard (which shows the first
few, `sections.section`); none runs a query per member.
"""
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...ledger import closed_months
from ...ledger.rules import month_of
from ...models import (
    Account,
    AccountType,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingStatus,
    ListingType,
    Match,
    Membership,
    MembershipStatus,
    SafeguardingCheck,
)

#: A balance this close to a limit is flagged: 10% of the limit, and at least an hour.
NEAR_LIMIT_PERCENT = 10
NEAR_LIMIT_MINUTES = 60


def pending(community_id: int, cutoff: datetime) -> Select:
    """Exchanges still waiting for the other side after the chasing days. The link goes to the
    member who has to confirm (or, for an organisation, to the member who logged it)."""
    giver, receiver = aliased(Account), aliased(Account)
    giver_m, receiver_m = aliased(Membership), aliased(Membership)
    giver_logged = Exchange.logged_by_account_id == Exchange.giver_account_id
    waiting = case((giver_logged, receiver_m.id), else_=giver_m.id)
    logger = case((giver_logged, giver_m.id), else_=receiver_m.id)
    return (
        select(
            Exchange.id,
            Exchange.minutes,
            Exchange.occurred_on,
            Exchange.created_at,
            Exchange.last_error,
            func.coalesce(giver_m.name, giver.name).label("giver"),
            func.coalesce(receiver_m.name, receiver.name).label("receiver"),
            func.coalesce(waiting, logger).label("membership_id"),
        )
        .join(giver, giver.id == Exchange.giver_account_id)
        .join(receiver, receiver.id == Exchange.receiver_account_id)
        .outerjoin(giver_m, giver_m.id == giver.membership_id)
        .outerjoin(receiver_m, receiver_m.id == receiver.membership_id)
        .where(
            Exchange.community_id == community_id,
            Exchange.status == ExchangeStatus.PENDING,
            Exchange.created_at <= cutoff,
        )
        .order_by(Exchange.created_at, Exchange.id)
    )


def _margin(limit):
    tenth = func.abs(limit) * NEAR_LIMIT_PERCENT // 100
    return case((tenth > NEAR_LIMIT_MINUTES, tenth), else_=NEAR_LIMIT_MINUTES)


def near_limits(community_id: int) -> Select:
    """Open accounts of members and organisations whose balance is near (or past) a limit."""
    near_floor = and_(Account.floor.is_not(None), Account.balance <= Account.floor + _margin(Account.floor))
    near_ceiling = and_(Account.ceiling.is_not(None), Account.balance >= Account.ceiling - _margin(Account.ceiling))
    return (
        select(
            Account.id.label("account_id"),
            Account.membership_id,
            Account.type,
            func.coalesce(Membership.name, Account.name).label("name"),
            Account.balance,
            Account.floor,
            Account.ceiling,
            near_floor.label("near_floor"),
        )
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .where(
            Account.community_id == community_id,
            Account.type != AccountType.POT,
            Account.closed_at.is_(None),
            Account.sequence > 0,  # nothing has moved yet: not near anything worth a call
            or_(Membership.id.is_(None), Membership.status == MembershipStatus.ACTIVE),
            or_(near_floor, near_ceiling),
        )
        .order_by(Account.id)
    )


def checks(community_id: int, horizon: date) -> Select:
    """Safeguarding checks expired or expiring by `horizon`, unless a later check of the same
    type for the same person replaces them."""
    newer = aliased(SafeguardingCheck)
    replaced = exists().where(
        newer.membership_id == SafeguardingCheck.membership_id,
        newer.check_type == SafeguardingCheck.check_type,
        newer.id != SafeguardingCheck.id,
        or_(newer.expires_on > horizon, and_(newer.expires_on.is_(None), newer.id > SafeguardingCheck.id)),
    )
    return (
        select(
            SafeguardingCheck.id,
            SafeguardingCheck.check_type,
            SafeguardingCheck.expires_on,
            Membership.id.label("membership_id"),
            Membership.name.label("name"),
        )
        .join(Membership, Membership.id == SafeguardingCheck.membership_id)
        .where(
            Membership.community_id == community_id,
            Membership.status != MembershipStatus.LEFT,
            SafeguardingCheck.expires_on <= horizon,
            ~replaced,
        )
        .order_by(SafeguardingCheck.expires_on, SafeguardingCheck.id)
    )


def unmatched(community_id: int, cutoff: datetime) -> Select:
    """Open requests older than `cutoff` that no coordinator has matched with anyone."""
    return (
        select(Listing.id, Listing.title, Listing.created_at, Membership.id.label("membership_id"), Membership.name.label("name"))
        .join(Membership, Membership.id == Listing.membership_id)
        .where(
            Listing.community_id == community_id,
            Listing.type == ListingType.REQUEST,
            Listing.status == ListingStatus.OPEN,
            Listing.created_at <= cutoff,
            ~exists().where(Match.listing_id == Listing.id),
        )
        .order_by(Listing.created_at, Listing.id)
    )


def open_month(community_id: int, today: date) -> date | None:
    """The month just ended, if it is still open and the community has entries in it or before."""
    this_month = month_of(today)
    last_month = month_of(this_month - timedelta(days=1))
    if last_month in closed_months(community_id):
        return None
    earlier = db.session.scalar(
        select(Entry.id).where(Entry.community_id == community_id, Entry.occurred_on < this_month).limit(1)
    )
    return last_month if earlier is not None else None
