"""A community's own settings that a coordinator may change: how long an idle session lasts (for
staff and for members), how long personal records are kept, and whether coordinators and funders
must use two-factor sign-in. Each change is audited, with the values before and after.

A community's idle timeout replaces the installation's `SESSION_IDLE_MINUTES_*` (longer or
shorter, within the ranges below); a person who belongs to several communities gets the
strictest among them (`strictest_idle_minutes`), a community that sets none counting as the
default.
"""
from datetime import datetime

import phonenumbers
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import InvalidInput
from ..extensions import db
from ..models import Community, Membership, MembershipStatus
from . import audit

#: Inclusive ranges, as the model's check constraints have them (retention: at least 30 days,
#: `services/retention.py`; at most ten years, which no care record needs to outlast here).
IDLE_STAFF_RANGE = (5, 120)
IDLE_MEMBER_RANGE = (5, 1440)
RETENTION_RANGE = (30, 3650)
#: Days an offer or request stays listed (`services/listing_expiry.py`); NULL: 90.
LISTING_DAYS_RANGE = (7, 365)

#: The settings this module changes, as the audit event names them.
FIELDS = (
    "idle_minutes_staff", "idle_minutes_member", "retention_days", "staff_two_factor_required", "listing_days", "phone_region",
)
#: `update_settings(phone_region=UNCHANGED)`: leave the phone region as it is.
UNCHANGED = object()


def strictest_idle_minutes(user_id: int, *, staff_default: int, member_default: int) -> tuple[int, int]:
    """(staff, member) idle minutes: the smallest among the person's communities, each counting
    as its own setting or, where it sets none, the installation's default. One query."""
    row = db.session.execute(
        select(
            func.min(func.coalesce(Community.idle_minutes_staff, staff_default)),
            func.min(func.coalesce(Community.idle_minutes_member, member_default)),
        )
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.user_id == user_id, Membership.status != MembershipStatus.LEFT)
    ).one()
    return row[0] or staff_default, row[1] or member_default


def current_settings(community: Community) -> dict:
    return {name: getattr(community, name) for name in FIELDS if hasattr(community, name)}


def update_settings(
    community: Community,
    *,
    actor_id: int,
    now: datetime,
    idle_minutes_staff: int | None,
    idle_minutes_member: int | None,
    retention_days: int,
    staff_two_factor_required: bool | None = None,
    listing_days: int | None = None,
    phone_region: str | None | object = UNCHANGED,
) -> dict:
    """Check and store the settings; returns what changed ({name: [before, after]}).
    `phone_region`: two letters of a region `phonenumbers` knows ("gb" is read as "GB"), or
    None/empty for the installation's PHONE_REGION."""
    _in_range(idle_minutes_staff, IDLE_STAFF_RANGE, "idle_minutes_staff", optional=True)
    _in_range(idle_minutes_member, IDLE_MEMBER_RANGE, "idle_minutes_member", optional=True)
    _in_range(retention_days, RETENTION_RANGE, "retention_days", optional=False)
    _in_range(listing_days, LISTING_DAYS_RANGE, "listing_days", optional=True)
    wanted = {
        "idle_minutes_staff": idle_minutes_staff,
        "idle_minutes_member": idle_minutes_member,
        "retention_days": retention_days,
        "listing_days": listing_days,
    }
    if phone_region is not UNCHANGED:
        wanted["phone_region"] = _region(phone_region)
    # The two-factor column comes with the two-factor work; without it, that setting is not offered.
    if staff_two_factor_required is not None and hasattr(community, "staff_two_factor_required"):
        wanted["staff_two_factor_required"] = bool(staff_two_factor_required)
    changed = {}
    for name, value in wanted.items():
        before = getattr(community, name)
        if before != value:
            changed[name] = [before, value]
            setattr(community, name, value)
    if changed:
        audit.record(
            community.id, actor_id, "community.settings",
            target_type="community", target_id=community.id, now=now, changed=changed,
        )
        db.session.flush()
    return changed


def _region(value) -> str | None:
    region = (value or "").strip().upper()
    if not region:
        return None
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            _("Enter the two letters of a country or region, like GB for the United Kingdom or IE for Ireland."),
            field="phone_region",
        )
    return region


def _in_range(value: int | None, bounds: tuple[int, int], field: str, *, optional: bool) -> None:
    low, high = bounds
    if value is None:
        if optional:
            return
        raise InvalidInput(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=field)
    if not low <= value <= high:
        raise InvalidInput(_("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=field)
