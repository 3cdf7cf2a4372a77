"""The coordinator's member list (searched, filtered, paged by name) and one member's page."""
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Account, KindChange, MemberKind, Membership, User
from ...pagination import PAGE_SIZE, after_key, page_of
from ..notes import notes_for
from ..safeguarding import checks_for, restrictions_for
from .memberships import membership_here


class MemberRow(NamedTuple):
    id: int
    name: str
    email: str
    role: str
    status: str
    kind: str | None
    balance: int | None


def member_list(
    community_id: int,
    *,
    text: str = "",
    kind_id: int | None = None,
    status: str | None = None,
    role: str | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[MemberRow], int | None]:
    """Members by name, a page at a time: keyed by (name, id) after the last one shown, in one
    query whatever the page holds."""
    key = func.lower(Membership.name)
    query = (
        select(
            Membership.id,
            Membership.name.label("name"),
            User.email,
            Membership.role,
            Membership.status,
            MemberKind.label,
            Account.balance,
        )
        .join(User, User.id == Membership.user_id)
        .outerjoin(MemberKind, MemberKind.id == Membership.kind_id)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .where(Membership.community_id == community_id)
    )
    for word in (text or "").split()[:4]:
        word = word.lower()
        query = query.where(
            or_(
                func.lower(User.name).contains(word, autoescape=True),
                func.lower(func.coalesce(Membership.display_name, "")).contains(word, autoescape=True),
                User.email.contains(word, autoescape=True),
            )
        )
    if kind_id:
        query = query.where(Membership.kind_id == kind_id)
    if status:
        query = query.where(Membership.status == status)
    if role:
        query = query.where(Membership.role == role)
    if after:
        m = aliased(Membership)
        mark = select(func.lower(m.name)).where(m.id == after, m.community_id == community_id).scalar_subquery()
        query = query.where(after_key((key, Membership.id), (mark, after)))
    rows = db.session.execute(query.order_by(key, Membership.id).limit(limit + 1)).all()
    return page_of([MemberRow(*row) for row in rows], limit)


class KindHistoryRow(NamedTuple):
    changed_on: object
    from_label: str | None
    to_label: str
    by: str | None


@dataclass
class MemberPage:
    membership: Membership
    account: Account | None
    kind_history: list[KindHistoryRow]
    checks: list
    restrictions: list
    notes: list


def member_page(actor: Membership, membership_id: int) -> MemberPage:
    """Everything a coordinator sees about one member, in a fixed number of queries."""
    membership = membership_here(actor, membership_id)
    old, new = aliased(MemberKind), aliased(MemberKind)
    history = db.session.execute(
        select(KindChange.changed_on, old.label, new.label, User.name)
        .outerjoin(old, old.id == KindChange.from_kind_id)
        .join(new, new.id == KindChange.to_kind_id)
        .outerjoin(User, User.id == KindChange.changed_by_id)
        .where(KindChange.membership_id == membership.id)
        .order_by(KindChange.id.desc())
    ).all()
    return MemberPage(
        membership=membership,
        account=db.session.scalar(select(Account).where(Account.membership_id == membership.id)),
        kind_history=[KindHistoryRow(*row) for row in history],
        checks=checks_for(membership.id),
        restrictions=restrictions_for([membership.id], include_lifted=True).get(membership.id, []),
        notes=notes_for(membership.id),
    )
