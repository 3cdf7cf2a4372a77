"""Finding people to pick: active members with an open time account, by name (for recording an
exchange or a session's register on someone's behalf)."""
from dataclasses import dataclass

from sqlalchemy import func, select

from ...extensions import db
from ...models import Account, Membership, MembershipStatus
from ...pagination import SHORT_PAGE, after_key, page_of


@dataclass(frozen=True)
class Person:
    membership_id: int
    account_id: int
    name: str


def _person_query(community_id: int):
    return (
        select(Membership.id, Account.id, Membership.name)
        .join(Account, Account.membership_id == Membership.id)
        .where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Account.closed_at.is_(None),
        )
    )


def find_people(
    community_id: int, text: str = "", *, after: int | None = None, limit: int = SHORT_PAGE
) -> tuple[list[Person], int | None]:
    """Active members with an open account whose name contains every word of `text`, by name,
    a page at a time (keyed on the name and membership id; `after` is a membership id)."""
    query = _person_query(community_id)
    key = func.lower(Membership.name)
    for word in (text or "").split()[:3]:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(key.like(f"%{escaped}%", escape="\\"))
    if after is not None:
        mark = db.session.execute(
            select(key, Membership.id).where(Membership.id == after, Membership.community_id == community_id)
        ).first()
        if mark is not None:
            query = query.where(after_key((key, Membership.id), mark))
    rows = db.session.execute(query.order_by(key, Membership.id).limit(limit + 1)).all()
    return page_of([Person(*row) for row in rows], limit, key=lambda person: person.membership_id)


def people_by_membership(community_id: int, membership_ids) -> list[Person]:
    """These people (if active here with an open account), by name."""
    ids = [i for i in membership_ids or () if isinstance(i, int)]
    if not ids:
        return []
    query = _person_query(community_id).where(Membership.id.in_(ids))
    return [Person(*row) for row in db.session.execute(query.order_by(func.lower(Membership.name), Membership.id))]


def people_by_account(community_id: int, account_ids) -> list[Person]:
    ids = [i for i in account_ids or () if isinstance(i, int)]
    if not ids:
        return []
    query = _person_query(community_id).where(Account.id.in_(ids))
    return [Person(*row) for row in db.session.execute(query.order_by(func.lower(Membership.name), Membership.id))]
