"""The exchange workflow above the ledger: what a member logs, before it is posted.

An exchange is pending until the other side confirms it (or a coordinator does, or the
community's auto-confirm days pass); only then does the ledger core post an entry, whose
idempotency key is derived from the exchange, so an exchange is posted at most once.
"""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .ledger import Account, Entry
from .types import UTCDateTime, one_of, utcnow


class ExchangeStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


class Exchange(db.Model):
    __tablename__ = "exchange"
    __table_args__ = (
        UniqueConstraint("community_id", "submission_id"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
        CheckConstraint("giver_account_id <> receiver_account_id", name="not_with_oneself"),
        CheckConstraint(one_of("status", ExchangeStatus), name="status_known"),
        CheckConstraint(
            "logged_by_account_id = giver_account_id OR logged_by_account_id = receiver_account_id",
            name="logged_by_a_side",
        ),
        CheckConstraint("(status = 'posted') = (entry_id IS NOT NULL)", name="posted_has_entry"),
        Index("ix_exchange_community_status", "community_id", "status", "created_at"),
        Index("ix_exchange_giver_status", "giver_account_id", "status"),
        Index("ix_exchange_receiver_status", "receiver_account_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    giver_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    receiver_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    #: The side that logged it; the other side confirms.
    logged_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    logged_by_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    minutes: Mapped[int] = mapped_column(Integer)
    occurred_on: Mapped[date] = mapped_column(Date)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity_category.id", ondelete="RESTRICT"))
    #: Free text that stays inside the community.
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ExchangeStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    #: How it was confirmed, when posted (see Confirmation).
    confirmation: Mapped[str | None] = mapped_column(String(20))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    #: Why an automatic posting could not be made (for example a limit), for a coordinator.
    last_error: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), unique=True)
    #: The brokered match this exchange came from, if any.
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="RESTRICT"))
    #: Made when the form was drawn; a repeated POST finds this exchange instead of making another.
    submission_id: Mapped[str] = mapped_column(String(64))

    giver: Mapped[Account] = relationship(foreign_keys=[giver_account_id])
    receiver: Mapped[Account] = relationship(foreign_keys=[receiver_account_id])
    entry: Mapped[Entry | None] = relationship()

    @property
    def other_account_id(self) -> int:
        """The side that has to confirm."""
        if self.logged_by_account_id == self.giver_account_id:
            return self.receiver_account_id
        return self.giver_account_id
