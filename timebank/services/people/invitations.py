"""Single-use invitations: a coordinator invites someone by email (as a member, a coordinator or
a funder), and the link lets them choose a password and join. Only a SHA-256 of each link's
token is kept, so a link is shown once and never again."""
import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import InvalidInput, InvitationExpired, InvitationInvalid, InvitationUsed
from ...extensions import db
from ...models import Community, Invitation, MemberKind, Membership, User
from ...models.types import utcnow
from ...security import hash_password
from .. import audit
from . import ACCOUNT_ROLES, EMAIL_RE, add_membership, check_password, create_user, normalise_email
from .memberships import check_grantable, email_person, kind_here

INVITATION_DAYS = 14
#: Makes the link of an invitation from its token (the views pass `url_for(..., _external=True)`).
LinkFor = Callable[[str], str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invitation(
    actor: Membership, *, name: str, email: str, role: str, kind_id: int | None, link_for: LinkFor, now: datetime | None = None
) -> tuple[Invitation, str]:
    """Make an invitation and email its link (checked by the caller: invite, grant, import)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        community_id=actor.community_id,
        email=email,
        name=name,
        role=role,
        kind_id=kind_id,
        token_hash=token_hash(token),
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    community = db.session.get(Community, actor.community_id)
    email_person(
        email,
        _("An invitation to join %(community)s", community=community.name),
        _(
            "Hello %(name)s. You are invited to join %(community)s, a timebank. Open this link to choose a password "
            "(it works once, for %(days)d days): %(link)s",
            name=name,
            community=community.name,
            days=INVITATION_DAYS,
            link=link_for(token),
        ),
    )
    return invitation, token


def invite(
    actor: Membership, *, name: str, email: str, role: str, kind_id: int | None, link_for: LinkFor, now: datetime | None = None
) -> tuple[Invitation, str]:
    """A single-use link, emailed, valid for 14 days. Only a SHA-256 of its token is kept, so
    the link is shown once (to the coordinator, to pass on by hand if need be) and never again."""
    name, email = (name or "").strip(), normalise_email(email)
    if not name:
        raise InvalidInput(_("Enter the person's name."), field="name")
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."), field="email")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(_("Someone already uses the email address %(email)s.", email=email), field="email")
    check_grantable(actor, role)
    kind = kind_here(actor.community_id, kind_id) if role in ACCOUNT_ROLES else None
    invitation, token = new_invitation(
        actor, name=name, email=email, role=role, kind_id=kind and kind.id, link_for=link_for, now=now
    )
    audit.record(
        actor.community_id, actor.user_id, "member.invite", target_type="invitation", target_id=invitation.id, now=now, role=role
    )
    return invitation, token


def invitation_by_token(token: str, *, lock: bool = False, now: datetime | None = None) -> Invitation:
    query = select(Invitation).where(Invitation.token_hash == token_hash(token or ""))
    invitation = db.session.scalar(query.with_for_update() if lock else query)
    if invitation is None:
        raise InvitationInvalid()
    if invitation.used_at is not None:
        raise InvitationUsed()
    if invitation.expires_at <= (now or utcnow()):
        raise InvitationExpired()
    return invitation


def accept_invitation(token: str, *, name: str, password: str, now: datetime | None = None) -> User:
    """Set a password and join: the user, the membership and the account are made now (or, for
    someone imported from a file, only the password is set). The link then stops working."""
    now = now or utcnow()
    invitation = invitation_by_token(token, lock=True, now=now)  # two tabs accepting at once: one wins
    check_password(password, name=(name or "").strip() or invitation.name, email=invitation.email)
    community = db.session.get(Community, invitation.community_id)
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    membership = None
    if user is not None:
        membership = db.session.scalar(
            select(Membership).where(Membership.user_id == user.id, Membership.community_id == community.id)
        )
        if user.password_hash is not None or membership is None:
            raise InvitationUsed(_("Someone already uses this email address. Sign in instead."))
        user.password_hash = hash_password(password)
        user.name = (name or "").strip() or user.name
    else:
        user = create_user(invitation.email, (name or "").strip() or invitation.name, password, now=now)
        kind_code = db.session.scalar(select(MemberKind.code).where(MemberKind.id == invitation.kind_id)) if invitation.kind_id else None
        membership = add_membership(user, community, role=invitation.role, kind_code=kind_code, now=now)
    invitation.used_at = now
    audit.record(
        community.id, user.id, "member.join",
        subject_membership_id=membership.id, target_type="invitation", target_id=invitation.id, now=now,
    )
    return user
