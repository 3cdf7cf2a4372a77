"""Days and months as the app counts them: a month is its first day. All month and day
arithmetic lives here."""
from datetime import date


def parse_month(value: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError for anything else."""
    year, month = value.split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(value)
    return date(int(year), int(month), 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after (or, negative, before) `month`."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def as_date(value) -> date | None:
    """A date from what the database returns for one: a date already (PostgreSQL), or an ISO
    string (SQLite returns dates computed in SQL, such as MIN(occurred_on), as text). None stays None."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
