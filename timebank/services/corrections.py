"""Corrections: the community's entries, one entry in full, reversing an entry, and the list of
reversals.

Nothing is edited. A mistake is undone by a reversing entry (`ledger.reverse_entry`) that names
the original, says why and who, mirrors it exactly, and is itself never changed. If the
original's month is closed, the reversal is dated today (the ledger decides; `reversal_date`
tells the page beforehand).

Lists are keyed by entry id, newest first (never OFFSET), and every party of a page's entries is
named by one query, whatever the page's length.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import aliased

from ..dates import next_month
from ..errors import NotFound, ReasonRequired
from ..extensions import db
from ..ledger import closed_months, reverse_entry
from ..ledger.rules import month_of
from ..models import Account, AccountType, ActivityCategory, Community, Entry, Membership, Posting, User
from ..pagination import PAGE_SIZE, page_of
from . import audit

REASON_MAX = 500


@dataclass(frozen=True)
class Party:
    account_id: int
    #: The member's membership, for a link to their page; None for organisations and the pot.
    membership_id: int | None
    name: str
    #: Signed: positive = gave time, negative = received it.
    minutes: int


@dataclass(frozen=True)
class EntryRow:
    id: int
    kind: str
    occurred_on: date
    recorded_at: datetime
    recorded_by: str | None
    confirmed_by: str | None
    confirmation: str | None
    activity: str | None
    note: str | None
    reason: str | None
    limit_override: bool
    reverses_id: int | None
    reversed_by_id: int | None
    #: For a reversal: the original's kind and date.
    original_kind: str | None = None
    original_occurred_on: date | None = None
    givers: tuple[Party, ...] = field(default=())
    receivers: tuple[Party, ...] = field(default=())

    @property
    def minutes(self) -> int:
        """The time that moved: what the givers gave (equal to what the receivers received)."""
        return sum(p.minutes for p in self.givers)


@dataclass(frozen=True)
class EntryPage:
    rows: list[EntryRow]
    #: Pass as `before` for the next (older) page; None on the last page.
    next_before: int | None


@dataclass(frozen=True)
class EntryView:
    row: EntryRow
    #: The original's month is closed, so a reversal would be dated `reversal_date` (today).
    month_closed: bool
    reversal_date: date
    #: It can be reversed: not itself a reversal and not reversed already.
    reversible: bool


def entries_page(
    community_id: int,
    *,
    before: int | None = None,
    month: date | None = None,
    kind: str | None = None,
    member: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = PAGE_SIZE,
) -> EntryPage:
    """The community's entries, newest first, optionally of one month (by the date of service),
    of one kind, between two dates of service (both included) and involving a member whose name
    contains `member` (ignoring case)."""
    where = []
    if month is not None:
        where += [Entry.occurred_on >= month, Entry.occurred_on < next_month(month)]
    if kind:
        where.append(Entry.kind == kind)
    if since is not None:
        where.append(Entry.occurred_on >= since)
    if until is not None:
        where.append(Entry.occurred_on <= until)
    if member and member.strip():
        where.append(
            exists(
                select(Posting.id)
                .join(Account, Account.id == Posting.account_id)
                .join(Membership, Membership.id == Account.membership_id)
                .where(
                    Posting.entry_id == Entry.id,
                    Membership.community_id == community_id,
                    func.lower(Membership.name).contains(member.strip().lower(), autoescape=True),
                )
            )
        )
    return _page(community_id, where, before, limit)


def corrections_page(community_id: int, *, before: int | None = None, limit: int = PAGE_SIZE) -> EntryPage:
    """The reversals, newest first, each with its reason, who made it and when, and the original."""
    return _page(community_id, [Entry.kind == "reversal"], before, limit)


def entry_view(community: Community, entry_id: int, *, now: datetime | None = None) -> EntryView:
    rows = _with_parties(db.session.execute(_entries(community.id).where(Entry.id == entry_id)).all())
    if not rows:
        raise NotFound()
    row = rows[0]
    closed = month_of(row.occurred_on) in closed_months(community.id)
    return EntryView(
        row=row,
        month_closed=closed,
        reversal_date=community.today(now) if closed else row.occurred_on,
        reversible=row.kind != "reversal" and row.reversed_by_id is None,
    )


def reverse(
    community: Community,
    entry_id: int,
    *,
    actor_id: int,
    reason: str,
    submission_id: str | None = None,
    limit_override: bool = False,
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    """Reverse an entry for a coordinator, with a reason; returns the reversal and whether it was
    a repeat of the same form (which records nothing more). `limit_override` lets the reversal
    take an account past its floor or ceiling: a flagged entry, and the reason says why.

    Raises LimitExceeded (nothing written) when it would pass a limit without the override."""
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired()
    key = f"reverse:{submission_id}" if submission_id else None
    reversal, replayed = reverse_entry(
        community.id,
        entry_id,
        reason=reason,
        actor_id=actor_id,
        idempotency_key=key,
        limit_override=limit_override,
        now=now,
    )
    if not replayed:
        members = _members_of(entry_id)
        audit.record(
            community.id,
            actor_id,
            "entry.reverse",
            subject_membership_id=members[0] if members else None,
            target_type="entry",
            target_id=entry_id,
            reversal_entry_id=reversal.id,
            dated=reversal.occurred_on.isoformat(),
            reason=reason,
            limit_override=bool(limit_override),
            members=members,
            now=now,
        )
        tell_reversed(reversal, reason, now=now)
    return reversal, replayed


def tell_reversed(reversal: Entry, reason: str, *, now: datetime | None = None) -> None:
    """Both (every) member on a reversed entry get a message with the reason (and an email, if
    they chose it), and their balance now; their statements show the reason on the row."""
    from .notifications import notify

    legs = db.session.execute(
        select(Posting.account_id, Posting.minutes, Account.type, Account.membership_id, func.coalesce(Membership.name, Account.name))
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .where(Posting.entry_id == reversal.id)
        .order_by(Posting.id)
    ).all()
    original = db.session.get(Entry, reversal.reverses_id)
    for account_id, minutes, _type, membership_id, _name in legs:
        if membership_id is None:
            continue
        membership = db.session.get(Membership, membership_id)
        others = [name or _("Community pot") for other_id, other_minutes, _t, _m, name in legs if (other_minutes > 0) != (minutes > 0)]
        notify(
            membership.user,
            reversal.community_id,
            "entry_reversed",
            {
                "minutes": abs(minutes),
                "date": original.occurred_on.isoformat(),
                "name": ", ".join(others),
                "reason": reason,
                "balance": db.session.scalar(select(Account.balance).where(Account.id == account_id)),
            },
            "/statement",
            now=now,
        )


# -- queries ---------------------------------------------------------------------------------


def _entries(community_id: int) -> Select:
    recorder, confirmer = aliased(User), aliased(User)
    reversal, original = aliased(Entry), aliased(Entry)
    return (
        select(
            Entry.id,
            Entry.kind,
            Entry.occurred_on,
            Entry.recorded_at,
            recorder.name.label("recorded_by"),
            confirmer.name.label("confirmed_by"),
            Entry.confirmation,
            ActivityCategory.name.label("activity"),
            Entry.note,
            Entry.reason,
            Entry.limit_override,
            Entry.reverses_id,
            reversal.id.label("reversed_by_id"),
            original.kind.label("original_kind"),
            original.occurred_on.label("original_occurred_on"),
        )
        .outerjoin(recorder, recorder.id == Entry.recorded_by_id)
        .outerjoin(confirmer, confirmer.id == Entry.confirmed_by_id)
        .outerjoin(ActivityCategory, ActivityCategory.id == Entry.activity_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .outerjoin(original, original.id == Entry.reverses_id)
        .where(Entry.community_id == community_id)
    )


def _page(community_id: int, where: list, before: int | None, limit: int) -> EntryPage:
    """One page by key. The page's ids are chosen first, on the entry table alone, and only those
    rows are joined to names and reversals (joining first would join the whole ledger)."""
    ids = select(Entry.id).where(Entry.community_id == community_id, *where)
    if before is not None:
        ids = ids.where(Entry.id < before)
    ids = ids.order_by(Entry.id.desc()).limit(limit + 1).subquery()
    query = _entries(community_id).join(ids, ids.c.id == Entry.id)
    rows, next_before = page_of(db.session.execute(query.order_by(Entry.id.desc())).all(), limit)
    return EntryPage(_with_parties(rows), next_before)


def _with_parties(rows) -> list[EntryRow]:
    """Name the givers and receivers of every entry on the page with one query."""
    parties = defaultdict(list)
    ids = [row.id for row in rows]
    if ids:
        name = func.coalesce(Membership.name, Account.name)
        for entry_id, account_id, membership_id, label, account_type, minutes in db.session.execute(
            select(Posting.entry_id, Posting.account_id, Account.membership_id, name, Account.type, Posting.minutes)
            .join(Account, Account.id == Posting.account_id)
            .outerjoin(Membership, Membership.id == Account.membership_id)
            .where(Posting.entry_id.in_(ids))
            .order_by(Posting.id)
        ):
            if not label:
                label = _("Community pot") if account_type == AccountType.POT else "?"
            parties[entry_id].append(Party(account_id, membership_id, label, minutes))
    return [
        EntryRow(
            **row._asdict(),
            givers=tuple(p for p in parties[row.id] if p.minutes > 0),
            receivers=tuple(p for p in parties[row.id] if p.minutes < 0),
        )
        for row in rows
    ]


def _members_of(entry_id: int) -> list[int]:
    """The memberships an entry touches, those who gave first."""
    return list(
        db.session.scalars(
            select(Account.membership_id)
            .join(Posting, Posting.account_id == Account.id)
            .where(Posting.entry_id == entry_id, Account.membership_id.is_not(None))
            .order_by(Posting.minutes.desc(), Posting.id)
        )
    )
