"""People: users, memberships and their accounts, and signing in.

The workflows around them live beside this module: applications, invitations, standing (role,
kind, suspension), leaving, importing from a file, the member list, funders and profiles."""
import re
import secrets
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ...errors import InvalidInput
from ...extensions import db
from ...models import Account, Community, MemberKind, Membership, Role, User
from ...models.types import utcnow
from ...password_policy import MIN_PASSWORD_LENGTH, check_password  # noqa: F401  (the workflows' one policy)
from ...security import hash_password, needs_rehash, verify_password
from .memberships import open_account

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Roles whose holders exchange time and so hold an account.
ACCOUNT_ROLES = {Role.MEMBER, Role.COORDINATOR, Role.ADMIN}


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def create_user(
    email: str, name: str, password: str | None = None, *, password_hash: str | None = None, now: datetime | None = None
) -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise InvalidInput(_("Enter an email address in the right format, like name@example.org."))
    if not (name or "").strip():
        raise InvalidInput(_("Enter the person's name."))
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(_("Someone already uses the email address %(email)s.", email=email))
    if password is not None:
        check_password(password, name=name, email=email)
        password_hash = hash_password(password)
    user = User(email=email, name=name.strip(), password_hash=password_hash, created_at=now or utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def new_member_ref() -> str:
    return "m-" + secrets.token_hex(5)


def add_membership(
    user: User,
    community: Community,
    role: str = Role.MEMBER,
    kind_code: str | None = "volunteer",
    *,
    joined_on: date | None = None,
    ref: str | None = None,
    now: datetime | None = None,
) -> Membership:
    """Add a person to a community; members and coordinators get a time account."""
    now = now or utcnow()
    if role not in set(Role):
        raise InvalidInput(_("A role is one of: %(roles)s.", roles=", ".join(Role)))
    kind = None
    if role in ACCOUNT_ROLES:
        kind = kind_by_code(community.id, kind_code or "volunteer")
    membership = Membership(
        user_id=user.id,
        community_id=community.id,
        role=role,
        kind_id=kind.id if kind else None,
        ref=ref or new_member_ref(),
        joined_on=joined_on or community.today(now),
        created_at=now,
    )
    db.session.add(membership)
    db.session.flush()
    if kind is not None:
        open_account(membership, community, None, now=now, since=membership.joined_on)
    return membership


def kind_by_code(community_id: int, code: str) -> MemberKind:
    kind = db.session.scalar(select(MemberKind).where(MemberKind.community_id == community_id, MemberKind.code == code))
    if kind is None:
        codes = db.session.scalars(select(MemberKind.code).where(MemberKind.community_id == community_id)).all()
        raise InvalidInput(_("A kind is one of: %(kinds)s.", kinds=", ".join(codes)))
    return kind


def member_account(membership_id: int) -> Account | None:
    return db.session.scalar(select(Account).where(Account.membership_id == membership_id))


def authenticate(email: str, password: str, *, now: datetime | None = None) -> User | None:
    """The user these credentials belong to, or None. Rehashes an outdated hash on the way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now or utcnow()
    return user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id)))
