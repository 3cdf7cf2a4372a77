"""A member leaving: the account closed, the balance frozen in it or donated to the pot."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from ...errors import CannotDonateNegative, InvalidInput, WrongMemberStatus
from ...extensions import db
from ...ledger import EntrySpec, PostingSpec, post_entry
from ...models import (
    Account,
    Confirmation,
    EntryKind,
    Exchange,
    ExchangeStatus,
    Listing,
    ListingStatus,
    Membership,
    MembershipStatus,
)
from ...models.types import utcnow
from ..communities import pot_account
from .memberships import audit_membership, check_manageable, membership_here

FREEZE, DONATE = "freeze", "donate"


def leave(actor: Membership, membership_id: int, balance: str, *, now: datetime | None = None) -> Membership:
    """The member leaves: their account closes, their balance either frozen in it or donated to
    the community pot first (a donation entry through the ledger). A balance below zero cannot
    be donated. Their pending exchanges are cancelled and their open listings closed."""
    membership = membership_here(actor, membership_id)
    check_manageable(actor, membership)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED):
        raise WrongMemberStatus(_("Only an active or suspended member can leave. Decline an application instead."))
    if balance not in (FREEZE, DONATE):
        raise InvalidInput(_("Choose what happens to their balance."), field="balance")
    community = membership.community
    now = now or utcnow()
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    donated = 0
    if account is not None:
        if balance == DONATE and account.balance < 0:
            raise CannotDonateNegative(field="balance")
        if balance == DONATE and account.balance > 0:
            donated = account.balance
            pot = pot_account(community.id)
            post_entry(
                EntrySpec(
                    community_id=community.id,
                    kind=EntryKind.DONATION,
                    occurred_on=community.today(now),
                    postings=(PostingSpec(account.id, -donated), PostingSpec(pot.id, donated)),
                    recorded_by_id=actor.user_id,
                    confirmed_by_id=actor.user_id,
                    confirmation=Confirmation.RECORDER,
                    idempotency_key=f"leave-donation-{membership.id}",
                    reason="The member left and their balance was donated to the pot.",
                ),
                now=now,
            )
        db.session.execute(
            update(Exchange)
            .where(
                Exchange.status == ExchangeStatus.PENDING,
                or_(Exchange.giver_account_id == account.id, Exchange.receiver_account_id == account.id),
            )
            .values(status=ExchangeStatus.CANCELLED, decided_at=now, decided_by_id=actor.user_id)
        )
        db.session.refresh(account)
        account.closed_at = now
    db.session.execute(
        update(Listing)
        .where(Listing.membership_id == membership.id, Listing.status == ListingStatus.OPEN)
        .values(status=ListingStatus.CLOSED, closed_at=now)
    )
    membership.status = MembershipStatus.LEFT
    membership.left_on = community.today(now)
    audit_membership(actor, "member.leave", membership, now=now, balance=balance, donated_minutes=donated)
    return membership
