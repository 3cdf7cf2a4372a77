"""The period a report covers, as the page, a CSV or the JSON asks for it.

- `?period=2026-10` a month, `?period=2026-Q3` a quarter, `?period=2026` a year;
- `?from=2026-01-01&to=2026-03-31` any dates (to on or after from, at most five years apart,
  nothing after today);
- nothing: the current year to date.

A month, quarter or year that has not finished ends today. Anything else raises InvalidPeriod,
which the page shows as a message and the JSON as `{"error": {"code": "invalid_period", ...}}`.

That is for coordinators. Funders choose only from the periods made of closed months
(`metrics.funder_periods.allowed_periods`): `funder_period` picks one of them by its value
(`?period=2026-10`, `2026-Q3`, `2026`, `programme`) or by its exact dates, and anything else
raises PeriodNotAvailable (`period_not_available`): never a live or part period.
"""
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..dates import next_month
from ..errors import InvalidInput

MAX_SPAN_DAYS = 5 * 366
EARLIEST = date(2000, 1, 1)
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER_RE = re.compile(r"^(\d{4})-[Qq]([1-4])$")
YEAR_RE = re.compile(r"^(\d{4})$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class InvalidPeriod(InvalidInput):
    code = "invalid_period"
    status = 400


class PeriodNotAvailable(InvalidPeriod):
    """A funder asked for a period that is not one of the closed months, quarters, years or the
    programme to date."""

    code = "period_not_available"
    message = _l("That period cannot be shown. Funders see whole closed months, quarters and years, and the whole programme to the last closed month: choose one from the list.")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    #: month, quarter, year, programme or custom
    kind: str
    #: what was asked for: "2026-10", "2026-Q3", "2026"; empty for custom dates
    value: str = ""
    #: True when the month, quarter or year has not finished and so ends today
    to_date: bool = False

    @property
    def label(self) -> str:
        if self.kind == "month":
            text = format_date(self.start, "MMMM yyyy")
        elif self.kind == "quarter":
            year, quarter = self.value.upper().split("-")
            text = _("%(quarter)s %(year)s", quarter=quarter, year=year)
        elif self.kind == "year":
            text = str(self.start.year)
        elif self.kind == "programme":
            return _("The whole programme, %(start)s to %(end)s",
                     start=format_date(self.start, "MMMM yyyy"), end=format_date(self.end, "MMMM yyyy"))
        else:
            return _("%(start)s to %(end)s", start=format_date(self.start, "d MMMM yyyy"), end=format_date(self.end, "d MMMM yyyy"))
        if self.to_date:
            return _("%(period)s, to %(today)s", period=text, today=format_date(self.end, "d MMMM yyyy"))
        return text

    def query(self) -> dict:
        """The dates as the CSV and JSON links take them (a funder's period too: `funder_period`
        finds it again by its exact dates)."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _named_bounds(kind: str, value: str) -> tuple[date, date]:
    if kind == "month":
        year, month = MONTH_RE.match(value).groups()
        start = date(int(year), int(month), 1)
        return start, next_month(start) - timedelta(days=1)
    if kind == "quarter":
        year, quarter = QUARTER_RE.match(value).groups()
        start = date(int(year), 3 * int(quarter) - 2, 1)
        return start, next_month(next_month(next_month(start))) - timedelta(days=1)
    year = int(YEAR_RE.match(value).group(1))
    return date(year, 1, 1), date(year, 12, 31)


def _named(value: str, today: date) -> Period:
    value = value.strip()
    if MONTH_RE.match(value):
        kind = "month"
    elif QUARTER_RE.match(value):
        kind, value = "quarter", value.upper()
    elif YEAR_RE.match(value):
        kind = "year"
    else:
        raise InvalidPeriod(_("Choose a period like 2026-10 (a month), 2026-Q3 (a quarter) or 2026 (a year)."), field="period")
    try:
        start, end = _named_bounds(kind, value)
    except ValueError:
        raise InvalidPeriod(_("There is no month %(value)s. Months run from 01 to 12.", value=value), field="period") from None
    if start < EARLIEST:
        raise InvalidPeriod(_("Choose a period from %(year)d onwards.", year=EARLIEST.year), field="period")
    if start > today:
        raise InvalidPeriod(_("%(value)s has not started yet. Choose a period up to today.", value=value), field="period")
    return Period(start, min(end, today), kind, value, to_date=end > today)


def _day(value: str, field: str, label: str) -> date:
    if not DATE_RE.match(value):
        raise InvalidPeriod(_("Enter the %(which)s date as year-month-day, for example 2026-01-31.", which=label), field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidPeriod(_("The %(which)s date %(value)s does not exist.", which=label, value=value), field=field) from None


def _custom(start_text: str, end_text: str, today: date) -> Period:
    start = _day(start_text, "from", _("start"))
    end = _day(end_text, "to", _("end"))
    if end < start:
        raise InvalidPeriod(_("The end date must be the same as the start date or after it."), field="to")
    if start < EARLIEST:
        raise InvalidPeriod(_("Choose dates from %(year)d onwards.", year=EARLIEST.year), field="from")
    if end > today:
        raise InvalidPeriod(
            _("The end date cannot be after today (%(today)s).", today=today.isoformat()), field="to"
        )
    if (end - start).days > MAX_SPAN_DAYS:
        raise InvalidPeriod(_("A report can cover at most five years. Choose dates closer together."), field="from")
    return Period(start, end, "custom")


def default_period(today: date) -> Period:
    """The current year to date."""
    return _named(str(today.year), today)


def parse_period(args, today: date) -> Period:
    """The period that `args` (request.args) asks for; InvalidPeriod if it makes no sense."""
    period = (args.get("period") or "").strip()
    start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if period and period != "custom":
        return _named(period, today)
    if start or end:
        if not start:
            raise InvalidPeriod(_("Enter the start date as well as the end date."), field="from")
        if not end:
            raise InvalidPeriod(_("Enter the end date as well as the start date."), field="to")
        return _custom(start, end, today)
    if period == "custom":
        raise InvalidPeriod(_("Enter a start and an end date."), field="from")
    return default_period(today)


class NoPeriodYet(PeriodNotAvailable):
    """A funder asked for nothing in particular, and no month is closed yet."""

    message = _l("No period can be shown yet: a report for funders covers only months a coordinator has closed, and none is closed.")


def funder_period(args, allowed: list[Period]) -> Period:
    """The one of `allowed` that `args` asks for (by value, or by its exact dates); the latest
    closed quarter, else the latest closed month, when nothing is asked; PeriodNotAvailable for
    anything else."""
    value = (args.get("period") or "").strip()
    start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not allowed:
        raise NoPeriodYet(field="period") if not (value or start or end) else PeriodNotAvailable(field="period")
    if value and value != "custom":
        for period in allowed:
            if period.value.upper() == value.upper():
                return period
    elif start or end:
        for period in allowed:
            if (period.start.isoformat(), period.end.isoformat()) == (start, end):
                return period
    elif not value:
        return default_funder_period(allowed)
    raise PeriodNotAvailable(field="period")


def default_funder_period(allowed: list[Period]) -> Period:
    for kind in ("quarter", "month"):
        chosen = [period for period in allowed if period.kind == kind]
        if chosen:
            return max(chosen, key=lambda period: period.start)
    return allowed[-1]
