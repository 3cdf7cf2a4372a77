"""Stuck exchanges (issue 13): at the end of the last month the demo closes, three members logged
time they gave, through the same service the "Log time" page uses, and the other side had not
confirmed it when the month was closed on the 3rd. They are stuck: pending, dated in a closed
month, so they can no longer be booked in it.

The first that is still pending at the end (the member who leaves today may be one of them, and
leaving cancels it) was resolved: the person who had to confirm it recorded it late, now, with the one
tap the exchange page offers (`services.exchanges.stuck.record_late`). It is a late entry,
booked in the open month with its true date, so the closed month's seal still holds and its
report shows it as restated. The others still wait, for the coordinator's dashboard ("stuck in a
closed month").
"""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ..errors import TimebankError
from ..extensions import db
from ..ledger.periods import next_month
from ..models import Account, ActivityCategory, Community, Exchange, ExchangeStatus, Membership, MembershipStatus, User
from ..services.exchanges.log import log_exchange
from ..services.exchanges.stuck import record_late
from .people import Person

MINUTES = (60, 45, 90)
NOTES = (
    "Helped clear the garden before the frost",
    "Sat with Mum so I could get to my appointment",
    "Went through the forms for the blue badge together",
)


def log_stuck(community_id: int, people: list[Person], month: date, *, now: datetime) -> list[int]:
    """Log the exchanges, dated near the end of `month` (still open), before it closes, between
    different people; returns their ids, the one to resolve first."""
    last_day = next_month(month) - timedelta(days=1)
    happened = last_day - timedelta(days=4)
    at = min(datetime.combine(last_day - timedelta(days=3), time(18), UTC), now)
    activity = db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community_id).order_by(ActivityCategory.name)
        .limit(1)
    )
    # Plain members who joined well before, in a fixed order: one seed makes one demo.
    ready = [p for p in people if p.mode is None and p.joined_on <= month]
    givers, receivers = ready[1::2], ready[2::2]  # not member01, whose own demo is elsewhere
    ids: list[int] = []
    used: set[int] = set()
    for giver in givers:
        if len(ids) == len(MINUTES):
            break
        for receiver in receivers:
            if receiver.account_id in used or giver.account_id in used:
                continue
            try:
                with db.session.begin_nested():
                    exchange, _ = log_exchange(
                        _membership(community_id, giver.user_id), gave=True, partner_account_id=receiver.account_id,
                        minutes=MINUTES[len(ids)], occurred_on=happened, activity_id=activity, note=NOTES[len(ids)],
                        submission_id=f"demo-stuck-{len(ids) + 1}", now=at,
                    )
            except TimebankError:
                continue  # past someone's limit: the next partner
            if exchange.status != "pending":
                continue
            ids.append(exchange.id)
            used |= {giver.account_id, receiver.account_id}
            break
    return ids


def resolve_stuck(community: Community, exchange_ids: list[int], *, now: datetime) -> dict[str, int]:
    """The side that had to confirm records one of them late, now (the history's last events are
    now too, and the audit log reads in time order); the others are left stuck."""
    for exchange_id in exchange_ids:
        exchange = db.session.get(Exchange, exchange_id)
        if exchange.status != ExchangeStatus.PENDING:
            continue  # cancelled: one of its people left
        confirmer = db.session.scalar(
            select(User).join(Membership, Membership.user_id == User.id)
            .join(Account, Account.membership_id == Membership.id)
            .where(Account.id == exchange.other_account_id, Membership.status == MembershipStatus.ACTIVE)
        )
        if confirmer is None:
            continue
        try:
            with db.session.begin_nested():
                record_late(exchange_id, confirmer, now=now)
            return {"stuck_resolved": 1}
        except TimebankError:
            continue  # past someone's limit by now: the next one
    return {}


def _membership(community_id: int, user_id: int) -> Membership:
    return db.session.scalar(
        select(Membership).where(Membership.community_id == community_id, Membership.user_id == user_id)
    )
