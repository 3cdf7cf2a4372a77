"""What coordinators keep: safeguarding checks and restrictions, private notes, matches they
broker, group sessions with their register, invitations, and the audit log of their actions."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .people import Membership
from .types import UTCDateTime, one_of, utcnow


class SafeguardingCheck(db.Model):
    """A check such as an enhanced DBS check, seen by coordinators only."""

    __tablename__ = "safeguarding_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    #: For example "Enhanced DBS with barred lists".
    check_type: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(100))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: How many references have been received (for example 2 of 2).
    references_received: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RestrictionCode(StrEnum):
    NO_HOME_VISITS = "no_home_visits"
    NOT_WITH_CHILDREN = "not_with_children"
    NOT_WITH_ADULTS_AT_RISK = "not_with_adults_at_risk"
    ACCOMPANIED_ONLY = "accompanied_only"
    NO_LONE_WORKING = "no_lone_working"
    OTHER = "other"


class Restriction(db.Model):
    """A limit on what a member may be matched for; lifted, never deleted."""

    __tablename__ = "restriction"
    __table_args__ = (CheckConstraint(one_of("code", RestrictionCode), name="code_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))


class MemberNote(db.Model):
    """A coordinator's private note about a member: seen by that community's coordinators only."""

    __tablename__ = "member_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchStatus(StrEnum):
    INTRODUCED = "introduced"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    COMPLETED = "completed"


class Match(db.Model):
    """A coordinator introduced a helper to a member's request."""

    __tablename__ = "match"
    __table_args__ = (
        UniqueConstraint("listing_id", "helper_membership_id"),
        CheckConstraint(one_of("status", MatchStatus), name="status_known"),
        Index("ix_match_community_status", "community_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listing.id", ondelete="RESTRICT"), index=True)
    requester_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"))
    helper_membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=MatchStatus.INTRODUCED)
    introduced_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The first ledger entry posted from this match (entries themselves are never changed, so
    #: the link is kept here), so that reports can measure matching.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), unique=True)

    requester: Mapped[Membership] = relationship(foreign_keys=[requester_membership_id])
    helper: Mapped[Membership] = relationship(foreign_keys=[helper_membership_id])


class SessionPayer(StrEnum):
    ATTENDEES = "attendees"  # a class: each attendee pays the facilitators
    ORGANISATION = "organisation"  # an organisation pays each participant
    POT = "pot"  # the community pot pays each participant


class GroupSession(db.Model):
    """A session with a register; recorded as one ledger entry with every posting."""

    __tablename__ = "group_session"
    __table_args__ = (
        UniqueConstraint("community_id", "submission_id"),
        CheckConstraint(one_of("payer", SessionPayer), name="payer_known"),
        CheckConstraint("minutes_each > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[date] = mapped_column(Date)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity_category.id", ondelete="RESTRICT"))
    coproduction_step: Mapped[str | None] = mapped_column(String(20))
    ladder_rung: Mapped[str | None] = mapped_column(String(20))
    payer: Mapped[str] = mapped_column(String(20))
    #: The organisation account that pays, when `payer` is organisation.
    payer_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id", ondelete="RESTRICT"))
    minutes_each: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id", ondelete="RESTRICT"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submission_id: Mapped[str] = mapped_column(String(64))

    register: Mapped[list["Attendance"]] = relationship(back_populates="session", order_by="Attendance.id")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "membership_id"),
        CheckConstraint("role IN ('facilitator', 'attendee')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_session.id", ondelete="RESTRICT"), index=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    session: Mapped[GroupSession] = relationship(back_populates="register")
    membership: Mapped[Membership] = relationship()


class Invitation(db.Model):
    """A single-use link that lets someone join a community. Only a hash of its token is kept."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("member_kind.id", ondelete="RESTRICT"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(db.Model):
    """Every coordinator action: who, what, when, on whom, from where. Append-only (triggers)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_community_id_id", "community_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    #: A stable verb such as member.approve, safeguarding.add, entry.reverse.
    action: Mapped[str] = mapped_column(String(60))
    #: The member the action was about, if any.
    subject_membership_id: Mapped[int | None] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"))
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The address the request came from.
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
