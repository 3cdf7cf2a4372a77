"""Exports with stable columns (DESIGN.md section 4), so anyone can recompute balances and
report figures without the app. Each function yields lines or rows, streaming the ledger."""
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Account, ActivityCategory, Community, Entry, Membership, Posting

CSV_COLUMNS = (
    "entry_id",
    "entry_kind",
    "occurred_on",
    "recorded_at",
    "account_id",
    "account_type",
    "member_ref",
    "member_kind",
    "minutes",
    "reverses_entry_id",
    "reversed_by_entry_id",
    "activity",
    "coproduction_step",
    "ladder_rung",
    "community",
)
BALANCE_COLUMNS = ("account_id", "account_type", "member_ref", "balance_minutes")
STREAM = {"yield_per": 10000}


def posting_rows() -> Iterator[tuple]:
    """One row per posting, in entry then posting order (columns: CSV_COLUMNS)."""
    reversal = aliased(Entry)
    query = (
        select(
            Entry.id,
            Entry.kind,
            Entry.occurred_on,
            Entry.recorded_at,
            Posting.account_id,
            Account.type,
            Membership.ref,
            Posting.holder_kind,
            Posting.minutes,
            Entry.reverses_id,
            reversal.id,
            ActivityCategory.name,
            Entry.coproduction_step,
            Entry.ladder_rung,
            Community.slug,
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Account, Account.id == Posting.account_id)
        .join(Community, Community.id == Entry.community_id)
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .outerjoin(reversal, reversal.reverses_id == Entry.id)
        .outerjoin(ActivityCategory, ActivityCategory.id == Entry.activity_id)
        .order_by(Entry.id, Posting.id)
        .execution_options(**STREAM)
    )
    for row in db.session.execute(query):
        (entry_id, kind, occurred_on, recorded_at, *rest) = row
        yield (entry_id, kind, occurred_on.isoformat(), recorded_at.isoformat(timespec="seconds"), *rest)


def balance_rows() -> Iterator[tuple]:
    """The app's own cached balances (columns: BALANCE_COLUMNS)."""
    query = (
        select(Account.id, Account.type, Membership.ref, Account.balance)
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .order_by(Account.id)
        .execution_options(**STREAM)
    )
    yield from db.session.execute(query)


def journal_account_name(slug: str, account_type: str, account_id: int, member_ref: str | None) -> str:
    if account_type == "member":
        return f"{slug}:member:{member_ref}"
    if account_type == "pot":
        return f"{slug}:pot"
    return f"{slug}:organisation:{account_id}"


def journal_lines() -> Iterator[str]:
    """A plain-text journal that ledger-cli and hledger read: one transaction per entry, amounts
    in the commodity MIN (minutes), signed as in the app (positive = gave time)."""
    query = (
        select(
            Entry.id,
            Entry.kind,
            Entry.occurred_on,
            Entry.reverses_id,
            Community.slug,
            Posting.account_id,
            Account.type,
            Membership.ref,
            Posting.minutes,
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .join(Community, Community.id == Entry.community_id)
        .join(Account, Account.id == Posting.account_id)
        .outerjoin(Membership, Membership.id == Account.membership_id)
        .order_by(Entry.id, Posting.id)
        .execution_options(**STREAM)
    )
    yield "; Timebank ledger export. Amounts are minutes (MIN); positive = the account holder gave time.\n"
    yield "commodity MIN\n\n"
    current = None
    for row in db.session.execute(query):
        if row.id != current:
            if current is not None:
                yield "\n"
            current = row.id
            description = f"entry {row.id} {row.kind}" + (f" reverses {row.reverses_id}" if row.reverses_id else "")
            yield f"{row.occurred_on.isoformat()} * {description}\n"
        name = journal_account_name(row.slug, row.type, row.account_id, row.ref)
        yield f"    {name}  {row.minutes} MIN\n"
    if current is not None:
        yield "\n"


def account_names() -> dict[int, str]:
    """Each account's name in the journal, for comparing the tools' balances with the app's."""
    rows = db.session.execute(
        select(Account.id, Account.type, Membership.ref, Community.slug)
        .join(Community, Community.id == Account.community_id)
        .outerjoin(Membership, Membership.id == Account.membership_id)
    )
    return {row.id: journal_account_name(row.slug, row.type, row.id, row.ref) for row in rows}
