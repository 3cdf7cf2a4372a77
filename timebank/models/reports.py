"""Report rollups and frozen report figures.

The rollups are monthly sums kept by the ledger core at posting time (`timebank.ledger.rollups`)
in the same transaction as the postings, and checked against the postings by `ledger verify`.
A reversed entry and its reversal both drop out: a reversal subtracts the original's
contribution from the original's month. Minutes between pairs and kinds may be fractional,
because an entry with several givers splits each receiver's minutes across the givers in
proportion to what each gave (METRICS.md, notation); they are rounded only when reported.
"""
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class AccountMonth(db.Model):
    """Per account, month and the holder's kind (as snapshotted on the postings)."""

    __tablename__ = "rollup_account_month"
    __table_args__ = (Index("ix_rollup_account_month_community_month", "community_id", "month"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    holder_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    #: Minutes given (positive postings) and received (negative postings, as a positive number).
    given: Mapped[int] = mapped_column(BigInteger, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Entries this account took part in.
    entries: Mapped[int] = mapped_column(Integer, default=0)
    #: The first day in the month the account gave, and received (NULL if it did not).
    first_given_on: Mapped[date | None] = mapped_column(Date)
    first_received_on: Mapped[date | None] = mapped_column(Date)


class PairMonth(db.Model):
    """Minutes from one account to another in a month: the edges of the collapsed graph. Kept
    apart by the two holders' kinds on the postings, so a role-flow cell can count its people."""

    __tablename__ = "rollup_pair_month"
    __table_args__ = (Index("ix_rollup_pair_month_community_month", "community_id", "month"),)

    giver_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"), primary_key=True)
    receiver_account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    giver_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    receiver_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    minutes: Mapped[float] = mapped_column(Float, default=0.0)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class KindMonth(db.Model):
    """Minutes given by one kind of holder to another in a month (the role-flow matrix, C1)."""

    __tablename__ = "rollup_kind_month"

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    giver_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    receiver_kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    minutes: Mapped[float] = mapped_column(Float, default=0.0)


class EntryMonth(db.Model):
    """Entries in a month by their reportable attributes; `size` is the minutes an entry moved.

    `flow` says which kinds of account took part: member (members only), organisation (an
    organisation and no pot) or pot. An absent step or rung is stored as ''.
    """

    __tablename__ = "rollup_entry_month"

    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    flow: Mapped[str] = mapped_column(String(20), primary_key=True)
    confirmation: Mapped[str] = mapped_column(String(20), primary_key=True)
    coproduction_step: Mapped[str] = mapped_column(String(20), primary_key=True)
    ladder_rung: Mapped[str] = mapped_column(String(20), primary_key=True)
    size: Mapped[int] = mapped_column(Integer, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class FrozenReport(db.Model):
    """A report's figures as they stood when its last month was closed. Never changed."""

    __tablename__ = "frozen_report"
    __table_args__ = (UniqueConstraint("community_id", "start", "end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    frozen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The unsuppressed report (figures and the people counts behind them); privacy rules are
    #: applied when it is served, so a changed threshold still applies to it.
    figures: Mapped[dict] = mapped_column(JSON)
