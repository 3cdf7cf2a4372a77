"""The ledger's tables: accounts, entries and postings.

Only `timebank.ledger` writes entries and postings and changes an account's balance; see its
module docstring for the invariants. Signs: a positive posting means the account holder GAVE
time (and earns credit); a negative posting means they RECEIVED time (and spend credit).
"""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
    text,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ..extensions import db
from .people import Membership
from .types import UTCDateTime, one_of, utcnow


class AccountType(StrEnum):
    MEMBER = "member"
    ORGANISATION = "organisation"
    POT = "pot"


class EntryKind(StrEnum):
    EXCHANGE = "exchange"
    GROUP_SESSION = "group_session"
    DONATION = "donation"
    GRANT = "grant"
    REVERSAL = "reversal"
    OPENING_BALANCE = "opening_balance"
    ADJUSTMENT = "adjustment"


class Confirmation(StrEnum):
    """How an entry came to be confirmed."""

    MEMBER = "member"  # the other member confirmed in the app
    PHONE = "phone"  # a coordinator confirmed by phone
    PAPER = "paper"  # a coordinator recorded it from a paper timesheet
    IN_PERSON = "in_person"  # a coordinator saw it done or heard it in person
    AUTO_TIMEOUT = "auto_timeout"  # nobody objected within the community's auto-confirm days
    RECORDER = "recorder"  # recorded by a coordinator or the system with no second party


class CoproductionStep(StrEnum):
    IDENTIFY = "identify"
    IDEAS = "ideas"
    DO_TOGETHER = "do_together"
    DID_IT_WORK = "did_it_work"


class LadderRung(StrEnum):
    COERCION = "coercion"
    EDUCATING = "educating"
    INFORMING = "informing"
    CONSULTATION = "consultation"
    ENGAGEMENT = "engagement"
    CO_DESIGN = "co_design"
    CO_PRODUCTION = "co_production"


class Account(db.Model):
    """A time account: one per member per community, organisation accounts, and one pot."""

    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint(one_of("type", AccountType), name="type_known"),
        CheckConstraint("(type = 'member') = (membership_id IS NOT NULL)", name="member_has_membership"),
        CheckConstraint("ceiling IS NULL OR floor IS NULL OR ceiling > floor", name="ceiling_above_floor"),
        CheckConstraint("sequence >= 0", name="sequence_positive"),
        Index(
            "uq_account_one_pot_per_community",
            "community_id",
            unique=True,
            sqlite_where=text("type = 'pot'"),
            postgresql_where=text("type = 'pot'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), unique=True)
    #: Display name for organisation accounts and the pot; member accounts use the person's name.
    name: Mapped[str | None] = mapped_column(String(200))
    #: Lowest balance in minutes (NULL: no floor). Copied from the community default when opened.
    floor: Mapped[int | None] = mapped_column(Integer)
    #: Highest balance in minutes (NULL: no ceiling).
    ceiling: Mapped[int | None] = mapped_column(Integer)
    #: The sequence number from which the current floor and ceiling apply (limits act forward).
    limits_from_sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: Cached sum of this account's postings; changed only by the ledger core, in the same write.
    balance: Mapped[int] = mapped_column(Integer, default=0)
    #: Number of postings on this account; each posting carries its own number, with no gaps.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: A closed account takes no new postings (a member who left with their balance frozen).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership | None] = relationship()


class EntryNote(db.Model):
    """An entry's free-text note, beside the entry rather than on it (invariant I5 stays absolute).

    Written by the ledger core in the entry's own transaction, when the entry has a note. Never
    updated (a trigger refuses it on both databases), but deletable: erasing a member (UK GDPR)
    deletes the notes of their entries and leaves the entries exactly as they were.
    """

    __tablename__ = "entry_note"
    __table_args__ = (CheckConstraint("length(note) > 0", name="note_not_empty"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), primary_key=True)
    #: Free text that never leaves the community (never in funder views or exports).
    note: Mapped[str] = mapped_column(Text)


class Entry(db.Model):
    """A journal entry: immutable, two or more postings that sum to zero."""

    __tablename__ = "entry"
    __table_args__ = (
        UniqueConstraint("community_id", "idempotency_key"),
        CheckConstraint(one_of("kind", EntryKind), name="kind_known"),
        CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_names_original"),
        CheckConstraint("NOT limit_override OR reason IS NOT NULL", name="override_has_reason"),
        CheckConstraint(f"confirmation IS NULL OR {one_of('confirmation', Confirmation)}", name="confirmation_known"),
        CheckConstraint(
            f"coproduction_step IS NULL OR {one_of('coproduction_step', CoproductionStep)}", name="step_known"
        ),
        CheckConstraint(f"ladder_rung IS NULL OR {one_of('ladder_rung', LadderRung)}", name="rung_known"),
        Index("ix_entry_community_occurred", "community_id", "occurred_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(20))
    #: The date the time was given, in the community's time zone (reports count by this).
    occurred_on: Mapped[date] = mapped_column(Date)
    #: When the entry was written to the ledger.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A late entry (its service month was closed when it was recorded): the date it was booked,
    #: in an open month. NULL: booked in its service month. Seals go by the booking month.
    booked_on: Mapped[date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    confirmation: Mapped[str | None] = mapped_column(String(20))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity_category.id", ondelete="RESTRICT"))
    coproduction_step: Mapped[str | None] = mapped_column(String(20))
    ladder_rung: Mapped[str | None] = mapped_column(String(20))
    #: Chosen by the client when the form or request was made; a retry returns this entry.
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    #: SHA-256 of the entry's content, to tell a retry from a different request with the same key.
    content_hash: Mapped[str] = mapped_column(String(64))
    #: For a reversal: the entry it undoes. Unique, so an entry is reversed at most once.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), unique=True)
    #: Why: for reversals, adjustments and limit overrides.
    reason: Mapped[str | None] = mapped_column(Text)
    #: A coordinator let this entry take an account past its floor or ceiling (I4's exception).
    limit_override: Mapped[bool] = mapped_column(default=False)

    postings: Mapped[list["Posting"]] = relationship(back_populates="entry", order_by="Posting.id")

    #: The entry's note, read from `entry_note` (None: none, or erased). Read-only here: only the
    #: ledger core writes a note, only `ledger.notes.erase_notes` deletes one. Usable in queries
    #: too (`select(Entry.note)`, `Entry.note.is_not(None)`).
    note: Mapped[str | None] = column_property(
        select(EntryNote.note).where(EntryNote.entry_id == id).correlate_except(EntryNote).scalar_subquery()
    )


class Posting(db.Model):
    """One account's side of an entry. Immutable."""

    __tablename__ = "posting"
    __table_args__ = (
        CheckConstraint("minutes <> 0", name="minutes_not_zero"),
        CheckConstraint("sequence >= 1", name="sequence_from_one"),
        UniqueConstraint("account_id", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    #: Signed minutes: positive = the holder gave time, negative = the holder received time.
    minutes: Mapped[int] = mapped_column(Integer)
    #: The holder's kind when this was posted (member kind code, 'organisation' or 'community_pot').
    holder_kind: Mapped[str] = mapped_column(String(40))
    #: This account's posting number: 1, 2, 3 ... with no gaps.
    sequence: Mapped[int] = mapped_column(Integer)
    #: The account's balance just after this posting.
    balance_after: Mapped[int] = mapped_column(Integer)

    entry: Mapped[Entry] = relationship(back_populates="postings")
    account: Mapped[Account] = relationship()
