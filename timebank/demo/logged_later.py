"""An exchange logged days after it happened (issue 13's statement): the demo member gave an
hour three days ago, logged it yesterday through the same service the "Log time" page uses, and
their partner confirmed it. Their statement lists it under the day it happened, with "recorded"
and the day it was written beside it; the row opens the entry, with its activity, note and who
confirmed it."""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from ..errors import TimebankError
from ..extensions import db
from ..models import Account, AccountType, ActivityCategory, Community, Membership, MembershipStatus, Role, User
from ..services.exchanges.confirm import confirm_exchange
from ..services.exchanges.log import log_exchange

MINUTES = 60
NOTE = "Walked to the pharmacy together and back"


def seed_logged_later(community: Community, *, member_email: str, now: datetime) -> dict[str, int]:
    member = db.session.scalar(
        select(Membership).join(User).where(Membership.community_id == community.id, User.email == member_email)
    )
    if member is None:
        return {}
    partners = db.session.execute(
        select(Account.id, Membership.user_id)
        .join(Membership, Membership.id == Account.membership_id)
        .where(
            Account.community_id == community.id, Account.type == AccountType.MEMBER, Account.closed_at.is_(None),
            Membership.id != member.id, Membership.status == MembershipStatus.ACTIVE, Membership.role == Role.MEMBER,
            Membership.in_directory.is_(True),
        )
        .order_by(Account.id)
        .limit(5)
    ).all()
    activity = db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id).order_by(ActivityCategory.name).limit(1)
    )
    # Yesterday at ten: a moment that depends on the day only, so one seed makes one demo.
    at = min(datetime.combine(community.today(now) - timedelta(days=1), time(10), UTC), now)
    happened = community.today(now) - timedelta(days=3)
    for account_id, user_id in partners:
        try:
            with db.session.begin_nested():
                exchange, _ = log_exchange(
                    member, gave=True, partner_account_id=account_id, minutes=MINUTES, occurred_on=happened,
                    activity_id=activity, note=NOTE, submission_id="demo-logged-later", now=at,
                )
                if exchange.status == "pending":
                    confirm_exchange(exchange.id, db.session.get(User, user_id), now=at + timedelta(hours=2))
            return {"logged_later": 1}
        except TimebankError:
            continue  # a closed month, or past someone's limit: the next partner, or none
    return {}
