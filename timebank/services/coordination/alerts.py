"""What needs a coordinator's attention, for the dashboard.

Each kind of alert is a set query over the whole community (never a query per member) that
returns the first few rows to show and, through a window count, how many there are in all; the
three about how members take part (quiet, only gave, only received) share one statement, so the
window's exchanges are added up once. The dashboard costs the same handful of queries for ten
members or ten thousand.

The wording on the page is an invitation, never a label: someone who has only given "could ask
for help with something"; they are not "a giver".
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from ...extensions import db
from ...ledger import closed_months
from ...ledger.rules import month_of
from ...models import (
    Account,
    AccountType,
    Community,
    Entry,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingStatus,
    ListingType,
    Match,
    Membership,
    MembershipStatus,
    Posting,
    Role,
    SafeguardingCheck,
    User,
)
from ...models.types import utcnow

#: How many of each kind the dashboard lists (it says how many more there are).
SHOWN = 10
#: Pending exchanges are chased after the community's auto-confirm days, or this many.
PENDING_DAYS = 7
QUIET_DAYS = 60
ONE_WAY_DAYS = 90
#: A balance this close to a limit is flagged: 10% of the limit, and at least an hour.
NEAR_LIMIT_PERCENT = 10
NEAR_LIMIT_MINUTES = 60
CHECK_WARNING_DAYS = 30
UNMATCHED_DAYS = 14
#: Entries that are time exchanged between people (not corrections, grants or opening balances).
EXCHANGE_KINDS = ("exchange", "group_session")


QUIET, ONLY_GAVE, ONLY_RECEIVED = "quiet", "only_gave", "only_received"


class Member(NamedTuple):
    """A member in one of the alerts about how they take part."""

    membership_id: int
    name: str
    account_id: int
    #: Their last exchange (for the quiet), None if they have never exchanged.
    last_on: date | None
    #: The time they gave (only gave) or received (only received) in the window.
    minutes: int


@dataclass(frozen=True)
class Section:
    rows: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


@dataclass(frozen=True)
class Alerts:
    pending_days: int
    pending: Section
    quiet: Section
    only_gave: Section
    only_received: Section
    near_limits: Section
    checks: Section
    unmatched: Section
    #: The most recent month that has ended and is still open (with entries in it or before), or None.
    open_month: date | None
    today: date

    @property
    def count(self) -> int:
        sections = (self.pending, self.quiet, self.only_gave, self.only_received, self.near_limits, self.checks, self.unmatched)
        return sum(s.total for s in sections) + (self.open_month is not None)


def dashboard_alerts(community: Community, *, now: datetime | None = None, shown: int = SHOWN) -> Alerts:
    now = now or utcnow()
    today = community.today(now)
    pending_days = community.auto_confirm_days or PENDING_DAYS
    at_rest = _members_at_rest(community.id, today, shown)
    return Alerts(
        pending_days=pending_days,
        pending=_section(_pending(community.id, now - timedelta(days=pending_days)), shown),
        quiet=_with_last_exchange(at_rest[QUIET]),
        only_gave=at_rest[ONLY_GAVE],
        only_received=at_rest[ONLY_RECEIVED],
        near_limits=_section(_near_limits(community.id), shown),
        checks=_section(_checks(community.id, today + timedelta(days=CHECK_WARNING_DAYS)), shown),
        unmatched=_section(_unmatched(community.id, now - timedelta(days=UNMATCHED_DAYS)), shown),
        open_month=_open_month(community.id, today),
        today=today,
    )


def _section(query: Select, shown: int) -> Section:
    rows = db.session.execute(query.add_columns(func.count().over().label("total")).limit(shown)).all()
    return Section(rows, rows[0].total if rows else 0)


def _name():
    return func.coalesce(Membership.display_name, User.name)


def _people() -> Select:
    """Active members (not coordinators, funders or people who left) with an open time account."""
    return (
        select(Membership.id.label("membership_id"), _name().label("name"))
        .join(User, User.id == Membership.user_id)
        .join(Account, Account.membership_id == Membership.id)
        .where(
            Membership.role == Role.MEMBER,
            Membership.status == MembershipStatus.ACTIVE,
            Account.closed_at.is_(None),
        )
    )


def _activity(community_id: int, since: date):
    """Per account, the time given and received in exchanges dated on or after `since`, and the
    last such date; leaving out entries later reversed. Driven by the entries of the window (the
    index on community and date), so it reads only those, however long the history."""
    reversal = aliased(Entry)
    return (
        select(
            Posting.account_id,
            func.sum(case((Posting.minutes > 0, Posting.minutes), else_=0)).label("given"),
            func.sum(case((Posting.minutes < 0, -Posting.minutes), else_=0)).label("received"),
            func.max(Entry.occurred_on).label("last_on"),
        )
        .select_from(Entry)
        .join(Posting, Posting.entry_id == Entry.id)
        .where(
            Entry.community_id == community_id,
            Entry.occurred_on >= since,
            Entry.kind.in_(EXCHANGE_KINDS),
            ~exists().where(reversal.reverses_id == Entry.id),
        )
        .group_by(Posting.account_id)
    )


def _pending(community_id: int, cutoff: datetime) -> Select:
    """Exchanges still waiting for the other side after the chasing days. The link goes to the
    member who has to confirm (or, for an organisation, to the member who logged it)."""
    giver, receiver = aliased(Account), aliased(Account)
    giver_m, receiver_m = aliased(Membership), aliased(Membership)
    giver_u, receiver_u = aliased(User), aliased(User)
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
            func.coalesce(giver_m.display_name, giver_u.name, giver.name).label("giver"),
            func.coalesce(receiver_m.display_name, receiver_u.name, receiver.name).label("receiver"),
            func.coalesce(waiting, logger).label("membership_id"),
        )
        .join(giver, giver.id == Exchange.giver_account_id)
        .join(receiver, receiver.id == Exchange.receiver_account_id)
        .outerjoin(giver_m, giver_m.id == giver.membership_id)
        .outerjoin(receiver_m, receiver_m.id == receiver.membership_id)
        .outerjoin(giver_u, giver_u.id == giver_m.user_id)
        .outerjoin(receiver_u, receiver_u.id == receiver_m.user_id)
        .where(
            Exchange.community_id == community_id,
            Exchange.status == ExchangeStatus.PENDING,
            Exchange.created_at <= cutoff,
        )
        .order_by(Exchange.created_at, Exchange.id)
    )


def _members_at_rest(community_id: int, today: date, shown: int) -> dict[str, Section]:
    """The quiet, those who only gave and those who only received, in one statement, so that the
    window's activity is added up once (a CTE, materialised: PostgreSQL is told so, SQLite does
    it for a CTE used more than once). Each alert comes with its first `shown` members and its
    total, through window functions."""
    quiet_since = today - timedelta(days=QUIET_DAYS)
    one_way_since = today - timedelta(days=ONE_WAY_DAYS)
    activity = _activity(community_id, one_way_since).cte("activity").prefix_with("MATERIALIZED", dialect="postgresql")

    def branch(alert: str, where, minutes, first, then, outer=False):
        return (
            _people()
            .add_columns(
                literal_column(f"'{alert}'", String).label("alert"),
                Account.id.label("account_id"),
                activity.c.last_on,
                minutes.label("minutes"),
                first.label("sort_first"),
                then.label("sort_then"),
            )
            .join(activity, activity.c.account_id == Account.id, isouter=outer)
            .where(Account.community_id == community_id, *where)
        )

    never_date, zero = cast(null(), Date), literal_column("0", Integer)
    flagged = union_all(
        # No exchange in the quiet days: first those with none in the whole window (or ever),
        # then the longest quiet.
        branch(
            QUIET,
            [Membership.joined_on <= quiet_since, or_(activity.c.last_on.is_(None), activity.c.last_on < quiet_since)],
            zero,
            case((activity.c.last_on.is_(None), 0), else_=1),
            activity.c.last_on,
            outer=True,
        ),
        branch(ONLY_GAVE, [Membership.joined_on <= one_way_since, activity.c.received == 0], activity.c.given, zero, never_date),
        branch(ONLY_RECEIVED, [Membership.joined_on <= one_way_since, activity.c.given == 0], activity.c.received, zero, never_date),
    ).subquery("flagged")
    ranked = select(
        flagged,
        func.row_number()
        .over(partition_by=flagged.c.alert, order_by=(flagged.c.sort_first, flagged.c.sort_then, flagged.c.membership_id))
        .label("n"),
        func.count().over(partition_by=flagged.c.alert).label("total"),
    ).subquery("ranked")
    sections = {QUIET: [], ONLY_GAVE: [], ONLY_RECEIVED: []}
    totals = dict.fromkeys(sections, 0)
    for row in db.session.execute(select(ranked).where(ranked.c.n <= shown).order_by(ranked.c.alert, ranked.c.n)):
        sections[row.alert].append(Member(row.membership_id, row.name, row.account_id, row.last_on, int(row.minutes)))
        totals[row.alert] = row.total
    return {alert: Section(rows, totals[alert]) for alert, rows in sections.items()}


def _with_last_exchange(section: Section) -> Section:
    """Fill in the last exchange of the quiet members shown who had none in the window (one query
    for the few shown)."""
    missing = [row.account_id for row in section.rows if row.last_on is None]
    if not missing:
        return section
    reversal = aliased(Entry)
    last = {
        account_id: on
        for account_id, on in db.session.execute(
            select(Posting.account_id, func.max(Entry.occurred_on))
            .join(Entry, Entry.id == Posting.entry_id)
            .where(
                Posting.account_id.in_(missing),
                Entry.kind.in_(EXCHANGE_KINDS),
                ~exists().where(reversal.reverses_id == Entry.id),
            )
            .group_by(Posting.account_id)
        )
    }
    rows = [row if row.last_on is not None else row._replace(last_on=last.get(row.account_id)) for row in section.rows]
    return Section(rows, section.total)


def _margin(limit):
    tenth = func.abs(limit) * NEAR_LIMIT_PERCENT // 100
    return case((tenth > NEAR_LIMIT_MINUTES, tenth), else_=NEAR_LIMIT_MINUTES)


def _near_limits(community_id: int) -> Select:
    """Open accounts of members and organisations whose balance is near (or past) a limit."""
    near_floor = and_(Account.floor.is_not(None), Account.balance <= Account.floor + _margin(Account.floor))
    near_ceiling = and_(Account.ceiling.is_not(None), Account.balance >= Account.ceiling - _margin(Account.ceiling))
    return (
        select(
            Account.id.label("account_id"),
            Account.membership_id,
            Account.type,
            func.coalesce(Membership.display_name, User.name, Account.name).label("name"),
            Account.balance,
            Account.floor,
            Account.ceiling,
            near_floor.label("near_floor"),
        )
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .outerjoin(User, User.id == Membership.user_id)
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


def _checks(community_id: int, horizon: date) -> Select:
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
            _name().label("name"),
        )
        .join(Membership, Membership.id == SafeguardingCheck.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.community_id == community_id,
            Membership.status != MembershipStatus.LEFT,
            SafeguardingCheck.expires_on <= horizon,
            ~replaced,
        )
        .order_by(SafeguardingCheck.expires_on, SafeguardingCheck.id)
    )


def _unmatched(community_id: int, cutoff: datetime) -> Select:
    """Open requests older than `cutoff` that no coordinator has matched with anyone."""
    return (
        select(Listing.id, Listing.title, Listing.created_at, Membership.id.label("membership_id"), _name().label("name"))
        .join(Membership, Membership.id == Listing.membership_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Listing.community_id == community_id,
            Listing.type == ListingType.REQUEST,
            Listing.status == ListingStatus.OPEN,
            Listing.created_at <= cutoff,
            ~exists().where(Match.listing_id == Listing.id),
        )
        .order_by(Listing.created_at, Listing.id)
    )


def _open_month(community_id: int, today: date) -> date | None:
    this_month = month_of(today)
    last_month = month_of(this_month - timedelta(days=1))
    if last_month in closed_months(community_id):
        return None
    earlier = db.session.scalar(
        select(Entry.id).where(Entry.community_id == community_id, Entry.occurred_on < this_month).limit(1)
    )
    return last_month if earlier is not None else None
