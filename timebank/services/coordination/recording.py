"""Recording on behalf of members who have no phone or do not use the app: an exchange the
coordinator records (posted at once, saying how it was confirmed), a member's pending exchange
confirmed for them, and the people a coordinator picks from.

Every posting goes through `ledger.post_entry`, with an idempotency key made from the form's
submission id, so a form sent twice posts once.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from ...errors import (
    ExchangeNotPending,
    IdempotencyConflict,
    InvalidInput,
    MinutesOutOfRange,
    NotFound,
    PartnerUnavailable,
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
    User,
)
from .. import audit
from ..exchanges import MAX_MINUTES, _post, account_label, check_exchange_date
from ..notifications import notify
from .brokering import complete_match

#: How a coordinator can know that an exchange happened.
COORDINATOR_CONFIRMATIONS = (Confirmation.PHONE, Confirmation.PAPER, Confirmation.IN_PERSON)
PAGE_SIZE = 20
PEOPLE_PAGE = 20


# -- people to pick from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    membership_id: int
    account_id: int
    name: str


def _person_query(community_id: int):
    name = func.coalesce(Membership.display_name, User.name)
    return name, (
        select(Membership.id, Account.id, name)
        .join(User, User.id == Membership.user_id)
        .join(Account, Account.membership_id == Membership.id)
        .where(
            Membership.community_id == community_id,
            Membership.status == MembershipStatus.ACTIVE,
            Account.closed_at.is_(None),
        )
    )


def find_people(
    community_id: int, text: str = "", *, after: int | None = None, limit: int = PEOPLE_PAGE
) -> tuple[list[Person], int | None]:
    """Active members with an open account whose name contains every word of `text`, by name,
    a page at a time (keyed on the name and membership id; `after` is a membership id)."""
    name, query = _person_query(community_id)
    key = func.lower(name)
    for word in (text or "").split()[:3]:
        escaped = word.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(key.like(f"%{escaped}%", escape="\\"))
    if after is not None:
        mark = db.session.execute(
            select(func.lower(func.coalesce(Membership.display_name, User.name)), Membership.id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.id == after, Membership.community_id == community_id)
        ).first()
        if mark is not None:
            query = query.where(or_(key > mark[0], and_(key == mark[0], Membership.id > mark[1])))
    rows = db.session.execute(query.order_by(key, Membership.id).limit(limit + 1)).all()
    people = [Person(*row) for row in rows[:limit]]
    return people, (people[-1].membership_id if len(rows) > limit and people else None)


def people_by_membership(community_id: int, membership_ids) -> list[Person]:
    """These people (if active here with an open account), by name."""
    ids = [i for i in membership_ids or () if isinstance(i, int)]
    if not ids:
        return []
    name, query = _person_query(community_id)
    return [Person(*row) for row in db.session.execute(query.where(Membership.id.in_(ids)).order_by(func.lower(name), Membership.id))]


def people_by_account(community_id: int, account_ids) -> list[Person]:
    ids = [i for i in account_ids or () if isinstance(i, int)]
    if not ids:
        return []
    name, query = _person_query(community_id)
    return [Person(*row) for row in db.session.execute(query.where(Account.id.in_(ids)).order_by(func.lower(name), Membership.id))]


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


def tell_posted(entry: Entry, account: Account, other: Account, minutes: int) -> None:
    """Tell a member that time was recorded on their account, and their balance now."""
    if account.type != AccountType.MEMBER:
        return
    notify(
        account.membership.user,
        entry.community_id,
        "exchange_posted",
        {"minutes": minutes, "date": entry.occurred_on.isoformat(), "name": account_label(other), "balance": account.balance},
        "/statement",
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
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    """Record an exchange between two members, posted at once: recorded and confirmed by the
    coordinator, with how they know it happened. Returns the entry and whether it is new."""
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
    check_exchange_date(community, occurred_on, today=community.today(now), coordinator=True)
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
    )
    tell_posted(entry, giver, receiver, minutes)
    tell_posted(entry, receiver, giver, minutes)
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


def pending_exchanges(community_id: int, *, after: int | None = None, limit: int = PAGE_SIZE) -> tuple[list[Exchange], int | None]:
    """The community's pending exchanges, oldest first (the longest waiting), paged by id."""
    query = (
        select(Exchange)
        .where(Exchange.community_id == community_id, Exchange.status == ExchangeStatus.PENDING)
        .options(
            joinedload(Exchange.giver).joinedload(Account.membership).joinedload(Membership.user),
            joinedload(Exchange.receiver).joinedload(Account.membership).joinedload(Membership.user),
        )
    )
    if after is not None:
        query = query.where(Exchange.id > after)
    rows = list(db.session.scalars(query.order_by(Exchange.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def confirm_on_behalf(coordinator: Membership, exchange_id: int, confirmation: str, *, now: datetime | None = None) -> Exchange:
    """Confirm a member's pending exchange for the side that has to confirm it (who told the
    coordinator by phone, on paper or in person). Posted with the coordinator as confirmer."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.community_id != coordinator.community_id:
        raise NotFound()
    if confirmation not in {str(c) for c in COORDINATOR_CONFIRMATIONS}:
        raise InvalidInput(_("Choose how the exchange was confirmed."), field="confirmation")
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    _post(exchange, confirmed_by=coordinator.user, confirmation=confirmation, now=now)
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
