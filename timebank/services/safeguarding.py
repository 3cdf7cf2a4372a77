"""Safeguarding checks and restrictions: seen by the coordinators of the member's
community only, never on member pages.

Private notes about a member are in `notes`.

Checks (an enhanced DBS check, references...) are added, never edited: a renewal is a new
check, and the newest of a type supersedes the older ones. Restrictions limit what a member may
be matched for; they are lifted, never deleted. Brokering asks `restricted_membership_ids` whom to
leave out, and the dashboard asks `expiring_checks` what is running out.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from ..errors import InvalidInput, NotFound, WrongMemberStatus
from ..extensions import db
from ..models import Membership, MembershipStatus, Restriction, RestrictionCode, SafeguardingCheck
from ..models.types import utcnow
from . import audit
from .people.memberships import membership_here

EXPIRY_WARNING_DAYS = 30
RESTRICTION_LABELS = {
    RestrictionCode.NO_HOME_VISITS: _l("No home visits"),
    RestrictionCode.NOT_WITH_CHILDREN: _l("Not with children"),
    RestrictionCode.NOT_WITH_ADULTS_AT_RISK: _l("Not with adults at risk"),
    RestrictionCode.ACCOMPANIED_ONLY: _l("Only when accompanied"),
    RestrictionCode.NO_LONE_WORKING: _l("No lone working"),
    RestrictionCode.OTHER: _l("Something else"),
}
DETAIL_MAX = 1000


def record_action(
    actor: Membership, action: str, membership: Membership, target_type: str, target_id: int, *, now=None, **details
) -> None:
    # Ids only: the audit log never repeats a note or a safeguarding detail.
    audit.record(
        actor.community_id,
        actor.user_id,
        action,
        subject_membership_id=membership.id,
        target_type=target_type,
        target_id=target_id,
        now=now,
        **details,
    )


# -- checks ----------------------------------------------------------------------------------


def add_check(
    actor: Membership,
    membership_id: int,
    *,
    check_type: str,
    reference: str | None = None,
    issued_on: date | None = None,
    expires_on: date | None = None,
    references_received: int | None = 0,
    now: datetime | None = None,
) -> SafeguardingCheck:
    now = now or utcnow()
    membership = membership_here(actor, membership_id)
    check_type, reference = (check_type or "").strip(), (reference or "").strip()
    if not check_type:
        raise InvalidInput(_("Enter the type of check, for example Enhanced DBS check."), field="check_type")
    if len(check_type) > 100:
        raise InvalidInput(_("The type must be 100 characters or fewer."), field="check_type")
    if len(reference) > 100:
        raise InvalidInput(_("The reference must be 100 characters or fewer."), field="reference")
    today = membership.community.today(now)
    if issued_on and issued_on > today:
        raise InvalidInput(_("The date it was issued cannot be in the future."), field="issued_on")
    if issued_on and expires_on and expires_on <= issued_on:
        raise InvalidInput(_("The expiry date must be after the date it was issued."), field="expires_on")
    references_received = references_received or 0
    if not 0 <= references_received <= 20:
        raise InvalidInput(_("Enter a number of references between 0 and 20."), field="references_received")
    check = SafeguardingCheck(
        membership_id=membership.id,
        check_type=check_type,
        reference=reference or None,
        issued_on=issued_on,
        expires_on=expires_on,
        references_received=references_received,
        recorded_by_id=actor.user_id,
        created_at=now,
    )
    db.session.add(check)
    db.session.flush()
    record_action(actor, "safeguarding.check_add", membership, "safeguarding_check", check.id, now=now)
    return check


class CheckRow(NamedTuple):
    check: SafeguardingCheck
    #: "expired", "expiring" (within the warning days) or None; only for the newest of its type.
    warning: str | None
    #: A newer check of the same type exists.
    superseded: bool


def checks_for(membership_id: int, today: date | None = None) -> list[CheckRow]:
    checks = list(
        db.session.scalars(
            select(SafeguardingCheck)
            .where(SafeguardingCheck.membership_id == membership_id)
            .order_by(SafeguardingCheck.id.desc())
        )
    )
    if not checks:
        return []
    today = today or db.session.get(Membership, membership_id).community.today()
    rows, seen = [], set()
    for check in checks:  # newest first: the first of each type is the current one
        kind = check.check_type.strip().lower()
        superseded = kind in seen
        seen.add(kind)
        rows.append(CheckRow(check, None if superseded else _warning(check.expires_on, today), superseded))
    return rows


def _warning(expires_on: date | None, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> str | None:
    if expires_on is None:
        return None
    if expires_on < today:
        return "expired"
    if expires_on <= today + timedelta(days=within_days):
        return "expiring"
    return None


@dataclass(frozen=True)
class ExpiringCheck:
    check_id: int
    membership_id: int
    name: str
    check_type: str
    expires_on: date
    expired: bool
    days_left: int


def expiring_checks(community_id: int, today: date, within_days: int = EXPIRY_WARNING_DAYS) -> list[ExpiringCheck]:
    """Checks that have expired or expire within `within_days`, soonest first, for members who
    have not left; a check renewed by a newer one of the same type (added later) is not listed."""
    newer = aliased(SafeguardingCheck)
    rows = db.session.execute(
        select(
            SafeguardingCheck.id,
            SafeguardingCheck.membership_id,
            Membership.name,
            SafeguardingCheck.check_type,
            SafeguardingCheck.expires_on,
        )
        .join(Membership, Membership.id == SafeguardingCheck.membership_id)
        .where(
            Membership.community_id == community_id,
            Membership.status != MembershipStatus.LEFT,
            SafeguardingCheck.expires_on.is_not(None),
            SafeguardingCheck.expires_on <= today + timedelta(days=within_days),
            ~exists().where(
                newer.membership_id == SafeguardingCheck.membership_id,
                func.lower(newer.check_type) == func.lower(SafeguardingCheck.check_type),
                newer.id > SafeguardingCheck.id,
            ),
        )
        .order_by(SafeguardingCheck.expires_on, SafeguardingCheck.id)
    ).all()
    return [
        ExpiringCheck(check_id, membership_id, name, check_type, expires_on, expires_on < today, (expires_on - today).days)
        for check_id, membership_id, name, check_type, expires_on in rows
    ]


# -- restrictions ----------------------------------------------------------------------------


def add_restriction(
    actor: Membership, membership_id: int, *, code: str, detail: str | None = None, now: datetime | None = None
) -> Restriction:
    membership = membership_here(actor, membership_id)
    if membership.status == MembershipStatus.LEFT:
        raise WrongMemberStatus(_("They have left the timebank."))
    detail = (detail or "").strip()
    if code not in set(RestrictionCode):
        raise InvalidInput(_("Choose the restriction."), field="code")
    if code == RestrictionCode.OTHER and not detail:
        raise InvalidInput(_("Say what the restriction is."), field="detail")
    if len(detail) > DETAIL_MAX:
        raise InvalidInput(_("Keep it to %(n)d characters or fewer.", n=DETAIL_MAX), field="detail")
    restriction = Restriction(
        membership_id=membership.id, code=code, detail=detail or None, created_by_id=actor.user_id, created_at=now or utcnow()
    )
    db.session.add(restriction)
    db.session.flush()
    record_action(actor, "safeguarding.restrict", membership, "restriction", restriction.id, now=now, code=code)
    return restriction


def lift_restriction(actor: Membership, membership_id: int, restriction_id: int, *, now: datetime | None = None) -> Restriction:
    membership = membership_here(actor, membership_id)
    restriction = db.session.get(Restriction, restriction_id)
    if restriction is None or restriction.membership_id != membership.id:
        raise NotFound()
    if restriction.lifted_at is not None:
        raise WrongMemberStatus(_("That restriction has already been lifted."))
    restriction.lifted_at = now or utcnow()
    restriction.lifted_by_id = actor.user_id
    record_action(actor, "safeguarding.lift", membership, "restriction", restriction.id, now=now, code=restriction.code)
    return restriction


def restrictions_for(membership_ids: Iterable[int], *, include_lifted: bool = False) -> dict[int, list[Restriction]]:
    """Each member's restrictions (in force only, unless `include_lifted`), newest first, in one query."""
    ids = list(membership_ids)
    found: dict[int, list[Restriction]] = {i: [] for i in ids}
    if not ids:
        return found
    query = select(Restriction).where(Restriction.membership_id.in_(ids))
    if not include_lifted:
        query = query.where(Restriction.lifted_at.is_(None))
    for restriction in db.session.scalars(query.order_by(Restriction.lifted_at.is_not(None), Restriction.id.desc())):
        found[restriction.membership_id].append(restriction)
    return found


def restricted_membership_ids(community_id: int, codes: Iterable[str] | None = None) -> set[int]:
    """The members of the community with a restriction in force among `codes` (any code if
    None): whom brokering should leave out."""
    query = (
        select(Restriction.membership_id)
        .join(Membership, Membership.id == Restriction.membership_id)
        .where(Membership.community_id == community_id, Restriction.lifted_at.is_(None))
        .distinct()
    )
    if codes is not None:
        query = query.where(Restriction.code.in_([str(c) for c in codes]))
    return set(db.session.scalars(query))


__all__ = [
    "EXPIRY_WARNING_DAYS",
    "RESTRICTION_LABELS",
    "CheckRow",
    "ExpiringCheck",
    "add_check",
    "add_restriction",
    "checks_for",
    "expiring_checks",
    "lift_restriction",
    "restricted_membership_ids",
    "restrictions_for",
]
