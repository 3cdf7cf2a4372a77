"""The exchange workflow: a member logs time given or received; the other side confirms or
declines; the logger may cancel; after the community's auto-confirm days it posts by itself.

Only confirmation reaches the ledger, through `ledger.post_entry`, with an idempotency key
derived from the exchange, so that an exchange is posted at most once whatever retries happen.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..errors import (
    DateTooOld,
    ExchangeNotPending,
    LedgerError,
    MinutesOutOfRange,
    NotFound,
    PartnerUnavailable,
    SubmissionConflict,
)
from ..extensions import db
from ..ledger import closed_months, post_entry
from ..ledger import exchange as exchange_spec
from ..ledger.rules import check_date
from ..models import (
    Account,
    AccountType,
    Community,
    Confirmation,
    EntryKind,
    Exchange,
    ExchangeStatus,
    Match,
    Membership,
    MembershipStatus,
    User,
)
from ..models.types import utcnow
from .communities import check_activity
from .coordination.brokering import complete_match
from .notifications import notify, notify_coordinators
from .submissions import add_once

MAX_MINUTES = 24 * 60


def account_label(account: Account) -> str:
    if account.type == AccountType.MEMBER:
        return account.membership.name
    return account.name or _("Community pot")


def check_exchange_date(community: Community, occurred_on: date, *, today: date | None = None, coordinator=False) -> None:
    """Not in the future, not in a closed month, and (for members) not older than the
    community allows."""
    today = today or community.today()
    check_date(occurred_on, today, closed_months(community.id))
    if not coordinator and occurred_on < today - timedelta(days=community.backdate_days):
        raise DateTooOld()


def log_exchange(
    membership: Membership,
    *,
    gave: bool,
    partner_account_id: int,
    minutes: int,
    occurred_on: date,
    activity_id: int | None,
    note: str | None,
    submission_id: str,
    now: datetime | None = None,
) -> tuple[Exchange, bool]:
    """Log time the member gave (gave=True) or received. Returns the exchange and whether it is
    new; a repeat of the same submission returns the first one."""
    community = membership.community
    def find_existing():
        return db.session.scalar(
            select(Exchange).where(Exchange.community_id == community.id, Exchange.submission_id == submission_id)
        )

    own = _own_account(membership)
    existing = find_existing()
    if existing is not None:
        return _same_submitter(existing, own), False
    if not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise MinutesOutOfRange()
    partner = _partner_account(community.id, partner_account_id, own.id)
    check_activity(community.id, activity_id)
    check_exchange_date(community, occurred_on, today=community.today(now))
    exchange = Exchange(
        community_id=community.id,
        giver_account_id=own.id if gave else partner.id,
        receiver_account_id=partner.id if gave else own.id,
        logged_by_account_id=own.id,
        logged_by_id=membership.user_id,
        minutes=minutes,
        occurred_on=occurred_on,
        activity_id=activity_id,
        note=(note or "").strip() or None,
        submission_id=submission_id,
        created_at=now or utcnow(),
    )
    exchange, created = add_once(exchange, find_existing)
    if not created:
        return _same_submitter(exchange, own), False
    if community.auto_confirm_days == 0:
        _post(exchange, confirmed_by=None, confirmation=Confirmation.AUTO_TIMEOUT, now=now)
    else:
        _tell_other_side(exchange, membership, gave)
    return exchange, True


def confirm_exchange(exchange_id: int, user: User, *, confirmation=Confirmation.MEMBER, now=None) -> Exchange:
    """The other side confirms (or a coordinator, for an organisation): the entry is posted."""
    exchange = _pending_for_other_side(exchange_id, user)
    _post(exchange, confirmed_by=user, confirmation=confirmation, now=now)
    return exchange


def decline_exchange(exchange_id: int, user: User, reason: str | None = None, *, now=None) -> Exchange:
    exchange = _pending_for_other_side(exchange_id, user)
    exchange.status = ExchangeStatus.DECLINED
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = user.id
    exchange.decline_reason = (reason or "").strip() or None
    logger = db.session.get(User, exchange.logged_by_id)
    notify(logger, exchange.community_id, "exchange_declined", _params(exchange, name=_name_in(exchange, user)), "/exchanges")
    return exchange


def cancel_exchange(exchange_id: int, user: User, *, now=None) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or exchange.logged_by_id != user.id:
        raise NotFound()
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    exchange.status = ExchangeStatus.CANCELLED
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = user.id
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        notify(other.membership.user, exchange.community_id, "exchange_cancelled", _params(exchange, name=_name_in(exchange, user)), "/exchanges")
    return exchange


def due_for_auto_confirm(community: Community, now: datetime | None = None):
    """A query for the pending exchanges whose auto-confirm days have passed."""
    if community.auto_confirm_days is None:
        return None
    cutoff = (now or utcnow()) - timedelta(days=community.auto_confirm_days)
    return select(Exchange).where(
        Exchange.community_id == community.id,
        Exchange.status == ExchangeStatus.PENDING,
        Exchange.created_at <= cutoff,
    )


def auto_confirm_due(community: Community, *, account_id: int | None = None, now=None) -> tuple[int, int]:
    """Post every pending exchange past the community's auto-confirm days (all of them, or one
    account's). Each is posted in a savepoint: one that would break a limit stays pending, with
    the reason kept for a coordinator, and does not stop the others. Returns (posted, failed)."""
    query = due_for_auto_confirm(community, now)
    if query is None:
        return 0, 0
    if account_id is not None:
        query = query.where(or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id))
    posted = failed = 0
    for exchange in db.session.scalars(query.order_by(Exchange.id)).all():
        try:
            with db.session.begin_nested():
                _post(exchange, confirmed_by=None, confirmation=Confirmation.AUTO_TIMEOUT, now=now)
            posted += 1
        except LedgerError as error:
            exchange.last_error = str(error)
            failed += 1
    return posted, failed


def pending_for(account_id: int) -> tuple[list[Exchange], list[Exchange]]:
    """(waiting for this member to confirm, logged by this member and waiting for the other)."""
    rows = db.session.scalars(
        select(Exchange)
        .where(
            Exchange.status == ExchangeStatus.PENDING,
            or_(Exchange.giver_account_id == account_id, Exchange.receiver_account_id == account_id),
        )
        .order_by(Exchange.created_at.desc())
        # The pages name the other side of each: load both sides' names with the rows, not per row.
        .options(
            selectinload(Exchange.giver).selectinload(Account.membership).selectinload(Membership.user),
            selectinload(Exchange.receiver).selectinload(Account.membership).selectinload(Membership.user),
        )
    ).all()
    to_confirm = [e for e in rows if e.logged_by_account_id != account_id]
    awaiting = [e for e in rows if e.logged_by_account_id == account_id]
    return to_confirm, awaiting


# -- helpers ---------------------------------------------------------------------------------


def _same_submitter(exchange: Exchange, own: Account) -> Exchange:
    if exchange.logged_by_account_id != own.id:
        raise SubmissionConflict()
    return exchange


def _own_account(membership: Membership) -> Account:
    account = db.session.scalar(select(Account).where(Account.membership_id == membership.id))
    if account is None or account.closed_at is not None or membership.status != MembershipStatus.ACTIVE:
        raise PartnerUnavailable(_("Your time account is not open, so you cannot log time. Please talk to your coordinator."))
    return account


def _partner_account(community_id: int, account_id: int, own_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or account.community_id != community_id or account.id == own_id or account.closed_at is not None:
        raise PartnerUnavailable()
    if account.type == AccountType.POT:
        raise PartnerUnavailable()
    if account.type == AccountType.MEMBER and account.membership.status != MembershipStatus.ACTIVE:
        raise PartnerUnavailable()
    return account


def _pending_for_other_side(exchange_id: int, user: User) -> Exchange:
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not _may_confirm(exchange, user):
        raise NotFound()
    if exchange.status != ExchangeStatus.PENDING:
        raise ExchangeNotPending()
    return exchange


def _may_confirm(exchange: Exchange, user: User) -> bool:
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        return other.membership.user_id == user.id
    # Time given to or received from an organisation is confirmed by the community's coordinators.
    role = db.session.scalar(
        select(Membership.role).where(Membership.user_id == user.id, Membership.community_id == exchange.community_id)
    )
    return role in ("coordinator", "admin")


def _post(exchange: Exchange, *, confirmed_by: User | None, confirmation: str, now=None) -> None:
    spec = exchange_spec(
        exchange.community_id,
        exchange.giver_account_id,
        exchange.receiver_account_id,
        exchange.minutes,
        exchange.occurred_on,
        kind=EntryKind.EXCHANGE,
        recorded_by_id=exchange.logged_by_id,
        confirmed_by_id=confirmed_by.id if confirmed_by else None,
        confirmation=confirmation,
        activity_id=exchange.activity_id,
        note=exchange.note,
        idempotency_key=f"exchange:{exchange.id}",
    )
    entry, _replayed = post_entry(spec, now=now)
    exchange.status = ExchangeStatus.POSTED
    exchange.entry_id = entry.id
    exchange.confirmation = confirmation
    exchange.decided_at = now or utcnow()
    exchange.decided_by_id = confirmed_by.id if confirmed_by else None
    exchange.last_error = None
    match = db.session.get(Match, exchange.match_id) if exchange.match_id is not None else None
    if match is not None and match.community_id == exchange.community_id:
        complete_match(match, entry.id, now=now)  # the brokered match led to time exchanged
    db.session.flush()
    for account_id in (exchange.giver_account_id, exchange.receiver_account_id):
        account = db.session.get(Account, account_id)
        if account.type != AccountType.MEMBER:
            continue
        other = db.session.get(Account, exchange.receiver_account_id if account_id == exchange.giver_account_id else exchange.giver_account_id)
        notify(
            account.membership.user,
            exchange.community_id,
            "exchange_posted",
            _params(exchange, name=account_label(other), balance=account.balance),
            "/statement",
        )


def _tell_other_side(exchange: Exchange, logger: Membership, gave: bool) -> None:
    other = db.session.get(Account, exchange.other_account_id)
    if other.type == AccountType.MEMBER:
        kind = "exchange_logged_gave" if gave else "exchange_logged_received"
        notify(other.membership.user, exchange.community_id, kind, _params(exchange, name=logger.name), "/exchanges")
    else:
        notify_coordinators(
            exchange.community_id,
            "exchange_needs_coordinator",
            _params(exchange, name=logger.name, organisation=account_label(other)),
            "/exchanges",
        )


def _name_in(exchange: Exchange, user: User) -> str:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.community_id == exchange.community_id)
    )
    return membership.name if membership else user.name


def _params(exchange: Exchange, **extra) -> dict:
    return {"minutes": exchange.minutes, "date": exchange.occurred_on.isoformat(), **extra}
