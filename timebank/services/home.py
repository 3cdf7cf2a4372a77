"""What the signed-in person's start page shows."""
from typing import NamedTuple

from sqlalchemy import select

from ..extensions import db
from ..models import Account, Community, Membership


class MembershipRow(NamedTuple):
    community: Community
    membership: Membership
    balance: int | None


def memberships_with_balances(user_id: int) -> list[MembershipRow]:
    rows = db.session.execute(
        select(Community, Membership, Account.balance)
        .join(Membership, Membership.community_id == Community.id)
        .outerjoin(Account, Account.membership_id == Membership.id)
        .where(Membership.user_id == user_id)
        .order_by(Community.name)
    ).all()
    return [MembershipRow(*row) for row in rows]
