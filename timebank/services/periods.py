"""Reporting periods for coordinators: which months are closed, and closing one.

`close_month` is the one place a month is closed from the app, so that whatever must happen
when a month closes (the reporting feature freezes the month's figures) is added here and
nowhere else. The ledger's `close_period` seals it (I8): from then on nothing may be dated in it,
and the seal must still match the month's entries.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from .. import metrics
from ..dates import next_month
from ..errors import TimebankError
from ..extensions import db
from ..ledger import close_period
from ..ledger.periods import compute_seal
from ..ledger.rules import month_of
from ..models import Account, Community, Entry, Exchange, ExchangeStatus, Membership, ReportingPeriod, User
from . import audit
from .exchanges.stuck import stuck

#: The states of a month, as the periods page shows them.
CLOSED, ENDED, CURRENT = "closed", "ended", "current"


class EarlierMonthsOpen(TimebankError):
    """A month may close only when every month before it (since the timebank began) is closed."""

    code = "earlier_months_open"
    status = 409

    def __init__(self, open_months: list[date]):
        self.open_months = open_months
        from ..formatting import format_month

        names = ", ".join(format_month(m) for m in open_months)
        super().__init__(
            _("Close the earlier months first: %(months)s still open.", months=names),
            months=[m.isoformat() for m in open_months],
        )


@dataclass(frozen=True)
class PendingInMonth:
    """An exchange dated in the month and still waiting for confirmation."""

    id: int
    occurred_on: date
    minutes: int
    giver: str | None
    receiver: str | None
    #: The member who has to confirm it (None for an organisation's side).
    membership_id: int | None


@dataclass(frozen=True)
class LateEntry:
    """An exchange pending in a closed month: it can only be recorded late, keeping its date."""

    id: int
    occurred_on: date
    minutes: int
    giver: str | None
    receiver: str | None


#: The most late entries the month page lists (the dashboard lists them too).
LATE_SHOWN = 20


@dataclass(frozen=True)
class Sealed:
    id: int
    seal: str
    entry_count: int
    closed_at: datetime
    #: The name of the person who closed it; None when it was closed from the command line.
    closed_by: str | None


@dataclass(frozen=True)
class MonthStatus:
    month: date
    state: str
    period: Sealed | None


@dataclass(frozen=True)
class MonthDetail:
    month: date
    state: str
    period: Sealed | None
    #: Entries dated in the month now (for a closed month, equal to the sealed count unless
    #: something is badly wrong).
    entry_count: int
    #: For a closed month: does the seal still match its entries (I8)?
    seal_matches: bool | None
    #: Exchanges dated in the month still waiting for confirmation (the task list).
    pending: tuple[PendingInMonth, ...] = ()
    #: Months before it that have ended and are still open: they must close first.
    earlier_open: tuple[date, ...] = ()
    #: Late entries to record: exchanges still pending in a month already closed (at most
    #: `LATE_SHOWN`, oldest first), each resolved on the coordinator's exchange page.
    late: tuple[LateEntry, ...] = ()
    #: How many there are in all (more than `late` holds when there are many).
    late_count: int = 0


def months(community: Community, *, now: datetime | None = None) -> list[MonthStatus]:
    """Every month from the community's first (or its earliest entry) to this one, newest first."""
    this_month = month_of(community.today(now))
    sealed = _sealed(community.id)
    first_entry = db.session.scalar(select(func.min(Entry.occurred_on)).where(Entry.community_id == community.id))
    start = min(
        [this_month, month_of(community.today(community.created_at)), *sealed]
        + ([month_of(first_entry)] if first_entry else [])
    )
    result, month = [], start
    while month <= this_month:
        result.append(MonthStatus(month, _state(month, this_month, sealed), sealed.get(month)))
        month = next_month(month)
    return result[::-1]


def month_detail(community: Community, month: date, *, now: datetime | None = None) -> MonthDetail:
    month = month_of(month)
    sealed = _sealed(community.id, month)
    state = _state(month, month_of(community.today(now)), sealed)
    if state == CLOSED:
        digest, count = compute_seal(community.id, month)
        return MonthDetail(month, state, sealed[month], count, digest == sealed[month].seal)
    count = db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.community_id == community.id, Entry.occurred_on >= month, Entry.occurred_on < next_month(month)
        )
    )
    return MonthDetail(
        month, state, None, count, None,
        pending=tuple(pending_in_month(community.id, month)),
        earlier_open=tuple(earlier_open_months(community, month, now=now)),
        late=tuple(late_entries(community.id)),
        late_count=late_entry_count(community.id),
    )


def late_entries(community_id: int, limit: int = LATE_SHOWN) -> list[LateEntry]:
    """Exchanges stuck in a closed month, waiting to be recorded late, oldest first."""
    rows = db.session.execute(stuck(community_id).limit(limit)).all()
    return [LateEntry(row.id, row.occurred_on, row.minutes, row.giver, row.receiver) for row in rows]


def late_entry_count(community_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(stuck(community_id).order_by(None).subquery()))


def earlier_open_months(community: Community, month: date, *, now: datetime | None = None) -> list[date]:
    """The months before `month` (since the timebank began) that have ended and are not closed, oldest first."""
    month = month_of(month)
    return sorted(m.month for m in months(community, now=now) if m.state == ENDED and m.month < month)


def pending_in_month(community_id: int, month: date) -> list[PendingInMonth]:
    """Exchanges dated in `month` still waiting for confirmation, oldest first, with both names."""
    giver_account, receiver_account = aliased(Account), aliased(Account)
    giver, receiver = aliased(Membership), aliased(Membership)
    rows = db.session.execute(
        select(
            Exchange.id, Exchange.occurred_on, Exchange.minutes, giver.name, receiver.name,
            Exchange.logged_by_account_id, Exchange.giver_account_id, giver.id, receiver.id,
        )
        .join(giver_account, giver_account.id == Exchange.giver_account_id)
        .join(receiver_account, receiver_account.id == Exchange.receiver_account_id)
        .outerjoin(giver, giver.id == giver_account.membership_id)
        .outerjoin(receiver, receiver.id == receiver_account.membership_id)
        .where(
            Exchange.community_id == community_id,
            Exchange.status == ExchangeStatus.PENDING,
            Exchange.occurred_on >= month,
            Exchange.occurred_on < next_month(month),
        )
        .order_by(Exchange.occurred_on, Exchange.id)
    ).all()
    return [
        PendingInMonth(
            id, occurred_on, minutes, giver_name, receiver_name,
            # The side that did not log it confirms it.
            receiver_id if logged_by == giver_account_id else giver_id,
        )
        for id, occurred_on, minutes, giver_name, receiver_name, logged_by, giver_account_id, giver_id, receiver_id in rows
    ]


def close_month(
    community: Community,
    month: date,
    *,
    actor_id: int | None,
    now: datetime | None = None,
) -> ReportingPeriod:
    """Close and seal a month that has ended (a double tap is the page edge's to catch).

    Raises EarlierMonthsOpen, PeriodNotFinished or PeriodAlreadyClosed."""
    month = month_of(month)
    if month < month_of(community.today(now)) and (earlier := earlier_open_months(community, month, now=now)):
        raise EarlierMonthsOpen(earlier)
    period = close_period(community.id, month, closed_by_id=actor_id, now=now)
    metrics.freeze_closed(community, month, now=now)
    audit.record(
        community.id,
        actor_id,
        "period.close",
        target_type="reporting_period",
        target_id=period.id,
        month=month.strftime("%Y-%m"),
        seal=period.seal,
        entry_count=period.entry_count,
        now=now,
    )
    return period


def _sealed(community_id: int, month: date | None = None) -> dict[date, Sealed]:
    query = (
        select(ReportingPeriod, User.name)
        .outerjoin(User, User.id == ReportingPeriod.closed_by_id)
        .where(ReportingPeriod.community_id == community_id)
    )
    if month is not None:
        query = query.where(ReportingPeriod.month == month)
    return {
        period.month: Sealed(period.id, period.seal, period.entry_count, period.closed_at, name)
        for period, name in db.session.execute(query)
    }


def _state(month: date, this_month: date, sealed: dict) -> str:
    if month in sealed:
        return CLOSED
    return ENDED if month < this_month else CURRENT
