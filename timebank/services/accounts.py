"""Organisation accounts and the community pot.

Organisations (a clinic, a team, a charity) hold accounts of their own, so that time between a
person and an agency is recorded as such. The pot takes members' donations of credit and gives
grants from it. Signs as everywhere: positive = the holder gave time (or credit), so
- a donation: member -minutes (gives up credit), pot +minutes;
- a grant: pot -minutes, member +minutes, always with a reason;
- an organisation paying a member for time given: member +minutes, organisation -minutes.
"""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..errors import InvalidInput, NotFound
from ..extensions import db
from ..ledger import exchange as exchange_spec
from ..models import Account, AccountType, AuditEvent, Confirmation, Entry, EntryKind, Membership
from ..pagination import LONG_PAGE, page_of
from . import audit
from .communities import create_organisation_account, pot_account
from .exchanges.log import check_exchange_date
from .exchanges.on_behalf import check_minutes, member_account_here, post_once, tell_posted

NAME_MAX = 200
#: The furthest below zero an organisation's floor may be set, in hours.
MAX_FLOOR_HOURS = 100_000


def shared_accounts(community_id: int, *, after: int | None = None, limit: int = LONG_PAGE) -> tuple[list[Account], int | None]:
    """The pot first, then organisation accounts by id, paged by id."""
    query = select(Account).where(
        Account.community_id == community_id, Account.type.in_([AccountType.POT, AccountType.ORGANISATION])
    )
    if after is not None:
        query = query.where(Account.id > after)
    rows = db.session.scalars(query.order_by((Account.type == AccountType.POT).desc(), Account.id).limit(limit + 1))
    return page_of(rows.all(), limit)


def organisation_here(community_id: int, account_id: int) -> Account:
    account = db.session.get(Account, account_id)
    if account is None or account.community_id != community_id or account.type != AccountType.ORGANISATION:
        raise NotFound()
    return account


def create_organisation(
    coordinator: Membership, *, name: str, floor_hours: int, submission_id: str, now: datetime | None = None
) -> tuple[Account, bool]:
    """Open an organisation account that may go `floor_hours` below zero. The same form sent
    twice opens one account (the submission id is kept in the audit event)."""
    community_id = coordinator.community_id
    if not submission_id:
        raise InvalidInput(_("This form is out of date. Please start again."))
    for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.community_id == community_id, AuditEvent.action == "organisation.create")
    ):
        if (event.details or {}).get("submission_id") == submission_id:
            return db.session.get(Account, event.target_id), False
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Enter the organisation's name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(_("The name must be %(n)d characters or fewer.", n=NAME_MAX), field="name")
    if not isinstance(floor_hours, int) or isinstance(floor_hours, bool) or not 0 <= floor_hours <= MAX_FLOOR_HOURS:
        raise InvalidInput(_("Enter a whole number of hours from 0 to %(n)d.", n=MAX_FLOOR_HOURS), field="floor_hours")
    taken = db.session.scalar(
        select(Account.id).where(
            Account.community_id == community_id,
            Account.type == AccountType.ORGANISATION,
            func.lower(Account.name) == name.lower(),
        )
    )
    if taken is not None:
        raise InvalidInput(_("There is already an organisation account called %(name)s.", name=name), field="name")
    account = create_organisation_account(community_id, name, floor=-floor_hours * 60, now=now)
    audit.record(
        community_id,
        coordinator.user_id,
        "organisation.create",
        target_type="account",
        target_id=account.id,
        name=name,
        floor=account.floor,
        submission_id=submission_id,
        now=now,
    )
    return account, True


def _transfer(
    coordinator: Membership,
    *,
    kind: str,
    action: str,
    giver: Account,
    receiver: Account,
    member: Account,
    minutes: int,
    occurred_on: date,
    submission_id: str,
    activity_id: int | None = None,
    note: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> tuple[Entry, bool]:
    community = coordinator.community
    if not submission_id:
        raise InvalidInput(_("This form is out of date. Please start again."))
    minutes = check_minutes(minutes)
    check_exchange_date(community, occurred_on, today=community.today(now), coordinator=True)
    entry, replayed = post_once(
        exchange_spec(
            community.id,
            giver.id,
            receiver.id,
            minutes,
            occurred_on,
            kind=kind,
            recorded_by_id=coordinator.user_id,
            confirmed_by_id=coordinator.user_id,
            confirmation=Confirmation.RECORDER,
            activity_id=activity_id,
            note=(note or "").strip() or None,
            reason=reason,
            idempotency_key=f"{action}:{submission_id}",
        )
    )
    if replayed:
        return entry, False
    audit.record(
        community.id,
        coordinator.user_id,
        action,
        subject_membership_id=member.membership_id,
        target_type="entry",
        target_id=entry.id,
        minutes=minutes,
        now=now,
    )
    other = receiver if member.id == giver.id else giver
    tell_posted(entry, member, other, minutes, now=now)
    return entry, True


def donate(coordinator: Membership, *, member_account_id: int, minutes: int, occurred_on: date, note: str | None, submission_id: str, now=None) -> tuple[Entry, bool]:
    """A member gives some of their credit to the community pot (the coordinator records it)."""
    member = member_account_here(coordinator.community_id, member_account_id, field="member")
    pot = pot_account(coordinator.community_id)
    # The member is the one who "receives" in ledger terms: their balance goes down.
    return _transfer(
        coordinator, kind=EntryKind.DONATION, action="pot.donation", giver=pot, receiver=member, member=member,
        minutes=minutes, occurred_on=occurred_on, note=note, submission_id=submission_id, now=now,
    )


def grant(coordinator: Membership, *, member_account_id: int, minutes: int, occurred_on: date, reason: str, submission_id: str, now=None) -> tuple[Entry, bool]:
    """The pot gives a member credit, for a reason that is kept with the entry."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the grant is made."), field="reason")
    member = member_account_here(coordinator.community_id, member_account_id, field="member")
    pot = pot_account(coordinator.community_id)
    return _transfer(
        coordinator, kind=EntryKind.GRANT, action="pot.grant", giver=member, receiver=pot, member=member,
        minutes=minutes, occurred_on=occurred_on, reason=reason, submission_id=submission_id, now=now,
    )


def organisation_pays(
    coordinator: Membership, organisation_account_id: int, *, member_account_id: int, minutes: int, occurred_on: date,
    activity_id: int | None, note: str | None, submission_id: str, now=None,
) -> tuple[Entry, bool]:
    """A member gave time to an organisation, which pays them from its account."""
    organisation = organisation_here(coordinator.community_id, organisation_account_id)
    if organisation.closed_at is not None:
        raise InvalidInput(_("That organisation's account is closed."))
    member = member_account_here(coordinator.community_id, member_account_id, field="member")
    return _transfer(
        coordinator, kind=EntryKind.EXCHANGE, action="organisation.payment", giver=member, receiver=organisation,
        member=member, minutes=minutes, occurred_on=occurred_on, activity_id=activity_id, note=note,
        submission_id=submission_id, now=now,
    )
