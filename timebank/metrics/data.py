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

from sqlalchemy import case, func, select, union

from ..dates import next_month
from ..extensions import db
from ..ledger import rollups
from ..models import (
    Account,
    AccountMonth,
    AccountType,
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
    whole, edges = split(start, end)
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


def cell_people(community_id: int, start: date, end: date, edge: EdgeSums, not_people: set[str]) -> dict[tuple[str, str], set[int]]:
    """(giver kind, receiver kind) -> the accounts that gave or received in that cell of the
    role-flow matrix in the period, by the kinds on the postings (accounts of the kinds in
    `not_people` left out). The database lists each account once per cell."""
    whole, edges = split(start, end)
    out: dict = defaultdict(set)
    if whole is not None:
        in_period = (
            PairMonth.community_id == community_id, PairMonth.month >= whole[0], PairMonth.month <= whole[1],
            PairMonth.entries > 0,
        )
        givers = select(PairMonth.giver_kind, PairMonth.receiver_kind, PairMonth.giver_account_id).where(
            *in_period, PairMonth.giver_kind.not_in(not_people)
        )
        receivers = select(PairMonth.giver_kind, PairMonth.receiver_kind, PairMonth.receiver_account_id).where(
            *in_period, PairMonth.receiver_kind.not_in(not_people)
        )
        for giver_kind, receiver_kind, account in db.session.execute(union(givers, receivers)):
            out[(giver_kind, receiver_kind)].add(account)
    for edge_start, edge_end in edges:
        for (giver, receiver, _, gk, rk), (_, entries) in edge(edge_start, edge_end, "pairs").pairs.items():
            if entries:
                out[(gk, rk)].update(a for a, kind in ((giver, gk), (receiver, rk)) if kind not in not_people)
    return dict(out)


def pairs(community_id: int, start: date | None, end: date, edge: EdgeSums) -> dict[tuple[int, int], float]:
    """(giver, receiver) -> minutes in the period, every kind of account."""
    whole, edges = split(start, end)
    out: dict = defaultdict(float)
    if whole is not None:
        query = (
            select(PairMonth.giver_account_id, PairMonth.receiver_account_id, func.sum(PairMonth.minutes))
            .where(PairMonth.community_id == community_id, PairMonth.month <= whole[1])
            .group_by(PairMonth.giver_account_id, PairMonth.receiver_account_id)
            .having(func.sum(PairMonth.entries) > 0)
        )
        if whole[0] is not None:
            query = query.where(PairMonth.month >= whole[0])
        for giver, receiver, minutes in db.session.execute(query):
            out[(giver, receiver)] += minutes
    for edge_start, edge_end in edges:
        for (giver, receiver, *_), (minutes, entries) in edge(edge_start, edge_end, "pairs").pairs.items():
            if entries:
                out[(giver, receiver)] += minutes
    return dict(out)


def first_tie_months(community_id: int, end: date, edge: EdgeSums) -> dict[tuple[int, int], date]:
    """Each unordered pair of accounts that exchanged by `end` -> the month they first did."""
    low = case((PairMonth.giver_account_id < PairMonth.receiver_account_id, PairMonth.giver_account_id),
               else_=PairMonth.receiver_account_id)
    high = case((PairMonth.giver_account_id < PairMonth.receiver_account_id, PairMonth.receiver_account_id),
                else_=PairMonth.giver_account_id)
    whole, edges = split(None, end)
    out: dict = {}
    if whole is not None:
        for a, b, month in db.session.execute(
            select(low, high, func.min(PairMonth.month))
            .where(PairMonth.community_id == community_id, PairMonth.month <= whole[1], PairMonth.entries > 0)
            .group_by(low, high)
        ):
            out[(a, b)] = month
    for edge_start, edge_end in edges:
        for (giver, receiver, month, *_), (_, entries) in edge(edge_start, edge_end, "pairs").pairs.items():
            key = (min(giver, receiver), max(giver, receiver))
            if entries and key not in out:
                out[key] = month
    return out


def kind_flows(community_id: int, start: date, end: date, edge: EdgeSums) -> dict[tuple[str, str], float]:
    whole, edges = split(start, end)
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
    whole, edges = split(start, end)
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
