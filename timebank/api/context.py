"""Which membership an API request acts for. Everything is scoped to the communities the caller
belongs to: another community's object is not found (404), never forbidden, so that its
existence is not given away.

Lists take an optional `community` (a slug), defaulting to the caller's first community; an
object's own community decides for requests about one object.
"""
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Account, Membership, MembershipStatus
from ..services.access import account_memberships, by_slug, coordinator_memberships
from ..services.people import member_account
from .auth import caller
from .problems import NotCoordinator


def member_context(slug: str | None) -> tuple[Membership, Account]:
    """The caller's membership with an open time account in the community `slug` (or their
    first), and that account. Nothing is written: exchanges past the auto-confirm days are
    posted by the periodic job, not by a read."""
    memberships = account_memberships(caller().user.id)
    membership = by_slug(memberships, slug)
    if membership is None:
        raise NotFound(_("You have no time account in that community."))
    return membership, member_account(membership.id)


def coordinator_context(slug: str | None) -> Membership:
    """The caller's coordinator membership in `slug` (or their first)."""
    user_id = caller().user.id
    membership = by_slug(coordinator_memberships(user_id), slug)
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


def _belongs(user_id: int, slug: str) -> bool:
    return any(m.community.slug == slug for m in my_memberships())
