"""Months as the app counts them: a month is its first day."""
from datetime import date


def parse_month(value: str) -> date:
    """'2026-11' -> date(2026, 11, 1); ValueError for anything else."""
    year, month = value.split("-")
    if len(year) != 4 or len(month) != 2:
        raise ValueError(value)
    return date(int(year), int(month), 1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)
