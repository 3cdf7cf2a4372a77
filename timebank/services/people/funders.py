"""Who may read this community's reciprocity report as a funder: the list, granting and revoking.

A funder holds a membership with the role `funder` and no time account. Granting access to an
existing user gives them such a membership (or makes their old one active again); granting it
to a new email address sends an invitation with the role funder. Revoking sets the membership
to `left`. People who already take part here (members, coordinators) cannot be made funders:
they hold a time account, and coordinators see the report already. Every change is audited.
"""
from datetime import datetime
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import InvalidInput, NotFound
from ...extensions import db
from ...models import Community, Invitation, Membership, MembershipStatus, Role, User
from ...models.types import utcnow
from .. import audit
from . import EMAIL_RE, new_member_ref, normalise_email
from .invitations import LinkFor, new_invitation
from .memberships import audit_membership, email_person


class FunderRow(NamedTuple):
    membership_id: int
    name: str
    email: str
    since: object


class InvitedRow(NamedTuple):
    invitation_id: int
    name: str
    email: str
    expires_at: datetime


class Granted(NamedTuple):
    """What a grant did: a membership for someone with an account, or an invitation (and its
    link, shown once) for a new address."""

    membership: Membership | None
    invitation: Invitation | None
    token: str | None


def funders(community_id: int) -> list[FunderRow]:
    rows = db.session.execute(
        select(Membership.id, User.name, User.email, Membership.joined_on)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.community_id == community_id,
            Membership.role == Role.FUNDER,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(User.name, Membership.id)
    ).all()
    return [FunderRow(*row) for row in rows]


def invited(community_id: int, *, now: datetime | None = None) -> list[InvitedRow]:
    """Funder invitations not yet used and not expired."""
    rows = db.session.execute(
        select(Invitation.id, Invitation.name, Invitation.email, Invitation.expires_at)
        .where(
            Invitation.community_id == community_id,
            Invitation.role == Role.FUNDER,
            Invitation.used_at.is_(None),
            Invitation.expires_at > (now or utcnow()),
        )
        .order_by(Invitation.id)
    ).all()
    return [InvitedRow(*row) for row in rows]


def grant(
    actor: Membership,
    *,
    email: str,
    name: str | None,
    link_for: LinkFor,
    reports_url: str = "/reports/",
    now: datetime | None = None,
) -> Granted:
    now = now or utcnow()
    email, name = normalise_email(email), (name or "").strip()
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."), field="email")
    community = db.session.get(Community, actor.community_id)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        if not name:
            raise InvalidInput(_("Nobody uses %(email)s yet. Enter their name so that we can invite them.", email=email), field="name")
        invitation, token = new_invitation(actor, name=name, email=email, role=Role.FUNDER, kind_id=None, link_for=link_for, now=now)
        audit.record(
            actor.community_id, actor.user_id, "report.invite",
            target_type="invitation", target_id=invitation.id, now=now, role=Role.FUNDER,
        )
        return Granted(None, invitation, token)

    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.community_id == community.id)
    )
    if membership is not None and membership.role != Role.FUNDER:
        raise InvalidInput(
            _("%(email)s already takes part in this community with a time account. Report access is for "
              "funders, who hold no account here; coordinators already see the report.", email=email),
            field="email",
        )
    if membership is None:
        membership = Membership(
            user_id=user.id, community_id=community.id, role=Role.FUNDER, kind_id=None,
            status=MembershipStatus.ACTIVE, ref=new_member_ref(), joined_on=community.today(now), created_at=now,
        )
        db.session.add(membership)
        db.session.flush()
    elif membership.status == MembershipStatus.ACTIVE:
        raise InvalidInput(_("%(email)s can already read this community's reports.", email=email), field="email")
    else:
        membership.status = MembershipStatus.ACTIVE
        membership.joined_on = community.today(now)
        membership.left_on = None
    audit_membership(actor, "report.grant", membership, now=now)
    email_person(
        email,
        _("Reports of %(community)s", community=community.name),
        _("You can now read the reciprocity reports of %(community)s. Sign in and open %(url)s.",
          community=community.name, url=reports_url),
    )
    return Granted(membership, None, None)


def revoke(actor: Membership, membership_id: int, *, now: datetime | None = None) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if (
        membership is None
        or membership.community_id != actor.community_id
        or membership.role != Role.FUNDER
        or membership.status != MembershipStatus.ACTIVE
    ):
        raise NotFound()
    membership.status = MembershipStatus.LEFT
    membership.left_on = db.session.get(Community, actor.community_id).today(now)
    audit_membership(actor, "report.revoke", membership, now=now)
    return membership
