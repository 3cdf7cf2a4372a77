"""Which activities need which safeguarding check, and who is left out of suggestions for lack of one.

A community's coordinators say, per activity, the kind of check it needs (for example "DBS" for
hospital lifts). A member qualifies when the newest of their checks whose type contains that
kind (ignoring case) has not expired: no expiry date, or expiring today or later. Brokering asks
`missing_checks` whom to leave out of the suggestions for a request, and why.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..models import ActivityCategory, ActivityCheck, Membership, MembershipStatus, SafeguardingCheck
from . import audit

KIND_MAX = 100
MISSING, EXPIRED = "missing", "expired"


@dataclass(frozen=True)
class Requirement:
    activity_id: int
    activity: str
    #: None when the activity needs no check.
    check_kind: str | None


@dataclass(frozen=True)
class LeftOut:
    membership_id: int
    name: str
    check_kind: str
    #: MISSING (no check of that kind) or EXPIRED (the newest one has expired).
    why: str
    expired_on: date | None = None


def requirements(community_id: int) -> list[Requirement]:
    """Every active activity of the community, by name, with the check it needs if any."""
    rows = db.session.execute(
        select(ActivityCategory.id, ActivityCategory.name, ActivityCheck.check_kind)
        .outerjoin(ActivityCheck, ActivityCheck.activity_id == ActivityCategory.id)
        .where(ActivityCategory.community_id == community_id, ActivityCategory.active.is_(True))
        .order_by(func.lower(ActivityCategory.name), ActivityCategory.id)
    ).all()
    return [Requirement(*row) for row in rows]


def required_check(community_id: int, activity_id: int | None) -> str | None:
    if activity_id is None:
        return None
    return db.session.scalar(
        select(ActivityCheck.check_kind).where(ActivityCheck.community_id == community_id, ActivityCheck.activity_id == activity_id)
    )


def set_required_check(actor: Membership, activity_id: int | None, check_kind: str | None, *, now: datetime) -> ActivityCheck | None:
    """Say which check an activity needs (an empty kind: none). Audited with the activity's name."""
    activity = db.session.get(ActivityCategory, activity_id) if activity_id else None
    if activity is None or activity.community_id != actor.community_id:
        raise InvalidInput(_("Choose the activity."), field="activity")
    kind = " ".join((check_kind or "").split())
    if len(kind) > KIND_MAX:
        raise InvalidInput(_("The kind of check must be %(n)d characters or fewer.", n=KIND_MAX), field="check_kind")
    row = db.session.scalar(select(ActivityCheck).where(ActivityCheck.activity_id == activity.id))
    before = row.check_kind if row else None
    if (before or "") == kind:
        return row
    if not kind:
        db.session.delete(row)
        row = None
    elif row is None:
        row = ActivityCheck(community_id=actor.community_id, activity_id=activity.id, check_kind=kind, created_at=now)
        db.session.add(row)
    else:
        row.check_kind = kind
    audit.record(
        actor.community_id, actor.user_id, "activity.check",
        target_type="activity_category", target_id=activity.id, now=now,
        activity=activity.name, before=before, after=kind or None,
    )
    db.session.flush()
    return row


def missing_checks(community_id: int, check_kind: str | None, today: date) -> list[LeftOut]:
    """Active members of the community without a current check of `check_kind`, by name."""
    if not check_kind:
        return []
    newest: dict[int, date | None] = {}
    for membership_id, expires_on in db.session.execute(
        select(SafeguardingCheck.membership_id, SafeguardingCheck.expires_on)
        .join(Membership, Membership.id == SafeguardingCheck.membership_id)
        .where(Membership.community_id == community_id, func.lower(SafeguardingCheck.check_type).contains(check_kind.lower(), autoescape=True))
        .order_by(SafeguardingCheck.id)  # the newest (added last) wins
    ):
        newest[membership_id] = expires_on
    left_out = []
    for membership_id, name in db.session.execute(
        select(Membership.id, Membership.name)
        .where(Membership.community_id == community_id, Membership.status == MembershipStatus.ACTIVE)
        .order_by(func.lower(Membership.name), Membership.id)
    ):
        if membership_id not in newest:
            left_out.append(LeftOut(membership_id, name, check_kind, MISSING))
        elif (expires := newest[membership_id]) is not None and expires < today:
            left_out.append(LeftOut(membership_id, name, check_kind, EXPIRED, expires))
    return left_out


def activity_here(community_id: int, activity_id: int) -> ActivityCategory:
    activity = db.session.get(ActivityCategory, activity_id)
    if activity is None or activity.community_id != community_id:
        raise NotFound()
    return activity
