"""People: login identities, their memberships of communities, and kind-change history."""
from datetime import date, datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint, func, select, text, true
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..extensions import db
from .community import Community, MemberKind
from .types import UTCDateTime, one_of, utcnow


class Role(StrEnum):
    MEMBER = "member"
    COORDINATOR = "coordinator"
    FUNDER = "funder"
    ADMIN = "admin"


class ContactBy(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    COORDINATOR = "coordinator"


class MembershipStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class User(UserMixin, db.Model):
    """A login identity. What a person may do depends on their memberships."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; unique across the installation.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: argon2id hash; NULL until the person sets a password (for example from an invitation).
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Goes up by one whenever every copy of the person's session must end (signing out, a new
    #: password, "sign out everywhere", suspension). The session cookie carries the version it
    #: was made with (`get_id`), and a cookie with an older one no longer signs anyone in.
    session_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", order_by="Membership.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sign-in to inactive users
        return self.disabled_at is None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session cookie: the id and the session version."""
        return f"{self.id}:{self.session_version}"


class PasswordResetToken(db.Model):
    """A single-use link to choose a new password, sent by email; it expires after an hour.
    Only the SHA-256 of the link's secret is kept, so a copy of the database opens nothing."""

    __tablename__ = "password_reset_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    #: SHA-256 (hex) of the secret in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the link was used, or made useless by a newer password.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(db.Model):
    """A person in a community: their role, their kind and their standing."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "community_id"),
        CheckConstraint(one_of("role", Role), name="role_known"),
        CheckConstraint(one_of("status", MembershipStatus), name="status_known"),
        CheckConstraint(one_of("contact_by", ContactBy), name="contact_by_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.MEMBER)
    #: The kind of person (service user, carer, ...); NULL for people who hold no account (funders).
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("member_kind.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20), default=MembershipStatus.ACTIVE)
    #: A stable pseudonymous reference used in exports instead of any identity.
    ref: Mapped[str] = mapped_column(String(20), unique=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The member's profile. Other members see it only if `in_directory`; contact details only
    # if `share_contact` too.
    #: The name shown to others; the user's name when empty.
    display_name: Mapped[str | None] = mapped_column(String(100))
    #: What I can offer, in the member's words.
    skills: Mapped[str | None] = mapped_column(Text)
    availability: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    #: How the member likes to be contacted: email, phone, or through the coordinator.
    contact_by: Mapped[str] = mapped_column(String(20), default=ContactBy.COORDINATOR)
    share_contact: Mapped[bool] = mapped_column(default=False)
    in_directory: Mapped[bool] = mapped_column(default=True)
    #: What the person wrote when applying through the public sign-up form.
    application_note: Mapped[str | None] = mapped_column(Text)
    #: Send notifications by email too (when the installation has mail configured).
    email_notifications: Mapped[bool] = mapped_column(default=True)
    #: A weekly digest by email (`services.digest`): new requests in the member's activities,
    #: what waits for their confirmation, their hours this month. Sent only with email on too.
    digest_weekly: Mapped[bool] = mapped_column(default=True, server_default=true())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    community: Mapped[Community] = relationship()
    kind: Mapped[MemberKind | None] = relationship()

    @hybrid_property
    def name(self) -> str:
        """The name shown to others: the display name, else the person's own name."""
        return self.display_name or self.user.name

    @name.inplace.expression
    @classmethod
    def _name_expression(cls):
        # The same name in SQL, for any query that selects, filters or orders by it: the person's
        # name is a correlated subquery, so it needs no join and works for an aliased Membership.
        user = aliased(User)
        person = select(user.name).where(user.id == cls.user_id).correlate_except(user).scalar_subquery()
        return func.coalesce(cls.display_name, person)


class KindChange(db.Model):
    """History of a member's kind (for example service user to volunteer), never edited."""

    __tablename__ = "kind_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("membership.id", ondelete="RESTRICT"), index=True)
    from_kind_id: Mapped[int | None] = mapped_column(ForeignKey("member_kind.id", ondelete="RESTRICT"))
    to_kind_id: Mapped[int] = mapped_column(ForeignKey("member_kind.id", ondelete="RESTRICT"))
    changed_on: Mapped[date] = mapped_column(Date)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
