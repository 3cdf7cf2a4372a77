"""Offers and requests members post, and the "I can help" replies to requests."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .community import ActivityCategory
from .people import Membership
from .types import UTCDateTime, one_of, utcnow


class ListingType(StrEnum):
    OFFER = "offer"
    REQUEST = "request"


class ListingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Listing(db.Model):
    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("community_id", "submission_id"),
        CheckConstraint(one_of("type", ListingType), name="type_known"),
        CheckConstraint(one_of("status", ListingStatus), name="status_known"),
        Index("ix_listing_community_type_status", "community_id", "type", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    type: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("activity_category.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=ListingStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission_id: Mapped[str] = mapped_column(String(64))
    #: The first day it no longer shows to others (the community's `listing_days` after it was
    #: posted or last kept open); the daily job then closes it (`services.listing_expiry`).
    expires_on: Mapped[date | None] = mapped_column(Date)
    #: When its owner was reminded, a week before `expires_on`; NULL again once kept open.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    membership: Mapped[Membership] = relationship()
    category: Mapped[ActivityCategory | None] = relationship()

    def expired(self, today: date) -> bool:
        """Past its time (still open until the daily job runs, or closed by it), rather than
        closed by its owner."""
        if self.expires_on is None:
            return False
        if self.status == ListingStatus.OPEN:
            return today >= self.expires_on
        return self.closed_at is not None and self.closed_at.date() >= self.expires_on


class HelpOffer(db.Model):
    """A member said "I can help" with a request."""

    __tablename__ = "help_offer"
    __table_args__ = (UniqueConstraint("listing_id", "membership_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="RESTRICT"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    membership: Mapped[Membership] = relationship()
