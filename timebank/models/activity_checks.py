"""Which safeguarding check an activity needs (issue 13): a community setting, edited by its
coordinators. Suggestions for a request in the activity leave out anyone whose newest check of
that kind is missing or expired (`services/activity_checks.py`)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .community import ActivityCategory
from .types import UTCDateTime, utcnow


class ActivityCheck(db.Model):
    """An activity that needs a check: `check_kind` is matched, ignoring case, against the
    type of a member's checks (for example "DBS" matches "Enhanced DBS check")."""

    __tablename__ = "activity_check"
    __table_args__ = (UniqueConstraint("activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("community.id", ondelete="RESTRICT"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity_category.id", ondelete="CASCADE"))
    check_kind: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    activity: Mapped[ActivityCategory] = relationship()
