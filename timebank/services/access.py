"""Who may act here: the memberships through which a person acts as a member (an open time
account) or as a coordinator, which of them a request acts in, and whose reports they may read.

The pages (coordinate/context.py, member/context.py, the start page, the reports) and the API
(api/context.py, its report) keep their thin guards, and ask this module the question. Nothing
here writes.

A report's grant is a membership: a funder holds an active membership with the role `funder` in
each community they fund; coordinators and administrators read their own community's report
unsuppressed. Nobody else sees a report, and asking for one answers NotFound (404, never 403),
whether or not the community exists.
"""
from typing import NamedTuple

from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..models import Account, Community, Membership, MembershipStatus, Role
from .communities import SLUG_RE

COORDINATOR_ROLES = (Role.COORDINATOR, Role.ADMIN)
#: Roles that read their own community's report without suppression.
UNSUPPRESSED_ROLES = COORDINATOR_ROLES
REPORT_ROLES = (*UNSUPPRESSED_ROLES, Role.FUNDER)


class MemberContext(NamedTuple):
    """What a member page acts for: the membership, all the person's account memberships (to
    switch between), and the membership's time account."""

    membership: Membership
    memberships: list[Membership]
    account: Account


class Viewable(NamedTuple):
    community: Community
    unsuppressed: bool


def account_memberships(user_id: int) -> list[Membership]:
    """The active memberships in which this person holds a time account (member pages, API)."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(Account, Account.membership_id == Membership.id)
            .where(Membership.user_id == user_id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(Membership.id)
        )
    )


def coordinator_memberships(user_id: int) -> list[Membership]:
    """The active memberships in which this person is a coordinator or an administrator."""
    return list(
        db.session.scalars(
            select(Membership)
            .where(
                Membership.user_id == user_id,
                Membership.role.in_(COORDINATOR_ROLES),
                Membership.status == MembershipStatus.ACTIVE,
            )
            .order_by(Membership.id)
        )
    )


def acting_in(memberships: list[Membership], community_id: int | None) -> Membership | None:
    """The membership of `community_id` (the community a page session chose), else the first."""
    if not memberships:
        return None
    return next((m for m in memberships if m.community_id == community_id), memberships[0])


def member_context(user_id: int, community_id: int | None) -> MemberContext | None:
    """The membership a member page acts in (`community_id`, the one the session chose, else
    the first) with its account; None when the person holds no time account."""
    memberships = account_memberships(user_id)
    membership = acting_in(memberships, community_id)
    if membership is None:
        return None
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    return MemberContext(membership, memberships, account)


def by_slug(memberships: list[Membership], slug: str | None) -> Membership | None:
    """The membership in the community `slug` names (an API parameter), else the first when
    no slug is given; None when the person has none there."""
    if slug is None:
        return memberships[0] if memberships else None
    return next((m for m in memberships if m.community.slug == slug), None)


def _user_id(user) -> int | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user.id


def viewable_community(user, slug: str) -> Viewable:
    """The community `slug` names and whether `user` reads its report unsuppressed; NotFound if
    there is no such community or `user` may not read its report."""
    user_id = _user_id(user)
    if user_id is None or not SLUG_RE.match(slug):  # no slug holds a NUL, which PostgreSQL refuses
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
