"""Posting and reversing entries: the only code that writes entries and postings.

One path for everything, from a member's single exchange to a million-entry demo seed:
`post_entries` takes a batch of specs, checks each against `rules`, locks the accounts it
touches, and writes the entries, the postings and the new cached balances in the caller's
transaction. It flushes and never commits: the caller commits once.

Concurrency. PostgreSQL: a shared advisory lock on the community (so a period cannot close
under us; closing takes it exclusively), then every touched account FOR UPDATE in id order, so
two writers never deadlock; balances are read only after the lock. SQLite: the transaction began
IMMEDIATE (see `timebank.database`), so writers are already serialised. On both, the balance
UPDATE repeats the limit and sequence checks in its WHERE clause, so a write that slipped past
the lock would change nothing instead of breaking I3 or I4.

Notes. An entry's free-text note is written to `entry_note` beside it (one row, only when there
is a note), so the entry row itself is never changed, even to erase a member (I5 is absolute:
`ledger.notes` deletes the note rows instead). The note is part of `rules.content_hash`, which
is not a seal: it only tells a retry from a different request under the same idempotency key
(I6), is compared with a new request's hash and never recomputed from the stored rows, so
`ledger verify` does not read notes and an erased note cannot break it. (After an erasure, a
retry that repeats the erased note still matches; one that leaves it out is a different
request, as before.) The period seals (`rules.seal_line`) never included notes.
"""
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, exists, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.util import identity_key

from ..errors import (
    AlreadyReversed,
    CannotReverseReversal,
    IdempotencyConflict,
    InvalidInput,
    NotFound,
    ReasonRequired,
    UnknownAccount,
)
from ..extensions import db
from ..models import (
    ORGANISATION_KIND,
    POT_KIND,
    Account,
    AccountType,
    Community,
    Entry,
    EntryNote,
    MemberKind,
    Membership,
    Posting,
)
from ..models.types import utcnow
from . import rollups, rules
from .periods import closed_months
from .rules import AccountState, EntrySpec, PostingSpec


@dataclass(frozen=True)
class Posted:
    entry_id: int
    #: True when this was a retry of an earlier submission with the same idempotency key.
    replayed: bool


def post_entry(spec: EntrySpec, *, now: datetime | None = None) -> tuple[Entry, bool]:
    """Post one entry. Returns the entry and whether it was a replay of an earlier submission."""
    (posted,) = post_entries([spec], now=now)
    return db.session.get(Entry, posted.entry_id), posted.replayed


def post_entries(specs: Sequence[EntrySpec], *, now: datetime | None = None) -> list[Posted]:
    """Post a batch of entries of one community, all or nothing, in the caller's transaction."""
    if not specs:
        return []
    community_ids = {spec.community_id for spec in specs}
    if len(community_ids) != 1:
        raise InvalidInput("a batch of entries belongs to one community")
    for spec in specs:
        rules.check_shape(spec)
    now = now or utcnow()
    db.session.flush()

    community = _lock_community(community_ids.pop())
    states, kinds = _lock_accounts(community.id, {p.account_id for s in specs for p in s.postings})
    results: list[Posted | None] = [None] * len(specs)
    to_write = _claim_keys(community.id, specs, results)
    # Dates are checked only for what is new: a retry of an entry already recorded returns it,
    # even if its month has been closed since.
    today = community.today(now)
    closed = closed_months(community.id)
    booked_on = {i: rules.check_date(specs[i].occurred_on, today, closed, late=specs[i].late) for i in to_write}
    _check_reversals(community.id, [specs[i] for i in to_write])

    start = {account_id: state for account_id, state in states.items()}
    entry_rows, posting_rows = [], []
    for i in to_write:
        spec = specs[i]
        rows = rules.apply_postings(states, spec.postings, limit_override=spec.limit_override)
        entry_rows.append(_entry_row(spec, now, booked_on[i]))
        posting_rows.append(rows)

    entry_ids = _insert(entry_rows, posting_rows, kinds, [specs[i].note for i in to_write])
    rollups.record(community.id, [(_facts(specs[i], kinds), specs[i].reverses_id) for i in to_write])
    written_keys = {}
    for i, entry_id in zip(to_write, entry_ids, strict=True):
        results[i] = Posted(entry_id, replayed=False)
        written_keys[specs[i].idempotency_key] = entry_id
    for i, result in enumerate(results):
        if isinstance(result, str):  # a repeat of a key first used earlier in this batch
            results[i] = Posted(written_keys[result], replayed=True)
    overridden = {p.account_id for i in to_write if specs[i].limit_override for p in specs[i].postings}
    _write_balances(start, states, overridden)
    return results


def reverse_entry(
    community_id: int,
    entry_id: int,
    *,
    reason: str,
    actor_id: int | None,
    occurred_on=None,
    idempotency_key: str | None = None,
    limit_override: bool = False,
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    """Undo an entry with a new entry that mirrors it exactly (I7). Nothing is edited.

    The reversal is dated on the original's date, unless that month is closed, in which case
    it is dated today: reports count both in the month they are dated.
    """
    if not (reason or "").strip():
        raise ReasonRequired()
    original = db.session.get(Entry, entry_id)
    if original is None or original.community_id != community_id:
        raise NotFound()
    if idempotency_key is not None:
        earlier = db.session.scalar(
            select(Entry).where(Entry.community_id == community_id, Entry.idempotency_key == idempotency_key)
        )
        if earlier is not None and earlier.reverses_id == original.id:
            return earlier, True  # a retry: its date may differ if a month closed in between
    if occurred_on is None:
        community = db.session.get(Community, community_id)
        month = rules.month_of(original.occurred_on)
        occurred_on = community.today(now) if month in closed_months(community_id) else original.occurred_on
    spec = EntrySpec(
        community_id=community_id,
        kind="reversal",
        occurred_on=occurred_on,
        postings=rules.mirror(PostingSpec(p.account_id, p.minutes) for p in original.postings),
        recorded_by_id=actor_id,
        confirmed_by_id=actor_id,
        confirmation="recorder",
        activity_id=original.activity_id,
        coproduction_step=original.coproduction_step,
        ladder_rung=original.ladder_rung,
        idempotency_key=idempotency_key,
        reverses_id=original.id,
        reason=reason.strip(),
        limit_override=limit_override,
    )
    return post_entry(spec, now=now)


def balance(account_id: int) -> int:
    value = db.session.scalar(select(Account.balance).where(Account.id == account_id))
    if value is None:
        raise UnknownAccount(account_id=account_id)
    return value


# -- the steps of post_entries ---------------------------------------------------------------


#: Advisory lock class for "a community's periods" on PostgreSQL (the object id is the community).
PERIOD_LOCK_CLASS = 7301


def _lock_community(community_id: int) -> Community:
    """Hold the community's periods still while posting. On PostgreSQL a shared advisory lock,
    which (unlike a row's FOR SHARE) queues fairly behind a waiting `close_period`, so closing a
    month is not starved by a stream of postings."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock_shared(:class, :community)"),
            {"class": PERIOD_LOCK_CLASS, "community": community_id},
        )
    community = db.session.scalar(select(Community).where(Community.id == community_id))
    if community is None:
        raise NotFound()
    return community


def _lock_accounts(community_id: int, account_ids: set[int]) -> tuple[dict[int, AccountState], dict[int, str]]:
    """Lock the accounts in id order and read their state after the lock."""
    rows = db.session.execute(
        select(
            Account.id,
            Account.community_id,
            Account.type,
            Account.balance,
            Account.sequence,
            Account.floor,
            Account.ceiling,
            Account.closed_at,
        )
        .where(Account.id.in_(sorted(account_ids)))
        .order_by(Account.id)
        .with_for_update()
    ).all()
    states, types = {}, {}
    for row in rows:
        if row.community_id != community_id:
            continue  # another community's account is, to this one, unknown
        states[row.id] = AccountState(row.id, row.balance, row.sequence, row.floor, row.ceiling, row.closed_at is not None)
        types[row.id] = row.type
    missing = account_ids - states.keys()
    if missing:
        raise UnknownAccount(account_id=min(missing))
    return states, _holder_kinds(types)


def _holder_kinds(types: dict[int, str]) -> dict[int, str]:
    """The kind written on each posting: the member's kind now, or organisation / pot."""
    kinds = {aid: ORGANISATION_KIND if t == AccountType.ORGANISATION else POT_KIND for aid, t in types.items()}
    member_ids = [aid for aid, t in types.items() if t == AccountType.MEMBER]
    if member_ids:
        for account_id, code in db.session.execute(
            select(Account.id, MemberKind.code)
            .join(Membership, Membership.id == Account.membership_id)
            .join(MemberKind, MemberKind.id == Membership.kind_id)
            .where(Account.id.in_(member_ids))
        ):
            kinds[account_id] = code
    return kinds


def _claim_keys(community_id: int, specs: Sequence[EntrySpec], results: list) -> list[int]:
    """I6. Fill `results` for retries of earlier submissions; return the indexes to write.

    Runs after the accounts are locked, so a concurrent retry of the same request waits for the
    first to commit and then finds it here. A different request racing with the same key is
    stopped by the unique constraint (see `_insert`).
    """
    keyed = {spec.idempotency_key for spec in specs if spec.idempotency_key}
    existing = {}
    if keyed:
        existing = {
            key: (entry_id, digest)
            for key, entry_id, digest in db.session.execute(
                select(Entry.idempotency_key, Entry.id, Entry.content_hash).where(
                    Entry.community_id == community_id, Entry.idempotency_key.in_(keyed)
                )
            )
        }
    to_write, in_batch = [], {}
    for i, spec in enumerate(specs):
        key = spec.idempotency_key
        if key is None:
            to_write.append(i)
            continue
        digest = rules.content_hash(spec)
        if key in existing:
            entry_id, stored = existing[key]
            if stored != digest:
                raise IdempotencyConflict(idempotency_key=key)
            results[i] = Posted(entry_id, replayed=True)
        elif key in in_batch:
            if in_batch[key] != digest:
                raise IdempotencyConflict(idempotency_key=key)
            # A repeat inside the same batch: resolved to the first one's id after insert.
            results[i] = key
        else:
            in_batch[key] = digest
            to_write.append(i)
    return to_write


def _check_reversals(community_id: int, specs: Sequence[EntrySpec]) -> None:
    """I7: the original exists here, is not itself a reversal, and is reversed only once."""
    targets = [spec.reverses_id for spec in specs if spec.reverses_id is not None]
    if not targets:
        return
    if len(set(targets)) != len(targets):
        raise AlreadyReversed()
    originals = {
        row.id: row
        for row in db.session.execute(
            select(Entry.id, Entry.community_id, Entry.kind).where(Entry.id.in_(targets))
        )
    }
    for target in targets:
        row = originals.get(target)
        if row is None or row.community_id != community_id:
            raise NotFound()
        if row.kind == "reversal":
            raise CannotReverseReversal()
    if db.session.scalar(select(exists().where(Entry.reverses_id.in_(targets)))):
        raise AlreadyReversed()
    originals_postings: dict[int, set] = {target: set() for target in targets}
    for entry_id, account_id, minutes in db.session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.minutes).where(Posting.entry_id.in_(targets))
    ):
        originals_postings[entry_id].add((account_id, minutes))
    for spec in specs:
        if spec.reverses_id is not None:
            if {(p.account_id, -p.minutes) for p in spec.postings} != originals_postings[spec.reverses_id]:
                raise InvalidInput("a reversal must mirror the original entry exactly")


def _facts(spec: EntrySpec, kinds: dict[int, str]) -> rollups.EntryFacts:
    return rollups.EntryFacts(
        occurred_on=spec.occurred_on,
        kind=str(spec.kind),
        confirmation=spec.confirmation,
        coproduction_step=spec.coproduction_step,
        ladder_rung=spec.ladder_rung,
        legs=tuple((p.account_id, p.minutes, kinds[p.account_id]) for p in spec.postings),
    )


def _entry_row(spec: EntrySpec, now: datetime, booked_on) -> dict:
    return {
        "booked_on": booked_on,
        "community_id": spec.community_id,
        "kind": str(spec.kind),
        "occurred_on": spec.occurred_on,
        "recorded_at": now,
        "recorded_by_id": spec.recorded_by_id,
        "confirmed_by_id": spec.confirmed_by_id,
        "confirmation": spec.confirmation,
        "activity_id": spec.activity_id,
        "coproduction_step": spec.coproduction_step,
        "ladder_rung": spec.ladder_rung,
        "idempotency_key": spec.idempotency_key,
        "content_hash": rules.content_hash(spec),
        "reverses_id": spec.reverses_id,
        "reason": spec.reason,
        "limit_override": bool(spec.limit_override),
    }


def _insert(entry_rows: list[dict], posting_rows: list[list], kinds: dict[int, str], notes: list[str | None]) -> list[int]:
    if not entry_rows:
        return []
    entry_table, posting_table = Entry.__table__, Posting.__table__
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            # Take the ids from the sequence first and insert with a plain executemany: psycopg
            # pipelines it, where a batched INSERT ... RETURNING is re-planned for every batch.
            entry_ids = sorted(
                db.session.execute(
                    text("SELECT nextval(pg_get_serial_sequence('entry', 'id')) FROM generate_series(1, :n)"),
                    {"n": len(entry_rows)},
                ).scalars()
            )
            db.session.execute(
                insert(entry_table), [{**row, "id": entry_id} for row, entry_id in zip(entry_rows, entry_ids, strict=True)]
            )
        else:
            entry_ids = db.session.execute(
                insert(entry_table).returning(entry_table.c.id, sort_by_parameter_order=True), entry_rows
            ).scalars().all()
    except IntegrityError as error:
        if "idempotency_key" in str(error.orig) or "uq_entry_community_id" in str(error.orig):
            raise IdempotencyConflict() from error
        if "reverses_id" in str(error.orig) or "uq_entry_reverses_id" in str(error.orig):
            raise AlreadyReversed() from error
        raise
    db.session.execute(
        insert(posting_table),
        [
            {
                "entry_id": entry_id,
                "account_id": row.account_id,
                "minutes": row.minutes,
                "holder_kind": kinds[row.account_id],
                "sequence": row.sequence,
                "balance_after": row.balance_after,
            }
            for entry_id, rows in zip(entry_ids, posting_rows, strict=True)
            for row in rows
        ],
    )
    # The notes go beside the entries (see the module docstring), in the same transaction.
    note_rows = [{"entry_id": entry_id, "note": note} for entry_id, note in zip(entry_ids, notes, strict=True) if note]
    if note_rows:
        db.session.execute(insert(EntryNote.__table__), note_rows)
    return list(entry_ids)


_BALANCE_UPDATE = (
    update(Account.__table__)
    .where(
        Account.__table__.c.id == bindparam("b_id"),
        Account.__table__.c.sequence == bindparam("b_old_sequence"),
        Account.__table__.c.balance == bindparam("b_old_balance"),
    )
    .values(balance=bindparam("b_balance"), sequence=bindparam("b_sequence"))
)


def _write_balances(start: dict[int, AccountState], end: dict[int, AccountState], overridden: set[int]) -> None:
    """Write each touched account's new balance and sequence, repeating the limit check in the
    statement itself (I4) unless a coordinator's override touched that account."""
    table = Account.__table__
    checked, unchecked = [], []
    for account_id, after in end.items():
        before = start[account_id]
        if after.sequence == before.sequence:
            continue
        params = {
            "b_id": account_id,
            "b_old_sequence": before.sequence,
            "b_old_balance": before.balance,
            "b_balance": after.balance,
            "b_sequence": after.sequence,
        }
        (unchecked if account_id in overridden else checked).append(params)
    statement_checked = _BALANCE_UPDATE.where(
        (table.c.floor.is_(None)) | (bindparam("b_balance") >= table.c.floor) | (bindparam("b_balance") >= bindparam("b_old_balance")),
        (table.c.ceiling.is_(None)) | (bindparam("b_balance") <= table.c.ceiling) | (bindparam("b_balance") <= bindparam("b_old_balance")),
    )
    for statement, params in ((statement_checked, checked), (_BALANCE_UPDATE, unchecked)):
        if not params:
            continue
        result = db.session.execute(statement, params)
        if db.session.get_bind().dialect.supports_sane_multi_rowcount and result.rowcount != len(params):
            raise RuntimeError("an account changed while it was locked: nothing was posted")
    for account_id in end:
        stale = db.session.identity_map.get(identity_key(Account, account_id))
        if stale is not None:
            db.session.expire(stale, ["balance", "sequence"])
