"""Who may read which community's report, and whether they see it with the privacy rules applied.

The grant is a membership: a funder holds an active membership with the role `funder` in each
community they fund; coordinators and administrators read their own community's report
unsuppressed. Nobody else sees a report, and asking for one answers NotFound (404, never 403),
whether or not the community exists.
"""
from typing import NamedTuple

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Community, Membership, MembershipStatus, Role

#: Roles that read their own community's report without suppression.
UNSUPPRESSED_ROLES = (Role.COORDINATOR, Role.ADMIN)
REPORT_ROLES = (*UNSUPPRESSED_ROLES, Role.FUNDER)


class Viewable(NamedTuple):
    community: Community
    unsuppressed: bool


def _user_id(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


def viewable_community(user, slug: str) -> tuple[Community, bool]:
    """The community `slug` names and whether `user` reads its report unsuppressed; NotFound if
    there is no such community or `user` may not read its report."""
    user_id = _user_id(user)
    if user_id is None:
        raise NotFound()
    row = db.session.execute(
        select(Community, Membership.role)
        .join(Membership, Membership.community_id == Community.id)
        .where(
            Community.slug == slug,
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(REPORT_ROLES),
        )
    ).first()
    if row is None:
        raise NotFound()
    community, role = row
    return Viewable(community, role in UNSUPPRESSED_ROLES)


def viewable_communities(user) -> list[Viewable]:
    """Every community whose report `user` may read, by name."""
    user_id = _user_id(user)
    if user_id is None:
        return []
    rows = db.session.execute(
        select(Community, Membership.role)
        .join(Membership, Membership.community_id == Community.id)
        .where(
            Membership.user_id == user_id,
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role.in_(REPORT_ROLES),
        )
        .order_by(Community.name, Community.id)
    ).all()
    return [Viewable(community, role in UNSUPPRESSED_ROLES) for community, role in rows]


def funded_communities(user) -> list[Community]:
    """The communities `user` reads as a funder (with the privacy rules applied)."""
    return [v.community for v in viewable_communities(user) if not v.unsuppressed]
