"""What the coordinator's people workflows share: finding a membership of the coordinator's
community, who may change whom, the kinds a person may have, opening a time account, and the
audit record and email every change leaves.

Every function that acts takes the coordinator's membership (`actor`), refuses anyone from
another community (NotFound), flushes and never commits, and records itself in the audit log.
"""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ... import mail
from ...errors import InvalidInput, NotFound, NotPermitted
from ...extensions import db
from ...models import RESERVED_KIND_CODES, Account, AccountType, Community, KindChange, MemberKind, Membership, Role
from ...models.types import utcnow
from .. import audit


def person_kinds(community_id: int) -> list[MemberKind]:
    return list(
        db.session.scalars(
            select(MemberKind)
            .where(MemberKind.community_id == community_id, MemberKind.code.not_in(RESERVED_KIND_CODES))
            .order_by(MemberKind.id)
        )
    )


def kind_here(community_id: int, kind_id: int | None) -> MemberKind:
    """A kind of person of this community (not an organisation's or the pot's)."""
    kind = db.session.get(MemberKind, kind_id) if kind_id else None
    if kind is None or kind.community_id != community_id or kind.code in RESERVED_KIND_CODES:
        raise InvalidInput(_("Choose the kind of person they are."), field="kind")
    return kind


def membership_here(actor: Membership, membership_id: int) -> Membership:
    """A membership of the actor's community, or NotFound."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != actor.community_id:
        raise NotFound()
    return membership


def check_manageable(actor: Membership, target: Membership) -> None:
    """Nobody changes their own standing (another coordinator must), and only an administrator
    changes an administrator."""
    if target.id == actor.id:
        raise NotPermitted(_("You cannot do this to yourself. Ask another coordinator."))
    if target.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise NotPermitted(_("Only an administrator can change an administrator."))


def check_grantable(actor: Membership, role: str, field: str = "role") -> None:
    if role not in set(Role):
        raise InvalidInput(_("Choose a role."), field=field)
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise NotPermitted(_("Only an administrator can make someone an administrator."), field=field)


def audit_membership(actor: Membership, action: str, target: Membership, *, now: datetime | None = None, **details) -> None:
    audit.record(
        actor.community_id,
        actor.user_id,
        action,
        subject_membership_id=target.id,
        target_type="membership",
        target_id=target.id,
        now=now,
        **details,
    )


def open_account(
    membership: Membership, community: Community, changed_by_id: int | None, *, now: datetime | None = None, since: date | None = None
) -> Account:
    """The time account of someone who joins (or starts to hold one), with their first kind,
    held since `since` (default: the community's today)."""
    now = now or utcnow()
    db.session.add(
        KindChange(
            membership_id=membership.id,
            from_kind_id=None,
            to_kind_id=membership.kind_id,
            changed_on=since or community.today(now),
            changed_by_id=changed_by_id,
            changed_at=now,
        )
    )
    account = Account(
        community_id=community.id,
        type=AccountType.MEMBER,
        membership_id=membership.id,
        floor=community.default_floor,
        ceiling=community.default_ceiling,
        created_at=now,
    )
    db.session.add(account)
    db.session.flush()
    return account


def email_person(to: str, subject: str, body: str) -> None:
    """Queue an email in the caller's transaction (sent only if it commits)."""
    mail.queue(db.session, to, subject, body)
