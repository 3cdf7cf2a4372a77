"""Messages between members: a conversation between two people of one community about one
thing (a listing, a coordinator's introduction, an exchange), its messages, and the members a
coordinator has blocked from messaging.

A coordinator reads a conversation only once one of its two people has reported it
(`reported_at`); messages never reach funders or reports.
"""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .people import Membership
from .types import UTCDateTime, one_of, utcnow


class ConversationTopic(StrEnum):
    LISTING = "listing"
    MATCH = "match"
    EXCHANGE = "exchange"


class Conversation(db.Model):
    __tablename__ = "conversation"
    __table_args__ = (
        #: One conversation per thing and pair of people: "listing:12:5-9" (the lower id first).
        UniqueConstraint("community_id", "topic_key"),
        CheckConstraint(one_of("topic", ConversationTopic), name="topic_known"),
        CheckConstraint("starter_id <> other_id", name="two_people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    topic: Mapped[str] = mapped_column(String(20))
    topic_key: Mapped[str] = mapped_column(String(80))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listing.id", ondelete="RESTRICT"), index=True)
    match_id: Mapped[int | None] = mapped_column(ForeignKey("match.id", ondelete="RESTRICT"), index=True)
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id", ondelete="RESTRICT"), index=True)
    #: The two people: who started it, and the other.
    starter_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    #: The last message each of them has read (its id), for the unread count.
    starter_read_id: Mapped[int | None] = mapped_column()
    other_read_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A report by one of the two people: only then may a coordinator read it.
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"))
    report_reason: Mapped[str | None] = mapped_column(Text)
    #: When a coordinator dealt with the report (it leaves the inbox; they may still read it).
    report_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    starter: Mapped[Membership] = relationship(foreign_keys=[starter_id])
    other: Mapped[Membership] = relationship(foreign_keys=[other_id])


class Message(db.Model):
    __tablename__ = "message"
    __table_args__ = (Index("ix_message_conversation_id_id", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id", ondelete="RESTRICT"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    #: NULL once its writer is erased: shown as "(message removed)".
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership] = relationship()


class MessagingBlock(db.Model):
    """A member a coordinator has stopped from starting conversations or sending messages."""

    __tablename__ = "messaging_block"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), unique=True)
    blocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership] = relationship()
