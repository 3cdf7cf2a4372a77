"""A person's credentials: ending every copy of their session, changing their password, and
resetting it through a single-use link sent by email. Failed sign-ins that repeat are put in
the audit log of each community the person belongs to, for its coordinators to see."""
import hashlib
import secrets
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ... import security_log
from ...errors import InvalidInput, TimebankError
from ...extensions import db
from ...models import ApiToken, Membership, Role, User
from ...models.people import PasswordResetToken
from ...models.types import utcnow
from ...security import hash_password, verify_password
from .. import audit
from . import check_password, normalise_email
from .memberships import audit_membership, check_manageable, email_person, membership_here

RESET_LINK_LIFETIME = timedelta(hours=1)


class ResetLinkUnusable(TimebankError):
    code = "reset_link_unusable"
    status = 410
    message = _l("This link has expired or has been used already. Ask for a new one.")


def end_sessions(user: User, reason: str) -> None:
    """End every copy of the person's session, in every browser, at once: the version in each
    session cookie is now out of date. API tokens are separate credentials and keep working."""
    user.session_version = (user.session_version or 0) + 1
    security_log.record("session.ended", user_id=user.id, reason=reason, everywhere=True)


def sign_out_everywhere(actor: Membership, membership_id: int, *, now: datetime | None = None) -> Membership:
    """A coordinator's or administrator's "sign out everywhere" for a person of their community
    (a lost phone, a shared computer)."""
    membership = membership_here(actor, membership_id)
    check_manageable(actor, membership)
    end_sessions(membership.user, "signed_out_by_staff")
    audit_membership(actor, "member.sign_out_everywhere", membership, now=now)
    return membership


def set_password(user: User, password: str, *, field: str = "password") -> None:
    check_password(password, name=user.name, email=user.email, field=field)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str, *, revoke_tokens: bool = False, now: datetime | None = None) -> User:
    """A new password, given the present one. Every other session ends (the caller starts this
    one again with the new version); API tokens end too if the person asks."""
    now = now or utcnow()
    if not verify_password(user.password_hash, current or ""):
        security_log.record("password.change_refused", user_id=user.id, outcome="wrong_current_password")
        raise InvalidInput(_("That is not your present password."), field="current_password")
    set_password(user, new, field="new_password")
    _expire_reset_links(user, now)
    if revoke_tokens:
        db.session.execute(
            update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
        )
    end_sessions(user, "password_changed")
    security_log.record("password.changed", user_id=user.id, tokens_revoked=bool(revoke_tokens))
    db.session.flush()
    return user


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def request_reset(email: str, link_for, *, now: datetime | None = None) -> None:
    """Email a link to choose a new password, if the address has an account that may sign in.
    The same outcome either way (nothing is returned), so the page tells nobody who has an
    account. `link_for(secret)` makes the link's full address."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_active:
        security_log.record("password.reset_requested", outcome="no_account")
        return
    secret = secrets.token_urlsafe(32)
    db.session.add(PasswordResetToken(user_id=user.id, token_hash=_hash(secret), created_at=now, expires_at=now + RESET_LINK_LIFETIME))
    email_person(
        user.email,
        _("Choose a new password"),
        _(
            "Hello %(name)s. Someone asked to reset the password of your timebank account. If it was you, "
            "open this link within an hour to choose a new one:\n\n%(link)s\n\n"
            "The link works once. If it was not you, you need do nothing: your password has not changed.",
            name=user.name,
            link=link_for(secret),
        ),
    )
    db.session.flush()
    security_log.record("password.reset_requested", outcome="sent", user_id=user.id)


def reset_link(secret: str, *, now: datetime | None = None, lock: bool = False) -> PasswordResetToken:
    """The unused, unexpired link with this secret, or ResetLinkUnusable."""
    query = select(PasswordResetToken).where(PasswordResetToken.token_hash == _hash(secret or ""))
    link = db.session.scalar(query.with_for_update() if lock else query)
    if link is None or link.used_at is not None or link.expires_at <= (now or utcnow()):
        raise ResetLinkUnusable()
    return link


def reset_password(secret: str, password: str, *, now: datetime | None = None) -> User:
    """Set a new password through a reset link. The link, and any other unused one, stops
    working, and every session of the person ends."""
    now = now or utcnow()
    link = reset_link(secret, now=now, lock=True)
    user = db.session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise ResetLinkUnusable()
    set_password(user, password)
    _expire_reset_links(user, now)
    end_sessions(user, "password_reset")
    security_log.record("password.reset_used", user_id=user.id)
    db.session.flush()
    return user


def _expire_reset_links(user: User, now: datetime) -> None:
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )


def record_repeated_failures(email: str, failures: int, *, now: datetime | None = None) -> None:
    """Tell the coordinators of each of the person's communities, through the audit log, that
    their sign-in keeps failing (someone guessing, or a member who needs help)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        return
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == user.id)):
        audit.record(
            membership.community_id,
            None,
            "signin.repeated_failures",
            subject_membership_id=membership.id,
            target_type="membership",
            target_id=membership.id,
            now=now,
            failures=failures,
        )


def has_staff_role(user_id: int) -> bool:
    """Whether the person coordinates, funds or administers anywhere (their sessions end sooner)."""
    staff = (Role.COORDINATOR, Role.FUNDER, Role.ADMIN)
    return db.session.scalar(select(Membership.id).where(Membership.user_id == user_id, Membership.role.in_(staff)).limit(1)) is not None
