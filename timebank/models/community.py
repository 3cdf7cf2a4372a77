"""A community (one timebank) with its settings, kinds of member, activities and periods."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

#: The kinds of person every community starts with. Communities may add their own.
BUILT_IN_KINDS = {
    "service_user": "Service user",
    "carer": "Carer",
    "volunteer": "Volunteer",
    "professional": "Professional",
}
#: Kinds recorded on postings of accounts that are not people (see METRICS.md, C1).
ORGANISATION_KIND = "organisation"
POT_KIND = "community_pot"
RESERVED_KIND_CODES = {ORGANISATION_KIND, POT_KIND}


class Community(db.Model):
    __tablename__ = "community"
    __table_args__ = (
        CheckConstraint("suppression_threshold >= 5", name="suppression_at_least_5"),
        CheckConstraint("auto_confirm_days IS NULL OR auto_confirm_days >= 0", name="auto_confirm_days_positive"),
        CheckConstraint("backdate_days >= 0", name="backdate_days_positive"),
        CheckConstraint(
            "default_ceiling IS NULL OR default_ceiling > default_floor", name="default_ceiling_above_floor"
        ),
        CheckConstraint(
            "value_rate_low <= value_rate_central AND value_rate_central <= value_rate_high",
            name="value_rates_ordered",
        ),
        CheckConstraint("retention_days >= 30", name="retention_days_at_least_30"),
        CheckConstraint(
            "idle_minutes_staff IS NULL OR (idle_minutes_staff >= 5 AND idle_minutes_staff <= 120)",
            name="idle_minutes_staff_in_range",
        ),
        CheckConstraint(
            "idle_minutes_member IS NULL OR (idle_minutes_member >= 5 AND idle_minutes_member <= 1440)",
            name="idle_minutes_member_in_range",
        ),
        CheckConstraint("listing_days IS NULL OR (listing_days >= 7 AND listing_days <= 365)", name="listing_days_in_range"),
        CheckConstraint("phone_region IS NULL OR length(phone_region) = 2", name="phone_region_two_letters"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Used in URLs (/reports/<slug>/...) and on the command line.
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: IANA time zone; "today" and month boundaries are taken in it.
    timezone: Mapped[str] = mapped_column(String(60), default="Europe/London")
    #: Lowest balance, in minutes, a new member account may reach (negative: members may owe time).
    default_floor: Mapped[int] = mapped_column(Integer, default=-600)
    #: Highest balance, in minutes, a new member account may reach; NULL for no ceiling.
    default_ceiling: Mapped[int | None] = mapped_column(Integer, default=6000)
    #: A pending exchange is posted automatically after this many days; 0 posts at once; NULL never.
    auto_confirm_days: Mapped[int | None] = mapped_column(Integer, default=14)
    #: How many days back a member may date an exchange (coordinators may go further).
    backdate_days: Mapped[int] = mapped_column(Integer, default=90)
    #: Hourly values for the replacement-value range in reports, in minor units (pence).
    value_rate_low: Mapped[int] = mapped_column(Integer, default=1221)
    value_rate_central: Mapped[int] = mapped_column(Integer, default=1500)
    value_rate_high: Mapped[int] = mapped_column(Integer, default=2500)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    #: Report cells built from fewer people than this are suppressed for funders.
    suppression_threshold: Mapped[int] = mapped_column(Integer, default=5)
    #: Days kept, by the daily purge (`tasks.jobs.purge_by_retention`): notifications, and the
    #: text of closed offers and requests (the rows stay, for the report). UK GDPR: no longer
    #: than needed.
    retention_days: Mapped[int] = mapped_column(Integer, default=365)
    #: Coordinators, funders and administrators here must use two-factor sign-in (when the
    #: installation's REQUIRE_STAFF_2FA is on too; see `services.people.two_factor`).
    staff_two_factor_required: Mapped[bool] = mapped_column(default=True, server_default=true())
    #: Idle minutes after which a session ends (`auth/sessions.py`), for coordinators, funders
    #: and administrators, and for members; NULL: the installation's `SESSION_IDLE_MINUTES_*`.
    idle_minutes_staff: Mapped[int | None] = mapped_column(Integer)
    idle_minutes_member: Mapped[int | None] = mapped_column(Integer)
    #: Days an offer or request stays listed before it expires (its owner is reminded a week
    #: before and may keep it open); NULL: 90.
    listing_days: Mapped[int | None] = mapped_column(Integer)
    #: Phone numbers typed without a country code are read as this region's (two letters, one
    #: `phonenumbers` knows, such as "GB"); NULL: the installation's PHONE_REGION.
    phone_region: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kinds: Mapped[list["MemberKind"]] = relationship(back_populates="community", order_by="MemberKind.id")

    def today(self, now: datetime | None = None) -> date:
        """The date in the community's own time zone."""
        return (now or utcnow()).astimezone(ZoneInfo(self.timezone)).date()


class MemberKind(db.Model):
    """A kind of person (service user, carer, ...), snapshotted on every posting."""

    __tablename__ = "member_kind"
    __table_args__ = (UniqueConstraint("community_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    #: Stable identifier written on postings and in exports; never reused for another kind.
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    built_in: Mapped[bool] = mapped_column(default=False)

    community: Mapped[Community] = relationship(back_populates="kinds")


class ActivityCategory(db.Model):
    __tablename__ = "activity_category"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class ReportingPeriod(db.Model):
    """A closed month. Closing seals it: `seal` is a SHA-256 over every entry dated in it."""

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("community_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    #: The first day of the month.
    month: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"))
    seal: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
