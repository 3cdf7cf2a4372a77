"""What the report reads: the monthly rollups for whole months, the postings for part months.

A period [start, end] is cut into the whole months inside it, read from the rollup tables and
summed in the database, and the days at either end that do not make a whole month, summed from
the postings by the same rule (`ledger.rollups.sums_between`). So a custom period gives the same
figures as if every day had its own rollup.
"""
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, false, func, select

from ..dates import as_date, next_month
from ..extensions import db
from ..ledger import rollups
from ..models import (
    Account,
    AccountMonth,
    AccountType,
    Entry,
    EntryMonth,
    KindMonth,
    MemberKind,
    Membership,
    MembershipStatus,
    PairMonth,
)


def _month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


#: Sums of part-month days from the postings: (start, end, part) -> `rollups.Sums` with that
#: part filled in. A report passes one that remembers, so each is summed once per report.
EdgeSums = Callable[[date, date, str], rollups.Sums]


def split(start: date | None, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """(first whole month, last whole month) or None, and the part-month day ranges."""
    first = start if start is None or start.day == 1 else next_month(start)
    last_end = end if end == _month_end(end.replace(day=1)) else end.replace(day=1) - timedelta(days=1)
    last = last_end.replace(day=1)
    if first is not None and first > last:
        return None, [(start, end)]
    edges = []
    if start is not None and start < first:
        edges.append((start, first - timedelta(days=1)))
    if last_end < end:
        edges.append((last_end + timedelta(days=1), end))
    return (first, last), edges


def split_for(community_id: int, start: date | None, end: date) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """`split`, then a part month whose other days hold no entry at all (the month so far, when
    nothing can be dated after today) is read as the whole month from the rollups."""
    whole, edges = split(start, end)
    kept = []
    for edge_start, edge_end in edges:
        month = edge_start.replace(day=1)
        last = _month_end(month)
        if edge_end > last or _any_entry(community_id, month, edge_start, edge_end, last):
            kept.append((edge_start, edge_end))
        elif whole is None:
            whole = (month, month)
        elif month == next_month(whole[1]):
            whole = (whole[0], month)
        elif whole[0] is not None and next_month(month) == whole[0]:
            whole = (month, whole[1])
        else:
            kept.append((edge_start, edge_end))
    return whole, kept


def _any_entry(community_id: int, month: date, edge_start: date, edge_end: date, last: date) -> bool:
    """Whether any entry is dated in `month` outside [edge_start, edge_end]."""
    return bool(db.session.scalar(
        select(Entry.id).where(
            Entry.community_id == community_id,
            ((Entry.occurred_on >= month) & (Entry.occurred_on < edge_start))
            | ((Entry.occurred_on > edge_end) & (Entry.occurred_on <= last)),
        ).limit(1)
    ))


@dataclass
class Members:
    """The community's member accounts (people, not organisations or the pot)."""

    #: account id -> (joined_on, left_on, status, kind code now)
    accounts: dict[int, tuple] = field(default_factory=dict)

    def registered(self, on: date) -> set[int]:
        return {
            account
            for account, (joined, left, status, _) in self.accounts.items()
            if status != MembershipStatus.PENDING and joined <= on and (left is None or left > on)
        }


def members(community_id: int) -> Members:
    rows = db.session.execute(
        select(Account.id, Membership.joined_on, Membership.left_on, Membership.status, MemberKind.code)
        .join(Membership, Membership.id == Account.membership_id)
        .outerjoin(MemberKind, MemberKind.id == Membership.kind_id)
        .where(Account.community_id == community_id, Account.type == AccountType.MEMBER)
    )
    return Members({row[0]: tuple(row[1:]) for row in rows})


def account_months(community_id: int, start: date | None, end: date, edge: EdgeSums) -> dict[tuple[int, date, str], list]:
    """(account, month, kind) -> [given, received, entries, first given on, first received on]."""
    whole, edges = split_for(community_id, start, end)
    out: dict = {}
    if whole is not None:
        query = select(
            AccountMonth.account_id, AccountMonth.month, AccountMonth.holder_kind, AccountMonth.given,
            AccountMonth.received, AccountMonth.entries, AccountMonth.first_given_on, AccountMonth.first_received_on,
        ).where(AccountMonth.community_id == community_id, AccountMonth.month <= whole[1], AccountMonth.entries != 0)
        if whole[0] is not None:
            query = query.where(AccountMonth.month >= whole[0])
        for row in db.session.execute(query):
            out[(row[0], row[1], row[2])] = list(row[3:])
    for edge_start, edge_end in edges:
        for key, value in edge(edge_start, edge_end, "accounts").accounts.items():
            out[key] = value
    return {key: value for key, value in out.items() if value[2]}


@dataclass
class PairFlows:
    """Every (giver, receiver, giver kind, receiver kind) that exchanged by `end`: the minutes
    and entries in the period, and the month they first exchanged. Read in one pass over the
    pair rollup, which the graph, the people behind each role-flow cell and new ties share."""

    #: (giver, receiver, giver kind, receiver kind) -> [minutes in T, entries in T, first month]
    rows: dict = field(default_factory=dict)

    def in_period(self):
        return ((key, value[0]) for key, value in self.rows.items() if value[1] > 0)


def pair_flows(community_id: int, start: date, end: date, edge: EdgeSums) -> PairFlows:
    history, history_edges = split_for(community_id, None, end)
    period, period_edges = split_for(community_id, start, end)
    flows = PairFlows()
    if history is not None:
        key = (PairMonth.giver_account_id, PairMonth.receiver_account_id, PairMonth.giver_kind, PairMonth.receiver_kind)
        in_t = (PairMonth.month >= period[0]) & (PairMonth.month <= period[1]) if period is not None else false()
        for g, r, gk, rk, minutes, entries, first in db.session.execute(
            select(
                *key,
                func.sum(case((in_t, PairMonth.minutes), else_=0.0)),
                func.sum(case((in_t, PairMonth.entries), else_=0)),
                func.min(case((PairMonth.entries > 0, PairMonth.month))),
            )
            .where(PairMonth.community_id == community_id, PairMonth.month <= history[1])
            .group_by(*key)
        ):
            flows.rows[(g, r, gk, rk)] = [float(minutes), int(entries), as_date(first)]
    for edge_start, edge_end in period_edges:
        for (g, r, _, gk, rk), (minutes, entries) in edge(edge_start, edge_end, "pairs").pairs.items():
            if entries:
                row = flows.rows.setdefault((g, r, gk, rk), [0.0, 0, None])
                row[0] += minutes
                row[1] += entries
    for edge_start, edge_end in history_edges:
        for (g, r, month, gk, rk), (_, entries) in edge(edge_start, edge_end, "pairs").pairs.items():
            if entries:
                row = flows.rows.setdefault((g, r, gk, rk), [0.0, 0, None])
                row[2] = month if row[2] is None else min(row[2], month)
    return flows



def kind_flows(community_id: int, start: date, end: date, edge: EdgeSums) -> dict[tuple[str, str], float]:
    whole, edges = split_for(community_id, start, end)
    out: dict = defaultdict(float)
    if whole is not None:
        for giver, receiver, minutes in db.session.execute(
            select(KindMonth.giver_kind, KindMonth.receiver_kind, func.sum(KindMonth.minutes))
            .where(KindMonth.community_id == community_id, KindMonth.month >= whole[0], KindMonth.month <= whole[1])
            .group_by(KindMonth.giver_kind, KindMonth.receiver_kind)
        ):
            out[(giver, receiver)] += minutes
    for edge_start, edge_end in edges:
        for (_, giver, receiver), minutes in edge(edge_start, edge_end, "kinds").kinds.items():
            out[(giver, receiver)] += minutes
    return {key: value for key, value in out.items() if abs(value) > 1e-6}


#: The columns of an entry bucket, after the community: see `models.EntryMonth`.
ENTRY_COLUMNS = rollups.ENTRY_KEY[1:]


def entry_buckets(community_id: int, start: date, end: date, edge: EdgeSums) -> dict[tuple, int]:
    """(month, kind, flow, confirmation, step, rung, size) -> entries in the period."""
    whole, edges = split_for(community_id, start, end)
    out: dict = defaultdict(int)
    if whole is not None:
        columns = [getattr(EntryMonth, name) for name in ENTRY_COLUMNS]
        for row in db.session.execute(
            select(*columns, EntryMonth.entries).where(
                EntryMonth.community_id == community_id, EntryMonth.month >= whole[0], EntryMonth.month <= whole[1],
                EntryMonth.entries != 0,
            )
        ):
            out[tuple(row[:-1])] += row[-1]
    for edge_start, edge_end in edges:
        for key, count in edge(edge_start, edge_end, "entries").entries.items():
            out[key] += count
    return {key: value for key, value in out.items() if value}
