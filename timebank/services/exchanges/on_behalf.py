"""Recording on behalf of members who have no phone or do not use the app: an exchange the
coordinator records (posted at once, saying how it was confirmed) and a member's pending exchange
confirmed for them. The people a coordinator picks from are in `people.search`.

Every posting goes through `ledger.post_entry`, with an idempotency key made from the form's
submission id, so a form sent twice posts once.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import (
    ExchangeNotPending,
    IdempotencyConflict,
    InvalidInput,
    MinutesOutOfRange,
    NotFound,
    PartnerUnavailable,
    PeriodClosed,
    ReasonRequired,
    SubmissionConflict,
)
from ...extensions import db
from ...ledger import exchange as exchange_spec
from ...ledger import post_entry
from ...models import (
    Account,
    AccountType,
    Confirmation,
    Entry,
    EntryKind,
    Exchange,
    ExchangeStatus,
    Match,
    MatchStatus,
    Membership,
    MembershipStatus,
)
from .. import audit
from ..brokering.matches import complete_match
from ..notifications import notify
from .log import MAX_MINUTES, check_exchange_date
from .posting import account_label, post_exchange

#: How a coordinator can know that an exchange happened.
COORDINATOR_CONFIRMATIONS = (Confirmation.PHONE, Confirmation.PAPER, Confirmation.IN_PERSON)


# -- recording checks ------------------------------------------------------------------------


def member_account_here(community_id: int, account_id: int | None, *, field: str) -> Account:
    """An open account of an active member of this community, or PartnerUnavailable."""
    account = db.session.get(Account, account_id) if account_id else None
    if (
        account is None
        or account.community_id != community_id
        or account.type != AccountType.MEMBER
        or account.closed_at is not None
        or account.membership.status != MembershipStatus.ACTIVE
    ):
        raise PartnerUnavailable(_("Choose an active member of this timebank."), field=field)
    return account


def check_minutes(minutes) -> int:
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 0 < minutes <= MAX_MINUTES:
        raise MinutesOutOfRange(field="minutes")
    return minutes


def post_once(spec) -> tuple[Entry, bool]:
    """Post an entry keyed by a form's submission id; the same id with other details is a
    SubmissionConflict (a form changed after it was sent), said the way people understand."""
    try:
        return post_entry(spec)
    except IdempotencyConflict as error:
        raise SubmissionConflict() from error


def tell_posted(entry: Entry, account: Account, other: Account, minutes: int, *, now: datetime | None = None) -> None:
    """Tell a member that time was recorded on their account, and their balance now."""
    if account.type != AccountType.MEMBER:
        return
    notify(
        account.membership.user,
        entry.community_id,
        "exchange_posted",
        {"minutes": minutes, "date": entry.occurred_on.isoformat(), "name": account_label(other), "balance": account.balance},
        "/statement",
        now=now,
    )


# -- recording an exchange -------------------------------------------------------------------


def record_exchange(
    coordinator: Membership,
    *,
    giver_account_id: int,
    receiver_account_id: int,
    minutes: int,
    occurred_on: date,
    activity_id: int | None,
    confirmation: str,
    note: str | None,
    submission_id: str,
    match_id: int | None = None,
    late: bool = False,
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    """Record an exchange between two members, posted at once: recorded and confirmed by the
    coordinator, with how they know it happened. Returns the entry and whether it is new.

    `late`: it happened in a month that is now closed; it is booked now, in an open month,
    keeping its date (a late entry, I8). Without it a closed month is refused."""
    community = coordinator.community
    if not submission_id:
        raise InvalidInput(_("This form is out of date. Please start again."))
    if confirmation not in {str(c) for c in COORDINATOR_CONFIRMATIONS}:
        raise InvalidInput(_("Choose how the exchange was confirmed."), field="confirmation")
    giver = member_account_here(community.id, giver_account_id, field="giver")
    receiver = member_account_here(community.id, receiver_account_id, field="receiver")
    if giver.id == receiver.id:
        raise PartnerUnavailable(_("Choose two different people."), field="receiver")
    minutes = check_minutes(minutes)
    try:
        check_exchange_date(community, occurred_on, today=community.today(now), coordinator=True, late=late)
    except PeriodClosed as error:
        raise PeriodClosed(error.month, _(
            "%(month)s is closed for reporting. To record it keeping the date it happened, tick "
            "“Record it as a late entry”.", month=error.month.strftime("%B %Y"),
        )) from error
    match = _match_for(community.id, match_id, giver, receiver)
    note = (note or "").strip() or None
    entry, replayed = post_once(
        exchange_spec(
            community.id,
            giver.id,
            receiver.id,
            minutes,
            occurred_on,
            kind=EntryKind.EXCHANGE,
            recorded_by_id=coordinator.user_id,
            confirmed_by_id=coordinator.user_id,
            confirmation=confirmation,
            activity_id=activity_id,
            note=note,
            idempotency_key=f"coordinator-exchange:{submission_id}",
            late=late,
        )
    )
    if replayed:
        return entry, False
    if match is not None:
        complete_match(match, entry.id, now=now)
    audit.record(
        community.id,
        coordinator.user_id,
        "exchange.record",
        subject_membership_id=giver.membership_id,
        target_type="entry",
        target_id=entry.id,
        receiver_membership_id=receiver.membership_id,
        minutes=minutes,
        confirmation=confirmation,
        match_id=match.id if match else None,
        late=entry.booked_on is not None,
        now=now,
    )
    tell_posted(entry, giver, receiver, minutes, now=now)
    tell_posted(entry, receiver, giver, minutes, now=now)
    return entry, True


def match_here(community_id: int, match_id: int | None) -> Match | None:
    if not match_id:
        return None
    match = db.session.get(Match, match_id)
    if match is None or match.community_id != community_id:
        raise NotFound()
    return match


def _match_for(community_id: int, match_id: int | None, giver: Account, receiver: Account) -> Match | None:
    """The match this exchange came from: between the same two people, not declined."""
    match = match_here(community_id, match_id)
    if match is None:
        return None
    people = {match.requester_membership_id, match.helper_membership_id}
    if people != {giver.membership_id, receiver.membership_id} or match.status == MatchStatus.DECLINED:
        raise InvalidInput(_("That match is not between these two people, or it was declined."), field="match")
    return match


# -- confirming for a member -----------------------------------------------------------------


def confirm_on_behalf(
    coordinator: Membership,
    exchange_id: int,
    confirmation: str,
    *,
    limit_override: bool = False,
    reason: str | None = None,
    now: datetime | None = None,
) -> Exchange:
    """Confirm a member's pending exchange for the side that has to confirm it (who told the
    coordinator by phone, on paper or in person). Posted with the coordinator as confirmer.

    If its month is closed (a stuck exchange), it is recorded as a late entry, keeping its date.
    `limit_override` lets it take an account past its limit: flagged in the entry, with the
    reason (DESIGN.md, I4), which it then needs."""
    from .stuck import is_stuck

    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.community_id != coordinator.community_id:
        raise NotFound()
    if confirmation not in {str(c) for c in COORDINATOR_CONFIRMATIONS}:
        raise InvalidInput(_("Choose how the exchange was confirmed."), field="confirmation")
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    reason = (reason or "").strip() or None
    if limit_override and not reason:
        raise ReasonRequired(_("Say why this exchange may pass the account's limit."), field="reason")
    late = is_stuck(exchange)
    post_exchange(
        exchange,
        confirmed_by=coordinator.user,
        confirmation=confirmation,
        late=late,
        limit_override=limit_override,
        reason=reason if limit_override else None,
        now=now,
    )
    other = db.session.get(Account, exchange.other_account_id)
    audit.record(
        coordinator.community_id,
        coordinator.user_id,
        "exchange.confirm_on_behalf",
        subject_membership_id=other.membership_id,
        target_type="exchange",
        target_id=exchange.id,
        entry_id=exchange.entry_id,
        confirmation=confirmation,
        late=late,
        limit_override=bool(limit_override),
        reason=reason if limit_override else None,
        now=now,
    )
    return exchange


# -- the paper timesheet ---------------------------------------------------------------------


@dataclass(frozen=True)
class Timesheet:
    membership: Membership
    community_name: str
    balance: int | None
    rows: int


def timesheet(community_id: int, membership_id: int, rows: int = 12) -> Timesheet:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.community_id != community_id:
        raise NotFound()
    balance = db.session.scalar(select(Account.balance).where(Account.membership_id == membership.id))
    return Timesheet(membership, membership.community.name, balance, rows)
