"""Applications from the public sign-up form, and a coordinator approving or declining them.

Every function that acts takes the coordinator's membership (`actor`), refuses anyone from
another community (NotFound), flushes and never commits, and records itself in the audit log.
"""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...errors import InvalidInput, WrongMemberStatus
from ...extensions import db
from ...models import Account, Community, Membership, MembershipStatus, Role, User
from ...models.types import utcnow
from ...pagination import PAGE_SIZE, page_of
from ...security import hash_password
from .. import audit
from . import ACCOUNT_ROLES, EMAIL_RE, check_password, create_user, new_member_ref, normalise_email
from .memberships import audit_membership, email_person, kind_here, membership_here, open_account

NOTE_MAX = 1000


def apply(
    community: Community,
    *,
    name: str,
    email: str,
    password: str,
    kind_id: int | None,
    note: str | None,
    now: datetime | None = None,
) -> Membership | None:
    """A pending application from the public sign-up form: a user and a membership with no
    account. When the email address already has an account, nothing is created and its owner is
    emailed instead, so that the form does not tell strangers who has an account."""
    now = now or utcnow()
    name, email, note = (name or "").strip(), normalise_email(email), (note or "").strip()
    if not name:
        raise InvalidInput(_("Enter your name."), field="name")
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."), field="email")
    check_password(password, name=name, email=email)
    kind = kind_here(community.id, kind_id)
    if len(note) > NOTE_MAX:
        raise InvalidInput(_("Keep it to %(n)d characters or fewer.", n=NOTE_MAX), field="note")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        hash_password(password)  # as long as a new application takes, so timing tells nothing either
        email_person(
            email,
            _("Your application to %(community)s", community=community.name),
            _(
                "Someone asked to join %(community)s with this email address, which already has an account. "
                "If it was you, sign in, or ask the coordinator to add you.",
                community=community.name,
            ),
        )
        return None
    user = create_user(email, name, password, now=now)
    membership = Membership(
        user_id=user.id,
        community_id=community.id,
        role=Role.MEMBER,
        kind_id=kind.id,
        status=MembershipStatus.PENDING,
        ref=new_member_ref(),
        joined_on=community.today(now),
        application_note=note or None,
        created_at=now,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record(
        community.id, user.id, "member.apply",
        subject_membership_id=membership.id, target_type="membership", target_id=membership.id, now=now,
    )
    return membership


def applications(community_id: int, after: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[Membership], int | None]:
    """Pending applications, oldest first, a page at a time keyed by id (in one query)."""
    query = (
        select(Membership)
        .options(joinedload(Membership.user), joinedload(Membership.kind))
        .where(Membership.community_id == community_id, Membership.status == MembershipStatus.PENDING)
    )
    if after:
        query = query.where(Membership.id > after)
    return page_of(list(db.session.scalars(query.order_by(Membership.id).limit(limit + 1))), limit)


def count_applications(community_id: int) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.community_id == community_id, Membership.status == MembershipStatus.PENDING
        )
    )


def approve(actor: Membership, membership_id: int, *, sign_in_url: str = "/login", now: datetime | None = None) -> Membership:
    now = now or utcnow()
    membership = membership_here(actor, membership_id)
    if membership.status != MembershipStatus.PENDING:
        raise WrongMemberStatus(_("That application has already been decided."))
    community = membership.community
    membership.status = MembershipStatus.ACTIVE
    membership.joined_on = community.today(now)
    if membership.role in ACCOUNT_ROLES and db.session.scalar(select(Account.id).where(Account.membership_id == membership.id)) is None:
        open_account(membership, community, actor.user_id, now=now)
    email_person(
        membership.user.email,
        _("Welcome to %(community)s", community=community.name),
        _(
            "Your application to join %(community)s has been approved. Sign in at %(url)s to log the time you give and receive.",
            community=community.name,
            url=sign_in_url,
        ),
    )
    audit_membership(actor, "member.approve", membership, now=now)
    return membership


def decline(actor: Membership, membership_id: int, message: str | None = None, *, now: datetime | None = None) -> Membership:
    membership = membership_here(actor, membership_id)
    if membership.status != MembershipStatus.PENDING:
        raise WrongMemberStatus(_("That application has already been decided."))
    message = (message or "").strip()[:NOTE_MAX]
    community = membership.community
    membership.status = MembershipStatus.LEFT
    membership.left_on = community.today(now)
    body = _("Thank you for applying to join %(community)s. We are sorry, but we cannot accept your application.", community=community.name)
    if message:
        body += "\n\n" + message
    email_person(membership.user.email, _("Your application to %(community)s", community=community.name), body)
    audit_membership(actor, "member.decline", membership, now=now, with_message=bool(message))
    return membership
