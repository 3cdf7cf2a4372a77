"""`ledger verify`: check every invariant over every community, straight from the tables.

Each check is one query (or one streamed pass) over the whole ledger, so a tampered row is
found whatever path it took into the database. `verify(community_id)` checks one community's
rows only (the property tests use it after every step); the CLI always checks the whole
database. The triggers (I5) belong to the database, so they are checked either way.
"""
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, func, literal, or_, select, text
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Account, Community, Entry, Posting, ReportingPeriod
from . import rollups, triggers
from .periods import compute_seal

SHOW = 20  # violations listed per invariant


@dataclass
class Check:
    invariant: str
    description: str
    checked: int = 0
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def verify(community_id: int | None = None) -> list[Check]:
    """Every check, over the whole database, or over one community's rows if given."""
    c = community_id
    return [
        _i1_entries_balance(c),
        _i2_communities_sum_to_zero(c),
        _i3_cached_balances(c),
        _i3_balance_chain(c),
        _i4_limits(c),
        _i5_triggers(),
        _i6_idempotency(c),
        _i7_reversals(c),
        _i8_periods(c),
        _report_rollups(c),
    ]


def _in(column, community_id: int | None) -> list:
    """The WHERE clause that keeps a check to one community (none for the whole database)."""
    return [] if community_id is None else [column == community_id]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _i1_entries_balance(community_id=None) -> Check:
    scope = _in(Entry.community_id, community_id)
    check = Check("I1", "every entry has two or more postings, none zero, summing to zero", _count(Entry, *scope))
    zero = func.sum(case((Posting.minutes == 0, 1), else_=0))
    rows = db.session.execute(
        select(Entry.id, func.count(Posting.id), func.coalesce(func.sum(Posting.minutes), 0), zero)
        .outerjoin(Posting, Posting.entry_id == Entry.id)
        .where(*scope)
        .group_by(Entry.id)
        .having(or_(func.count(Posting.id) < 2, func.coalesce(func.sum(Posting.minutes), 0) != 0, zero > 0))
        .order_by(Entry.id)
        .limit(SHOW)
    )
    for entry_id, legs, total, zeros in rows:
        check.violations.append(f"entry {entry_id}: {legs} postings summing to {total} minutes, {zeros} of them zero")
    return check


def _i2_communities_sum_to_zero(community_id=None) -> Check:
    scope = _in(Community.id, community_id)
    check = Check("I2", "in each community the balances of all accounts sum to zero", _count(Community, *scope))
    rows = db.session.execute(
        select(Community.slug, func.sum(Account.balance))
        .join(Account, Account.community_id == Community.id)
        .where(*scope)
        .group_by(Community.slug)
        .having(func.sum(Account.balance) != 0)
    )
    for slug, total in rows:
        check.violations.append(f"community {slug}: balances sum to {total} minutes")
    return check


def _i3_cached_balances(community_id=None) -> Check:
    scope = _in(Account.community_id, community_id)
    check = Check("I3", "each cached balance equals the sum of its postings; sequences have no gaps", _count(Account, *scope))
    total = func.coalesce(func.sum(Posting.minutes), 0)
    legs = func.count(Posting.id)
    rows = db.session.execute(
        select(Account.id, Account.balance, Account.sequence, total, legs, func.min(Posting.sequence), func.max(Posting.sequence))
        .outerjoin(Posting, Posting.account_id == Account.id)
        .where(*scope)
        .group_by(Account.id, Account.balance, Account.sequence)
        .having(
            or_(
                Account.balance != total,
                Account.sequence != legs,
                and_(legs > 0, or_(func.min(Posting.sequence) != 1, func.max(Posting.sequence) != legs)),
            )
        )
        .order_by(Account.id)
        .limit(SHOW)
    )
    for account_id, cached, sequence, summed, n, low, high in rows:
        check.violations.append(
            f"account {account_id}: cached balance {cached}, postings sum to {summed}; "
            f"sequence {sequence}, {n} postings numbered {low} to {high}"
        )
    return check


def _postings_in(community_id) -> list:
    if community_id is None:
        return []
    return [Posting.account_id.in_(select(Account.id).where(Account.community_id == community_id))]


def _i3_balance_chain(community_id=None) -> Check:
    scope = _postings_in(community_id)
    check = Check("I3", "each posting's balance_after is the previous one's plus its minutes", _count(Posting, *scope))
    previous = func.lag(Posting.balance_after, 1, 0).over(partition_by=Posting.account_id, order_by=Posting.sequence)
    chain = (
        select(Posting.id, Posting.account_id, Posting.sequence, Posting.minutes, Posting.balance_after, previous.label("previous"))
        .where(*scope)
        .subquery()
    )
    rows = db.session.execute(
        select(chain)
        .where(chain.c.balance_after != chain.c.previous + chain.c.minutes)
        .order_by(chain.c.id)
        .limit(SHOW)
    )
    for row in rows:
        check.violations.append(
            f"posting {row.id} (account {row.account_id}, number {row.sequence}): balance after {row.balance_after}, "
            f"expected {row.previous + row.minutes}"
        )
    return check


def _i4_limits(community_id=None) -> Check:
    check = Check(
        "I4", "no posting took an account past its floor or ceiling without a reasoned override",
        _count(Posting, *_postings_in(community_id)),
    )
    rows = db.session.execute(
        select(Posting.id, Posting.account_id, Posting.balance_after, Account.floor, Account.ceiling)
        .join(Account, Account.id == Posting.account_id)
        .join(Entry, Entry.id == Posting.entry_id)
        .where(
            *_in(Account.community_id, community_id),
            Entry.limit_override.is_(False),
            Posting.sequence > Account.limits_from_sequence,
            or_(
                and_(Posting.minutes < 0, Account.floor.is_not(None), Posting.balance_after < Account.floor),
                and_(Posting.minutes > 0, Account.ceiling.is_not(None), Posting.balance_after > Account.ceiling),
            ),
        )
        .order_by(Posting.id)
        .limit(SHOW)
    )
    for posting_id, account_id, after, floor, ceiling in rows:
        check.violations.append(
            f"posting {posting_id}: account {account_id} reached {after} minutes (floor {floor}, ceiling {ceiling})"
        )
    return check


def _i5_triggers() -> Check:
    dialect = db.session.get_bind().dialect.name
    expected = triggers.expected_names(dialect)
    check = Check("I5", "the database refuses updates and deletes of entries, postings, closed periods and the audit log", len(expected))
    installed = set(db.session.scalars(text(triggers.INSTALLED_SQL[dialect])))
    for name in sorted(expected - installed):
        check.violations.append(f"trigger {name} is missing")
    return check


def _i6_idempotency(community_id=None) -> Check:
    scope = _in(Entry.community_id, community_id)
    check = Check("I6", "at most one entry per idempotency key in a community", _count(Entry, *scope))
    rows = db.session.execute(
        select(Entry.community_id, Entry.idempotency_key, func.count())
        .where(Entry.idempotency_key.is_not(None), *scope)
        .group_by(Entry.community_id, Entry.idempotency_key)
        .having(func.count() > 1)
        .limit(SHOW)
    )
    for community_id, key, n in rows:
        check.violations.append(f"community {community_id}: key {key!r} used by {n} entries")
    return check


def _i7_reversals(community_id=None) -> Check:
    original = aliased(Entry)
    scope = _in(Entry.community_id, community_id)
    check = Check(
        "I7",
        "each entry is reversed at most once, and each reversal mirrors its original exactly",
        db.session.scalar(select(func.count()).where(Entry.reverses_id.is_not(None), *scope)),
    )
    twice = db.session.execute(
        select(Entry.reverses_id, func.count())
        .where(Entry.reverses_id.is_not(None), *scope)
        .group_by(Entry.reverses_id)
        .having(func.count() > 1)
    )
    for entry_id, n in twice:
        check.violations.append(f"entry {entry_id} is reversed {n} times")
    mirrored = aliased(Posting)
    unmatched = (
        select(literal(1))
        .select_from(Posting)
        .where(
            Posting.entry_id == Entry.reverses_id,
            ~select(literal(1))
            .where(
                mirrored.entry_id == Entry.id,
                mirrored.account_id == Posting.account_id,
                mirrored.minutes == -Posting.minutes,
            )
            .exists(),
        )
        .exists()
    )
    legs_of = lambda entry_id: select(func.count()).where(Posting.entry_id == entry_id).scalar_subquery()  # noqa: E731
    rows = db.session.execute(
        select(Entry.id, original.kind, original.community_id, Entry.community_id)
        .join(original, original.id == Entry.reverses_id)
        .where(
            *scope,
            or_(
                unmatched,
                legs_of(Entry.id) != legs_of(Entry.reverses_id),
                original.kind == "reversal",
                original.community_id != Entry.community_id,
            )
        )
        .limit(SHOW)
    )
    for reversal_id, *_ in rows:
        check.violations.append(f"reversal {reversal_id} does not mirror the entry it reverses")
    return check


def _i8_periods(community_id=None) -> Check:
    periods = db.session.scalars(
        select(ReportingPeriod)
        .where(*_in(ReportingPeriod.community_id, community_id))
        .order_by(ReportingPeriod.community_id, ReportingPeriod.month)
    ).all()
    check = Check(
        "I8", "nothing is booked into a closed month, and each closed month's seal still matches the entries booked in it", len(periods)
    )
    for period in periods:
        digest, count = compute_seal(period.community_id, period.month)
        if digest != period.seal:
            check.violations.append(
                f"community {period.community_id}, {period.month:%Y-%m}: seal no longer matches "
                f"({count} entries now, {period.entry_count} when closed)"
            )
    # A late entry keeps its service date in a closed month but is booked in an open one: never
    # booked before its service date, nor into a month that was already closed when recorded.
    month_of_booking = func.substr(func.cast(Entry.booked_on, String), 1, 7)
    closed_first = (
        select(literal(1))
        .where(
            ReportingPeriod.community_id == Entry.community_id,
            func.substr(func.cast(ReportingPeriod.month, String), 1, 7) == month_of_booking,
            ReportingPeriod.closed_at < Entry.recorded_at,
        )
        .exists()
    )
    rows = db.session.scalars(
        select(Entry.id)
        .where(*_in(Entry.community_id, community_id), Entry.booked_on.is_not(None))
        .where(or_(Entry.booked_on < Entry.occurred_on, closed_first))
        .order_by(Entry.id)
        .limit(SHOW)
    )
    for entry_id in rows:
        check.violations.append(f"entry {entry_id}: a late entry booked before its date or into a month already closed")
    return check


def _report_rollups(community_id=None) -> Check:
    """Not one of DESIGN.md's invariants, but kept beside them: the monthly report rollups that
    the ledger core writes at posting time equal what the postings say."""
    communities = db.session.scalars(
        select(Community.id).where(*_in(Community.id, community_id)).order_by(Community.id)
    ).all()
    check = Check("R1", "the monthly report rollups equal the postings they sum", len(communities))
    for community_id in communities:
        for difference in rollups.differences(rollups.sums_between(community_id), rollups.stored(community_id)):
            check.violations.append(f"community {community_id}: {difference}")
    return check
