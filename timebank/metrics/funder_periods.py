"""The periods a funder may read, and their reports (METRICS.md, privacy rules).

A funder chooses only from a fixed set made of closed months: each closed month, each quarter
all of whose months are closed, each year all of whose months are closed, and the whole
programme from the community's first month (of its first entry, or its creation) to the last
closed month, when every month between is closed. Nothing live or part of a month, so no two
reports differ by a few days; and `get_funder_report` suppresses every one of them consistently
with the reports of its months (`privacy.suppress_consistently`), so that no sum or difference
of figures across these periods gives back a hidden cell.
"""
from datetime import date, timedelta

from sqlalchemy import func, select

from ..dates import as_date, next_month
from ..extensions import db
from ..ledger.periods import closed_months
from ..models import Community, Entry
from ..services.report_periods import Period, PeriodNotAvailable, funder_period
from . import get_report, privacy, restated
from .context import months_between


def _last_day(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def first_month(community: Community) -> date:
    """The month of the community's first entry, or of its creation if it has none (or a later one)."""
    first = as_date(db.session.scalar(select(func.min(Entry.occurred_on)).where(Entry.community_id == community.id)))
    return (first or community.created_at.date()).replace(day=1)


def allowed_periods(community: Community) -> list[Period]:
    """Every period a funder may ask for: months, then quarters, then years, then the programme."""
    closed = closed_months(community.id)
    months = sorted(closed)
    out = [Period(m, _last_day(m), "month", f"{m:%Y-%m}") for m in months]
    for year, quarter in sorted({(m.year, (m.month - 1) // 3 + 1) for m in months}):
        start = date(year, 3 * quarter - 2, 1)
        span = months_between(start, date(year, 3 * quarter, 1))
        if set(span) <= closed:
            out.append(Period(start, _last_day(span[-1]), "quarter", f"{year}-Q{quarter}"))
    for year in sorted({m.year for m in months}):
        if set(months_between(date(year, 1, 1), date(year, 12, 1))) <= closed:
            out.append(Period(date(year, 1, 1), date(year, 12, 31), "year", str(year)))
    if months:
        start, last = min(first_month(community), months[0]), months[-1]
        if set(months_between(start, last)) <= closed:
            out.append(Period(start, _last_day(last), "programme", "programme"))
    return out


def choose(community: Community, args) -> Period:
    """The allowed period that `args` (a request's) asks for: PeriodNotAvailable otherwise."""
    return funder_period(args, allowed_periods(community))


def get_funder_report(community: Community, period: Period) -> dict:
    """The report of one allowed period as a funder sees it."""
    if (period.start, period.end) not in {(p.start, p.end) for p in allowed_periods(community)}:
        raise PeriodNotAvailable(field="period")
    report = get_report(community, period.start, period.end, suppress=True, raw=True)
    months = {}
    for month in months_between(period.start, period.end):
        if (month, _last_day(month)) == (period.start, period.end):
            months[month] = report
        else:
            months[month] = get_report(community, month, _last_day(month), suppress=True, raw=True, with_restated=False)
    # Restated figures are shown only where the published report shows the figure itself.
    return restated.published(privacy.suppress_consistently(report, months, community.suppression_threshold))
