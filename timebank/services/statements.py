"""A member's statement: their postings, newest first, with whom and the balance after each.

Pages are keyed by the account's posting sequence (`before`), never by OFFSET, so the tenth
page costs what the first does, however long the history.
"""
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from ..dates import next_month
from ..extensions import db
from ..models import Account, AccountType, ActivityCategory, Entry, Membership, Posting
from ..models.types import utcnow
from ..pagination import PAGE_SIZE, page_of


@dataclass(frozen=True)
class Line:
    sequence: int
    entry_id: int
    kind: str
    occurred_on: date
    minutes: int
    balance_after: int
    activity: str | None
    others: tuple[str, ...]  # who the time went to or came from
    reverses_id: int | None
    #: Why, for a correction (the coordinator's reason for the reversal).
    reason: str | None = None
    #: When it was written to the ledger (a late entry is recorded after its service date).
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    #: Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


def statement_page(account_id: int, *, before: int | None = None, month: date | None = None, limit: int = PAGE_SIZE) -> Page:
    query = _postings(account_id, month)
    if before is not None:
        query = query.where(Posting.sequence < before)
    rows = db.session.execute(query.order_by(Posting.sequence.desc()).limit(limit + 1)).all()
    rows, next_before = page_of(rows, limit, key=lambda row: row.sequence)
    return Page(_with_others(account_id, rows), next_before)


def statement_lines(account_id: int, month: date | None = None, batch: int = 1000) -> Iterator[Line]:
    """Every line, newest first, fetched a batch at a time (for the CSV download)."""
    before = None
    while True:
        page = statement_page(account_id, before=before, month=month, limit=batch)
        yield from page.lines
        if page.next_before is None:
            return
        before = page.next_before


def totals(account_id: int, since: date | None = None) -> tuple[int, int]:
    """(minutes given, minutes received) on this account, since a date or in total."""
    given = func.coalesce(func.sum(Posting.minutes).filter(Posting.minutes > 0), 0)
    received = func.coalesce(-func.sum(Posting.minutes).filter(Posting.minutes < 0), 0)
    query = select(given, received).where(Posting.account_id == account_id)
    if since is not None:
        query = query.join(Entry, Entry.id == Posting.entry_id).where(Entry.occurred_on >= since)
    row = db.session.execute(query).one()
    return int(row[0]), int(row[1])


def this_month(community, now: datetime | None = None) -> date:
    return community.today(now or utcnow()).replace(day=1)


def _postings(account_id: int, month: date | None):
    query = (
        select(
            Posting.sequence,
            Posting.entry_id,
            Entry.kind,
            Entry.occurred_on,
            Posting.minutes,
            Posting.balance_after,
            ActivityCategory.name,
            Entry.reverses_id,
            Entry.reason,
            Entry.recorded_at,
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(ActivityCategory, ActivityCategory.id == Entry.activity_id)
        .where(Posting.account_id == account_id)
    )
    if month is not None:
        query = query.where(Entry.occurred_on >= month, Entry.occurred_on < next_month(month))
    return query


def _with_others(account_id: int, rows) -> list[Line]:
    """Name the other side of each entry with one query for the whole page (no query per row):
    the accounts whose postings have the opposite sign."""
    entry_ids = [row.entry_id for row in rows]
    others = defaultdict(list)
    if entry_ids:
        name = func.coalesce(Membership.name, Account.name)
        for entry_id, minutes, label, account_type in db.session.execute(
            select(Posting.entry_id, Posting.minutes, name, Account.type)
            .join(Account, Account.id == Posting.account_id)
            .outerjoin(Membership, Membership.id == Account.membership_id)
            .where(Posting.entry_id.in_(entry_ids), Posting.account_id != account_id)
            .order_by(Posting.id)
        ):
            others[entry_id].append((minutes, label or ("Community pot" if account_type == AccountType.POT else "")))
    lines = []
    for row in rows:
        opposite = [label for minutes, label in others[row.entry_id] if (minutes > 0) != (row.minutes > 0)]
        lines.append(
            Line(
                row.sequence,
                row.entry_id,
                row.kind,
                row.occurred_on,
                row.minutes,
                row.balance_after,
                row.name,
                tuple(opposite),
                row.reverses_id,
                row.reason if row.kind == "reversal" else None,
                row.recorded_at,
            )
        )
    return lines


# -- the statement page: by the date the time was given ---------------------------------------


@dataclass(frozen=True)
class DatedLine:
    line: Line
    #: The balance counting every exchange up to this one in order of service date.
    balance: int


@dataclass(frozen=True)
class MonthTotal:
    month: date
    given: int
    received: int


@dataclass(frozen=True)
class DatedPage:
    lines: list[DatedLine]
    #: The months the page's lines fall in, newest first, with their whole totals.
    months: list[MonthTotal]
    #: Pass as `before` for the next (older) page ("YYYY-MM-DD.sequence"); None on the last page.
    next_before: str | None


def parse_cursor(text: str | None) -> tuple[date, int] | None:
    """'2026-11-03.42' -> (date(2026, 11, 3), 42); None for anything else."""
    day, _dot, sequence = (text or "").partition(".")
    try:
        return date.fromisoformat(day), int(sequence)
    except ValueError:
        return None


def statement_by_date(
    account_id: int, *, before: tuple[date, int] | None = None, month: date | None = None, limit: int = PAGE_SIZE
) -> DatedPage:
    """A member's statement newest first by the date the time was given (then the order it
    was recorded in), a page at a time by key; with each month's totals and the balance by
    service date. Three queries, whatever the page."""
    from ..pagination import after_key

    key = (Entry.occurred_on, Posting.sequence)
    query = _postings(account_id, month)
    if before is not None:
        query = query.where(after_key(key, before, descending=True))
    rows = db.session.execute(query.order_by(Entry.occurred_on.desc(), Posting.sequence.desc()).limit(limit + 1)).all()
    rows, last = page_of(rows, limit, key=lambda row: (row.occurred_on, row.sequence))
    lines = _with_others(account_id, rows)
    dated = []
    if lines:
        top = (lines[0].occurred_on, lines[0].sequence)
        later = db.session.scalar(
            select(func.coalesce(func.sum(Posting.minutes), 0))
            .join(Entry, Entry.id == Posting.entry_id)
            .where(Posting.account_id == account_id, after_key(key, top))
        )
        balance = int(db.session.get(Account, account_id).balance) - int(later or 0)
        for line in lines:
            dated.append(DatedLine(line, balance))
            balance -= line.minutes
    return DatedPage(dated, _month_totals(account_id, lines), f"{last[0].isoformat()}.{last[1]}" if last else None)


def _month_totals(account_id: int, lines: list[Line]) -> list[MonthTotal]:
    months = sorted({line.occurred_on.replace(day=1) for line in lines}, reverse=True)
    if not months:
        return []
    totals = {}
    given = func.coalesce(func.sum(Posting.minutes).filter(Posting.minutes > 0), 0)
    received = func.coalesce(-func.sum(Posting.minutes).filter(Posting.minutes < 0), 0)
    for month in months:  # at most a page's worth of months, and usually one or two
        row = db.session.execute(
            select(given, received)
            .join(Entry, Entry.id == Posting.entry_id)
            .where(Posting.account_id == account_id, Entry.occurred_on >= month, Entry.occurred_on < next_month(month))
        ).one()
        totals[month] = MonthTotal(month, int(row[0]), int(row[1]))
    return [totals[month] for month in months]


def months_with_entries(account_id: int, today: date) -> list[date]:
    """The months a member may pick, newest first: from their first service date to this month."""
    first = db.session.scalar(
        select(func.min(Entry.occurred_on)).join(Posting, Posting.entry_id == Entry.id).where(Posting.account_id == account_id)
    )
    from ..dates import add_months, as_date

    first = as_date(first)
    month, start = today.replace(day=1), (first or today).replace(day=1)
    months = []
    while month >= start and len(months) < 120:
        months.append(month)
        month = add_months(month, -1)
    return months


@dataclass(frozen=True)
class EntryView:
    """One entry as its member reads it from their statement."""

    entry_id: int
    kind: str
    occurred_on: date
    recorded_at: datetime
    booked_on: date | None
    minutes: int  # this account's side, signed
    others: tuple[str, ...]
    activity: str | None
    note: str | None
    confirmed_by: str | None
    confirmation: str | None
    recorded_by: str | None
    reason: str | None
    reverses: tuple[int, date] | None  # (entry id, service date) of the entry a correction undoes
    reversed_by: tuple[int, date, str | None] | None  # the correction that undid this one, and why


def entry_for(account_id: int, entry_id: int) -> EntryView | None:
    """An entry this account has a side in (None for any other: the page answers 404)."""
    posting = db.session.scalar(select(Posting).where(Posting.account_id == account_id, Posting.entry_id == entry_id))
    if posting is None:
        return None
    entry = posting.entry
    others = _with_others(account_id, [_LineRow(posting, entry)])[0].others

    def person(user_id):  # the name they go by in this community, never an email
        if not user_id:
            return None
        return db.session.scalar(
            select(Membership.name).where(Membership.user_id == user_id, Membership.community_id == entry.community_id)
        )

    activity = db.session.get(ActivityCategory, entry.activity_id).name if entry.activity_id else None
    original = db.session.get(Entry, entry.reverses_id) if entry.reverses_id else None
    reversal = db.session.scalar(select(Entry).where(Entry.reverses_id == entry.id))
    return EntryView(
        entry.id, entry.kind, entry.occurred_on, entry.recorded_at, entry.booked_on, posting.minutes, others, activity,
        entry.note, person(entry.confirmed_by_id), entry.confirmation, person(entry.recorded_by_id), entry.reason,
        (original.id, original.occurred_on) if original is not None else None,
        (reversal.id, reversal.occurred_on, reversal.reason) if reversal is not None else None,
    )


@dataclass(frozen=True)
class _LineRow:
    """A posting and its entry in the shape `_with_others` reads."""

    posting: Posting
    entry: Entry

    def __getattr__(self, name):
        return {
            "sequence": self.posting.sequence, "entry_id": self.entry.id, "kind": self.entry.kind,
            "occurred_on": self.entry.occurred_on, "minutes": self.posting.minutes,
            "balance_after": self.posting.balance_after, "name": None, "reverses_id": self.entry.reverses_id,
            "reason": self.entry.reason, "recorded_at": self.entry.recorded_at,
        }[name]
