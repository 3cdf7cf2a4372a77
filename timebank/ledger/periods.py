"""Reporting periods: closing a month seals it (I8).

A closed month takes no new entry booked in it, and its seal, a SHA-256 over every entry booked
in it (see `rules.seal_line`), must still match when `verify` recomputes it. An entry is booked
in its service month (`occurred_on`) unless it is a late entry, booked on `booked_on` in an open
month: its service month's seal never covered it, so it still holds.
"""
from datetime import date, datetime

from sqlalchemy import func, select, text

from ..dates import next_month
from ..errors import NotFound, PeriodAlreadyClosed, PeriodNotFinished
from ..extensions import db
from ..models import Community, Entry, Posting, ReportingPeriod
from ..models.types import utcnow
from . import rules


def closed_months(community_id: int) -> set[date]:
    return set(db.session.scalars(select(ReportingPeriod.month).where(ReportingPeriod.community_id == community_id)))


def booking_date():
    """The date an entry is booked on: its service date, or a late entry's booking date."""
    return func.coalesce(Entry.booked_on, Entry.occurred_on)


def compute_seal(community_id: int, month: date) -> tuple[str, int]:
    """The seal over the entries booked in a month and how many there are, in id order."""
    booked = booking_date()
    rows = db.session.execute(
        select(Entry.id, Entry.kind, Entry.occurred_on, Entry.reverses_id, Posting.account_id, Posting.minutes)
        .join(Posting, Posting.entry_id == Entry.id)
        .where(
            Entry.community_id == community_id,
            booked >= month,
            booked < next_month(month),
        )
        .order_by(Entry.id, Posting.id)
        .execution_options(yield_per=10000)
    )
    count = 0

    def lines():
        nonlocal count
        current, legs = None, []
        for row in rows:
            if current is not None and row.id != current.id:
                count += 1
                yield rules.seal_line(current.id, current.kind, current.occurred_on, current.reverses_id, legs)
                legs = []
            current = row
            legs.append((row.account_id, row.minutes))
        if current is not None:
            count += 1
            yield rules.seal_line(current.id, current.kind, current.occurred_on, current.reverses_id, legs)

    digest = rules.seal(lines())
    return digest, count


def close_period(community_id: int, month: date, *, closed_by_id: int | None, now: datetime | None = None) -> ReportingPeriod:
    """Close and seal a month that has ended. Takes the community's period lock exclusively, so
    that no entry can be posted into the month while it is sealed (posting holds it shared; on
    SQLite the IMMEDIATE transaction does the same)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from .core import PERIOD_LOCK_CLASS

        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:class, :community)"),
            {"class": PERIOD_LOCK_CLASS, "community": community_id},
        )
    community = db.session.scalar(select(Community).where(Community.id == community_id))
    if community is None:
        raise NotFound()
    month = rules.month_of(month)
    if next_month(month) > community.today(now):
        raise PeriodNotFinished()
    if month in closed_months(community_id):
        raise PeriodAlreadyClosed()
    digest, count = compute_seal(community_id, month)
    period = ReportingPeriod(
        community_id=community_id,
        month=month,
        closed_at=now or utcnow(),
        closed_by_id=closed_by_id,
        seal=digest,
        entry_count=count,
    )
    db.session.add(period)
    db.session.flush()
    return period
