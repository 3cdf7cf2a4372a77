"""A late entry: in the demo, a paper timesheet from the first (closed) month turns up and the
coordinator records it now, keeping the date it happened. It is booked in an open month, so the
closed month's seal still holds, and that month's report shows it as restated. Made by the
coordinators' own service (`services.exchanges.on_behalf.record_exchange`, late=True)."""
from datetime import datetime, timedelta

from sqlalchemy import select

from ..errors import LedgerError
from ..extensions import db
from ..ledger import closed_months
from ..models import Account, AccountType, Community, Confirmation, Membership, MembershipStatus, Role
from ..services.exchanges.on_behalf import record_exchange

MINUTES = 90
NOTE = "Found on a paper timesheet handed in late"


def seed_late_entries(community: Community, coordinator: Membership, *, now: datetime) -> dict[str, int]:
    closed = sorted(closed_months(community.id))
    if not closed:
        return {}
    day = closed[0] + timedelta(days=14)
    accounts = db.session.scalars(
        select(Account.id)
        .join(Membership, Membership.id == Account.membership_id)
        .where(
            Account.community_id == community.id,
            Account.type == AccountType.MEMBER,
            Account.closed_at.is_(None),
            Membership.status == MembershipStatus.ACTIVE,
            Membership.role == Role.MEMBER,
            Membership.joined_on <= day,
        )
        .order_by(Account.id)
    ).all()
    # Recorded now, at the end of the demo's history (the audit log reads in time order, and
    # the history's last event, a member leaving, is now too).
    at = now
    for giver, receiver in zip(accounts, accounts[1:], strict=False):
        try:
            with db.session.begin_nested():
                record_exchange(
                    coordinator,
                    giver_account_id=giver,
                    receiver_account_id=receiver,
                    minutes=MINUTES,
                    occurred_on=day,
                    activity_id=None,
                    confirmation=Confirmation.PAPER,
                    note=NOTE,
                    submission_id="demo-late-entry",
                    late=True,
                    now=at,
                )
            return {"late_entries": 1}
        except LedgerError:
            continue  # past someone's limit: the next pair
    return {}
