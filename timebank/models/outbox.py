"""Work that waits: the email outbox, and the record of each periodic job's runs."""
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class OutboxStatus:
    #: Waiting for its next attempt (the first, or a retry after `next_attempt_at`).
    WAITING = "waiting"
    #: Claimed by one worker until `claimed_until`; past that, another worker may take it.
    SENDING = "sending"
    SENT = "sent"
    #: Refused for good by the mail server, or out of attempts: kept, and shown by `mail outbox`.
    FAILED = "failed"
    ALL = (WAITING, SENDING, SENT, FAILED)


class OutboxMessage(db.Model):
    """An email, written in the same transaction as what caused it, so that it is sent if and
    only if that commits. A worker claims it (one UPDATE that only one worker can win), sends
    it, and marks it sent; a failure is recorded and retried later, never dropped."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(f"status IN {OutboxStatus.ALL}", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_positive"),
        Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_address: Mapped[str] = mapped_column(String(320))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.WAITING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Not tried before this time (the backoff after a failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Attempts started, counted when claimed (so a worker that dies mid-send still counts).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: The claim of the worker sending it, and until when it holds.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class PeriodicRun(db.Model):
    """One run of a periodic job for one period. Its unique key is what makes a job run once
    per period however many workers enqueue it: the first to insert the row runs the job."""

    __tablename__ = "periodic_run"
    __table_args__ = (UniqueConstraint("job", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The job's name, with its scope (for example "auto_confirm:3" for community 3).
    job: Mapped[str] = mapped_column(String(100))
    period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A short line saying what it did ("2 posted, 1 left pending").
    outcome: Mapped[str | None] = mapped_column(String(200))
