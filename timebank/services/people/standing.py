"""A member's standing: their role, their kind of person (kept in a dated history), and being
suspended and reinstated. Every change is audited."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import InvalidInput, WrongMemberStatus
from ...extensions import db
from ...models import Account, KindChange, Membership, MembershipStatus
from ...models.types import utcnow
from ..notes import add_note
from . import ACCOUNT_ROLES
from .credentials import end_sessions
from .memberships import audit_membership, check_grantable, check_manageable, kind_here, membership_here, open_account


def check_not_left(membership: Membership) -> None:
    if membership.status == MembershipStatus.LEFT:
        raise WrongMemberStatus(_("They have left the timebank, so this cannot be changed."))


def set_role(actor: Membership, membership_id: int, role: str, *, now: datetime | None = None) -> Membership:
    membership = membership_here(actor, membership_id)
    check_not_left(membership)
    check_manageable(actor, membership)
    check_grantable(actor, role)
    if role == membership.role:
        raise InvalidInput(_("They already have that role."), field="role")
    has_account = db.session.scalar(select(Account.id).where(Account.membership_id == membership.id)) is not None
    if role not in ACCOUNT_ROLES and has_account:
        raise InvalidInput(_("Someone with a time account cannot become a funder: funders see reports only."), field="role")
    if role in ACCOUNT_ROLES and not has_account and membership.kind_id is None:
        raise InvalidInput(_("Set the kind of person they are first: everyone with a time account has one."), field="role")
    before = membership.role
    membership.role = role
    if role in ACCOUNT_ROLES and not has_account and membership.status != MembershipStatus.PENDING:
        open_account(membership, membership.community, actor.user_id, now=now)
    audit_membership(actor, "member.role", membership, now=now, before=before, after=role)
    return membership


def set_kind(actor: Membership, membership_id: int, kind_id: int | None, *, now: datetime | None = None) -> Membership:
    """A new kind, kept in the history with its date and who changed it. Postings already made
    keep the kind they were made with."""
    membership = membership_here(actor, membership_id)
    check_not_left(membership)
    kind = kind_here(actor.community_id, kind_id)
    if kind.id == membership.kind_id:
        raise InvalidInput(_("They are already a %(kind)s.", kind=kind.label.lower()), field="kind")
    before = membership.kind
    membership.kind_id = kind.id
    if membership.status != MembershipStatus.PENDING and membership.role in ACCOUNT_ROLES:
        db.session.add(
            KindChange(
                membership_id=membership.id,
                from_kind_id=before.id if before else None,
                to_kind_id=kind.id,
                changed_on=membership.community.today(now),
                changed_by_id=actor.user_id,
                changed_at=now or utcnow(),
            )
        )
    audit_membership(actor, "member.kind", membership, now=now, before=before.code if before else None, after=kind.code)
    return membership


def suspend(actor: Membership, membership_id: int, reason: str | None = None, *, now: datetime | None = None) -> Membership:
    """A suspended member cannot use the member pages until reinstated. The reason, if given,
    is kept as a private note."""
    membership = membership_here(actor, membership_id)
    check_manageable(actor, membership)
    if membership.status != MembershipStatus.ACTIVE:
        raise WrongMemberStatus(_("Only an active member can be suspended."))
    membership.status = MembershipStatus.SUSPENDED
    # Signed out at once, in every browser: a session made before the suspension is worth nothing.
    end_sessions(membership.user, "suspended")
    if (reason or "").strip():
        add_note(actor, membership.id, _("Suspended: %(reason)s", reason=reason.strip()), audited=False, now=now)
    audit_membership(actor, "member.suspend", membership, now=now)
    return membership


def reinstate(actor: Membership, membership_id: int, *, now: datetime | None = None) -> Membership:
    membership = membership_here(actor, membership_id)
    check_manageable(actor, membership)
    if membership.status != MembershipStatus.SUSPENDED:
        raise WrongMemberStatus(_("Only a suspended member can be reinstated."))
    membership.status = MembershipStatus.ACTIVE
    audit_membership(actor, "member.reinstate", membership, now=now)
    return membership
