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
            )
        )
    return lines
