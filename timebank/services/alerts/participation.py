"""How members take part: the quiet, those who have only given and those who have only received.

The three share one statement, so the window's exchanges are added up once, whatever the number
of members. The wording on the page is an invitation, never a label: someone who has only given
"could ask for help with something"; they are not "a giver".
"""
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
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
from ...models import Account, Entry, Membership, MembershipStatus, Posting, Role
from .sections import Section

QUIET_DAYS = 60
ONE_WAY_DAYS = 90
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


def _people() -> Select:
    """Active members (not coordinators, funders or people who left) with an open time account."""
    return (
        select(Membership.id.label("membership_id"), Membership.name.label("name"))
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


def members_at_rest(community_id: int, today: date, shown: int) -> dict[str, Section]:
    """The quiet, those who only gave and those who only received, in one statement, so that the
    window's activity is added up once (a CTE, materialised: PostgreSQL is told so, SQLite does
    it for a CTE used more than once). Each alert comes with its first `shown` members and its
    total, through window functions. The quiet come with their last exchange filled in."""
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
    at_rest = {alert: Section(rows, totals[alert]) for alert, rows in sections.items()}
    at_rest[QUIET] = _with_last_exchange(at_rest[QUIET])
    return at_rest


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
