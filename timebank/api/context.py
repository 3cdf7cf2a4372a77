"""Which membership an API request acts for. Everything is scoped to the communities the caller
belongs to: another community's object is not found (404), never forbidden, so that its
existence is not given away.

Lists take an optional `community` (a slug), defaulting to the caller's first community; an
object's own community decides for requests about one object.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from ..coordinate.context import coordinator_memberships
from ..errors import NotFound
from ..extensions import db
from ..member.context import apply_auto_confirm
from ..models import Account, Membership, MembershipStatus
from ..services.members import account_memberships
from ..services.people import member_account
from .auth import caller
from .problems import NotCoordinator


def member_context(slug: str | None, *, auto_confirm: bool = False) -> tuple[Membership, Account]:
    """The caller's membership with an open time account in the community `slug` (or their
    first), and that account."""
    memberships = account_memberships(caller().user.id)
    membership = _pick(memberships, slug)
    if membership is None:
        raise NotFound(_("You have no time account in that community."))
    account = member_account(membership.id)
    if auto_confirm and apply_auto_confirm(membership.community, account.id):
        membership, account = db.session.get(Membership, membership.id), db.session.get(Account, account.id)
    return membership, account


def coordinator_context(slug: str | None) -> Membership:
    """The caller's coordinator membership in `slug` (or their first)."""
    user_id = caller().user.id
    membership = _pick(coordinator_memberships(user_id), slug)
    if membership is not None:
        return membership
    if slug is not None and not _belongs(user_id, slug):
        raise NotFound()
    raise NotCoordinator()


def coordinator_in(community_id: int) -> Membership:
    """The caller's coordinator membership in the community an object belongs to, or 404."""
    membership = next((m for m in coordinator_memberships(caller().user.id) if m.community_id == community_id), None)
    if membership is None:
        raise NotFound()
    return membership


def my_memberships() -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == caller().user.id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(Membership.id)
        )
    )


def _pick(memberships: list[Membership], slug: str | None) -> Membership | None:
    if slug is None:
        return memberships[0] if memberships else None
    return next((m for m in memberships if m.community.slug == slug), None)


def _belongs(user_id: int, slug: str) -> bool:
    return any(m.community.slug == slug for m in my_memberships())
