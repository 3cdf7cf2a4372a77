"""What the signed-in person's start page shows."""
from typing import NamedTuple

from sqlalchemy import func, select

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


class Summary(NamedTuple):
    balance: int
    given_month: int
    received_month: int
    given_total: int
    received_total: int
    given_year: int
    received_year: int
    to_confirm: int
    awaiting: int
    open_listings: int
    nudge: str | None


def member_summary(membership: Membership, account: Account) -> Summary:
    """The start page's figures for one member, and a kind word where it helps."""
    from ..models import Listing, ListingStatus
    from .exchanges.pending import pending_for
    from .statements import totals

    today = membership.community.today()
    given_month, received_month = totals(account.id, since=today.replace(day=1))
    given_year, received_year = totals(account.id, since=today.replace(month=1, day=1))
    given_total, received_total = totals(account.id)
    to_confirm, awaiting = pending_for(account.id)
    open_listings = db.session.scalar(
        select(func.count()).where(Listing.membership_id == membership.id, Listing.status == ListingStatus.OPEN)
    )
    return Summary(
        account.balance,
        given_month,
        received_month,
        given_total,
        received_total,
        given_year,
        received_year,
        len(to_confirm),
        len(awaiting),
        open_listings,
        nudge(given_year, received_year, given_total + received_total, open_listings),
    )


def nudge(given_year: int, received_year: int, total: int, open_listings: int) -> str | None:
    """An invitation, never a judgement: mutuality grows when givers also ask and receivers
    also offer."""
    from flask_babel import gettext as _

    from ..formatting import hours_minutes

    if total == 0:
        return _("Welcome. You could offer something you enjoy, or ask for a hand with something.")
    if given_year >= 120 and received_year == 0:
        return _(
            "You have given %(time)s this year: thank you. Is there something you would like help with?",
            time=hours_minutes(given_year),
        )
    if received_year >= 120 and given_year == 0 and open_listings == 0:
        return _("Everyone has something to offer. You could offer something you enjoy, like a chat or a skill.")
    return None
