"""Monthly report rollups: written by the ledger core with the postings, checked by verify.

One rule turns entries into report sums (`Sums.add`), and it is used three ways:
- at posting time, by `core.post_entries`, for the entries it writes (`record`);
- by `ledger verify`, which recomputes every community's rollups from the postings
  (`sums_between` over all time) and compares them with the tables;
- by the report, for the days of a period that do not cover a whole month.

Counting (METRICS.md, notation): only posted entries count, and a reversed entry and its
reversal both drop out. At posting time a reversal subtracts its original's contribution from
the original's month, with the original's attributes and kind snapshots; from the postings,
such pairs are skipped. Minutes from giver to receiver: each receiver's minutes are split
across the entry's givers in proportion to what each gave.
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Date, Float, and_, case, cast, func, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..dates import as_date, next_month
from ..extensions import db
from ..models import ORGANISATION_KIND, POT_KIND, AccountMonth, Entry, EntryMonth, KindMonth, PairMonth, Posting

#: How the rows of each rollup are keyed (the primary key columns, community first where held).
ACCOUNT_KEY = ("account_id", "month", "holder_kind")
PAIR_KEY = ("giver_account_id", "receiver_account_id", "month", "giver_kind", "receiver_kind")
KIND_KEY = ("community_id", "month", "giver_kind", "receiver_kind")
ENTRY_KEY = ("community_id", "month", "kind", "flow", "confirmation", "coproduction_step", "ladder_rung", "size")


@dataclass(frozen=True)
class EntryFacts:
    """What the rollups need to know of an entry: its attributes and (account, minutes, kind) legs."""

    occurred_on: date
    kind: str
    confirmation: str | None
    coproduction_step: str | None
    ladder_rung: str | None
    legs: tuple[tuple[int, int, str], ...]


def month_of(day: date) -> date:
    return day.replace(day=1)


def flow_of(kinds: Iterable[str]) -> str:
    """Which kinds of account took part: 'pot', 'organisation', or 'member' (members only)."""
    kinds = set(kinds)
    if POT_KIND in kinds:
        return "pot"
    if ORGANISATION_KIND in kinds:
        return "organisation"
    return "member"


def flows(legs: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str, str, float]]:
    """(giver, receiver, giver kind, receiver kind, minutes) for every giver and receiver."""
    givers = [(account, minutes, kind) for account, minutes, kind in legs if minutes > 0]
    total = sum(minutes for _, minutes, _ in givers)
    out = []
    for receiver, minutes, receiver_kind in legs:
        if minutes >= 0:
            continue
        for giver, given, giver_kind in givers:
            share = -minutes if len(givers) == 1 else -minutes * given / total
            out.append((giver, receiver, giver_kind, receiver_kind, share))
    return out


@dataclass
class Sums:
    """Rollup deltas (or totals) for one community, keyed like the tables."""

    community_id: int
    #: (account, month, kind) -> [given, received, entries, first given on, first received on]
    accounts: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, None, None]))
    #: (giver, receiver, month, giver kind, receiver kind) -> [minutes, entries]
    pairs: dict = field(default_factory=lambda: defaultdict(lambda: [0.0, 0]))
    #: (month, giver kind, receiver kind) -> minutes
    kinds: dict = field(default_factory=lambda: defaultdict(float))
    #: (month, kind, flow, confirmation, step, rung, size) -> entries
    entries: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, facts: EntryFacts, sign: int = 1) -> None:
        month = month_of(facts.occurred_on)
        day = facts.occurred_on if sign > 0 else None
        for account, minutes, kind in facts.legs:
            row = self.accounts[(account, month, kind)]
            if minutes > 0:
                row[0] += sign * minutes
                row[3] = _earliest(row[3], day)
            else:
                row[1] -= sign * minutes
                row[4] = _earliest(row[4], day)
            row[2] += sign
        for giver, receiver, giver_kind, receiver_kind, minutes in flows(facts.legs):
            pair = self.pairs[(giver, receiver, month, giver_kind, receiver_kind)]
            pair[0] += sign * minutes
            pair[1] += sign  # an account appears once in an entry, so each pair once too
            self.kinds[(month, giver_kind, receiver_kind)] += sign * minutes
        size = sum(minutes for _, minutes, _ in facts.legs if minutes > 0)
        key = (
            month,
            facts.kind,
            flow_of(kind for _, _, kind in facts.legs),
            facts.confirmation or "",
            facts.coproduction_step or "",
            facts.ladder_rung or "",
            size,
        )
        self.entries[key] += sign


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


# -- at posting time --------------------------------------------------------------------------


def record(community_id: int, written: Sequence[tuple[EntryFacts, int | None]]) -> None:
    """Add the entries just written (facts, and the id they reverse or None) to the rollups."""
    sums = Sums(community_id)
    originals = _originals([reverses for _, reverses in written if reverses is not None])
    recount_first = set()
    for facts, reverses in written:
        if reverses is None:
            sums.add(facts)
        else:
            original = originals[reverses]
            sums.add(original, sign=-1)
            month = month_of(original.occurred_on)
            recount_first.update((account, month, kind) for account, _, kind in original.legs)
    _write(sums)
    if recount_first:
        _recount_first_days(community_id, recount_first)


def _originals(entry_ids: list[int]) -> dict[int, EntryFacts]:
    if not entry_ids:
        return {}
    rows = db.session.execute(
        select(
            Entry.id, Entry.occurred_on, Entry.kind, Entry.confirmation, Entry.coproduction_step, Entry.ladder_rung,
            Posting.account_id, Posting.minutes, Posting.holder_kind,
        )
        .join(Posting, Posting.entry_id == Entry.id)
        .where(Entry.id.in_(entry_ids))
        .order_by(Entry.id, Posting.id)
    )
    return dict(_facts_by_entry(rows))


def _facts_by_entry(rows) -> Iterable[tuple[int, EntryFacts]]:
    """Group (entry columns..., account, minutes, kind) rows, ordered by entry, into facts."""
    current, head, legs = None, None, []
    for row in rows:
        if row[0] != current:
            if current is not None:
                yield current, EntryFacts(*head, legs=tuple(legs))
            current, head, legs = row[0], tuple(row[1:6]), []
        legs.append((row[6], row[7], row[8]))
    if current is not None:
        yield current, EntryFacts(*head, legs=tuple(legs))


def _upsert(model, key: tuple[str, ...], rows: list[dict], updates) -> None:
    if not rows:
        return
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(index_elements=list(key), set_=updates(table, statement.excluded))
    # Sorted by key, so that two writers touching shared rows take their locks in one order.
    rows.sort(key=lambda row: tuple(row[column] for column in key))
    db.session.execute(statement, rows)


def _write(sums: Sums) -> None:
    community = sums.community_id
    _upsert(
        AccountMonth,
        ACCOUNT_KEY,
        [
            {
                "account_id": account, "month": month, "holder_kind": kind, "community_id": community,
                "given": v[0], "received": v[1], "entries": v[2], "first_given_on": v[3], "first_received_on": v[4],
            }
            for (account, month, kind), v in sums.accounts.items()
        ],
        lambda t, ex: {
            "given": t.c.given + ex.given,
            "received": t.c.received + ex.received,
            "entries": t.c.entries + ex.entries,
            "first_given_on": _sql_earliest(t.c.first_given_on, ex.first_given_on),
            "first_received_on": _sql_earliest(t.c.first_received_on, ex.first_received_on),
        },
    )
    _upsert(
        PairMonth,
        PAIR_KEY,
        [
            {
                "giver_account_id": g, "receiver_account_id": r, "month": m, "giver_kind": gk, "receiver_kind": rk,
                "community_id": community, "minutes": v[0], "entries": v[1],
            }
            for (g, r, m, gk, rk), v in sums.pairs.items()
        ],
        lambda t, ex: {"minutes": t.c.minutes + ex.minutes, "entries": t.c.entries + ex.entries},
    )
    _upsert(
        KindMonth,
        KIND_KEY,
        [
            {"community_id": community, "month": m, "giver_kind": g, "receiver_kind": r, "minutes": v}
            for (m, g, r), v in sums.kinds.items()
        ],
        lambda t, ex: {"minutes": t.c.minutes + ex.minutes},
    )
    _upsert(
        EntryMonth,
        ENTRY_KEY,
        [dict(zip(ENTRY_KEY, (community, *key), strict=True), entries=v) for key, v in sums.entries.items()],
        lambda t, ex: {"entries": t.c.entries + ex.entries},
    )


def _sql_earliest(current, new):
    return case((current.is_(None), new), (new.is_(None), current), (new < current, new), else_=current)


def _recount_first_days(community_id: int, keys: set[tuple[int, date, str]]) -> None:
    """After a reversal, the first day an account gave or received in a month is found again
    from the postings that still count (a MIN cannot be undone by subtraction)."""
    months = {month for _, month, _ in keys}
    firsts = {
        (account, as_date(month), kind): (as_date(given), as_date(received))
        for account, kind, month, given, received in db.session.execute(
            select(
                Posting.account_id, Posting.holder_kind, _month_expr(Entry.occurred_on),
                _first(Posting.minutes > 0), _first(Posting.minutes < 0),
            )
            .join(Entry, Entry.id == Posting.entry_id)
            .where(
                Posting.account_id.in_(sorted({account for account, _, _ in keys})),
                Entry.community_id == community_id,
                Entry.occurred_on >= min(months),
                Entry.occurred_on < next_month(max(months)),
                *_counted(Entry),
            )
            .group_by(Posting.account_id, Posting.holder_kind, _month_expr(Entry.occurred_on))
        )
    }
    table = AccountMonth.__table__
    for key in sorted(keys):
        given, received = firsts.get(key, (None, None))
        db.session.execute(
            table.update()
            .where(table.c.account_id == key[0], table.c.month == key[1], table.c.holder_kind == key[2])
            .values(first_given_on=given, first_received_on=received)
        )


def _first(condition):
    return func.min(case((condition, Entry.occurred_on), else_=None))



_REVERSAL = aliased(Entry)  # one alias, so that statements using it are compiled once


def _counted(entry) -> list:
    """Conditions for an entry that counts: not a reversal, and not reversed."""
    return [
        entry.reverses_id.is_(None),
        ~select(_REVERSAL.id).where(_REVERSAL.reverses_id == entry.id).exists(),
    ]


# -- from the postings ------------------------------------------------------------------------


PARTS = frozenset({"accounts", "pairs", "kinds", "entries"})


def sums_between(community_id: int, start: date | None = None, end: date | None = None, parts=PARTS) -> Sums:
    """The rollups recomputed from the postings of entries dated in [start, end] (inclusive);
    only the `parts` asked for (the others are left empty).

    Summed by the database (the same rule as `Sums.add`, written a second time in SQL), so
    that `ledger verify` checks the posting-time path against an independent one, and a part
    month of a report costs one pass of a few grouped queries.
    """
    conditions = [Entry.community_id == community_id, *_counted(Entry)]
    if start is not None:
        conditions.append(Entry.occurred_on >= start)
    if end is not None:
        conditions.append(Entry.occurred_on <= end)
    e = select(
        Entry.id, _month_expr(Entry.occurred_on).label("month"), Entry.occurred_on, Entry.kind,
        Entry.confirmation, Entry.coproduction_step, Entry.ladder_rung,
    ).where(and_(*conditions)).cte("counted_entry")
    sums = Sums(community_id)
    positive, negative = Posting.minutes > 0, Posting.minutes < 0
    if "accounts" in parts:
        _account_sums(sums, e, positive, negative)
    per_entry = _per_entry(e, positive)
    if "entries" in parts:
        _entry_sums(sums, per_entry)
    if parts & {"pairs", "kinds"}:
        _flow_sums(sums, per_entry, parts)
    return sums


def _account_sums(sums: Sums, e, positive, negative) -> None:
    for account, month, kind, given, received, entries, first_given, first_received in db.session.execute(
        select(
            Posting.account_id, e.c.month, Posting.holder_kind,
            func.sum(case((positive, Posting.minutes), else_=0)),
            func.sum(case((negative, -Posting.minutes), else_=0)),
            func.count(),
            func.min(case((positive, e.c.occurred_on))),
            func.min(case((negative, e.c.occurred_on))),
        )
        .join(e, e.c.id == Posting.entry_id)
        .group_by(Posting.account_id, e.c.month, Posting.holder_kind)
    ):
        sums.accounts[(account, as_date(month), kind)] = [
            int(given), int(received), entries, as_date(first_given), as_date(first_received),
        ]



def _per_entry(e, positive):
    attributes = (e.c.month, e.c.kind, e.c.confirmation, e.c.coproduction_step, e.c.ladder_rung)
    return (
        select(
            Posting.entry_id.label("entry_id"),
            *attributes,
            func.sum(case((positive, Posting.minutes), else_=0)).label("size"),
            func.sum(case((positive, 1), else_=0)).label("givers"),
            func.max(case((Posting.holder_kind == POT_KIND, 2), (Posting.holder_kind == ORGANISATION_KIND, 1), else_=0)).label("flow"),
        )
        .join(e, e.c.id == Posting.entry_id)
        .group_by(Posting.entry_id, *attributes)
        .subquery()
    )


def _entry_sums(sums: Sums, per_entry) -> None:
    flow_names = {0: "member", 1: "organisation", 2: "pot"}
    columns = (per_entry.c.month, per_entry.c.kind, per_entry.c.flow, per_entry.c.confirmation,
               per_entry.c.coproduction_step, per_entry.c.ladder_rung, per_entry.c.size)
    for month, kind, flow, confirmation, step, rung, size, entries in db.session.execute(
        select(*columns, func.count()).group_by(*columns)
    ):
        key = (as_date(month), kind, flow_names[flow], confirmation or "", step or "", rung or "", int(size))
        sums.entries[key] += entries


def _flow_sums(sums: Sums, per_entry, parts) -> None:
    giver, receiver = aliased(Posting), aliased(Posting)
    weight = case(
        (per_entry.c.givers == 1, cast(-receiver.minutes, Float)),
        else_=cast(-receiver.minutes * giver.minutes, Float) / per_entry.c.size,
    )
    legs = (
        select(
            per_entry.c.entry_id, per_entry.c.month, giver.account_id.label("giver"),
            receiver.account_id.label("receiver"), giver.holder_kind.label("giver_kind"),
            receiver.holder_kind.label("receiver_kind"), weight.label("minutes"),
        )
        .select_from(per_entry)
        .join(giver, and_(giver.entry_id == per_entry.c.entry_id, giver.minutes > 0))
        .join(receiver, and_(receiver.entry_id == per_entry.c.entry_id, receiver.minutes < 0))
        .subquery()
    )
    if "pairs" in parts:
        pair_key = (legs.c.giver, legs.c.receiver, legs.c.month, legs.c.giver_kind, legs.c.receiver_kind)
        for g, r, month, gk, rk, minutes, entries in db.session.execute(
            select(*pair_key, func.sum(legs.c.minutes), func.count(legs.c.entry_id.distinct())).group_by(*pair_key)
        ):
            sums.pairs[(g, r, as_date(month), gk, rk)] = [float(minutes), entries]
    if "kinds" in parts:
        for month, giver_kind, receiver_kind, minutes in db.session.execute(
            select(legs.c.month, legs.c.giver_kind, legs.c.receiver_kind, func.sum(legs.c.minutes))
            .group_by(legs.c.month, legs.c.giver_kind, legs.c.receiver_kind)
        ):
            sums.kinds[(as_date(month), giver_kind, receiver_kind)] = float(minutes)


def _month_expr(column):
    """The first day of a date's month, in SQL (text on SQLite, a date on PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        # A literal, not a bound parameter: GROUP BY must repeat the very same expression.
        return cast(func.date_trunc(literal_column("'month'"), column), Date)
    return func.strftime(literal_column("'%Y-%m-01'"), column)



def stored(community_id: int) -> Sums:
    """The rollup tables of one community, read back into the same shape (zero rows dropped)."""
    sums = Sums(community_id)
    for row in db.session.execute(select(AccountMonth).where(AccountMonth.community_id == community_id)).scalars():
        if row.given or row.received or row.entries:
            sums.accounts[(row.account_id, row.month, row.holder_kind)] = [
                row.given, row.received, row.entries, row.first_given_on, row.first_received_on,
            ]
    for row in db.session.execute(select(PairMonth).where(PairMonth.community_id == community_id)).scalars():
        if row.entries or abs(row.minutes) > 1e-6:
            key = (row.giver_account_id, row.receiver_account_id, row.month, row.giver_kind, row.receiver_kind)
            sums.pairs[key] = [row.minutes, row.entries]
    for row in db.session.execute(select(KindMonth).where(KindMonth.community_id == community_id)).scalars():
        if abs(row.minutes) > 1e-6:
            sums.kinds[(row.month, row.giver_kind, row.receiver_kind)] = row.minutes
    for row in db.session.execute(select(EntryMonth).where(EntryMonth.community_id == community_id)).scalars():
        if row.entries:
            sums.entries[tuple(getattr(row, column) for column in ENTRY_KEY[1:])] = row.entries
    return sums


def differences(expected: Sums, actual: Sums, limit: int = 20) -> list[str]:
    """Where the stored rollups disagree with the recomputed ones (minutes within 1e-6)."""
    found = []
    for name in ("accounts", "pairs", "kinds", "entries"):
        want, have = getattr(expected, name), getattr(actual, name)
        for key in sorted(set(want) | set(have), key=repr):
            if not _same(want.get(key), have.get(key)):
                found.append(f"rollup {name} {key}: expected {want.get(key)}, stored {have.get(key)}")
                if len(found) >= limit:
                    return found
    return found


def _same(a, b) -> bool:
    if a is None or b is None:
        return a == b
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return abs(a - b) <= 1e-6
    return a == b

