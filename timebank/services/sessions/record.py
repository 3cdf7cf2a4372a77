"""Group sessions: a class, a peer group, a co-design workshop, recorded from its register as
ONE ledger entry holding every posting.

Who pays:
- attendees: a class. Each attendee spends the session's minutes; the facilitators share what
  the attendees spent, as evenly as whole minutes allow, the remainder to the first facilitator.
- an organisation account, or the community pot: a workshop that values everyone's time. The
  payer spends minutes x participants; every participant, facilitators included, earns minutes.

If anyone would go past a limit, nothing is posted, and the error names each person and by how
much (PeopleOverLimit).
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ...errors import InvalidInput, LimitExceeded, PeopleOverLimit
from ...extensions import db
from ...ledger import EntrySpec, PostingSpec
from ...models import (
    Account,
    AccountType,
    ActivityCategory,
    Attendance,
    Confirmation,
    CoproductionStep,
    EntryKind,
    GroupSession,
    LadderRung,
    Membership,
    SessionPayer,
)
from ...models.types import utcnow
from .. import audit
from ..communities import pot_account
from ..exchanges.log import MAX_MINUTES, check_exchange_date
from ..exchanges.on_behalf import post_once
from ..exchanges.posting import account_label
from ..people.search import people_by_membership

TITLE_MAX = 200
#: A register larger than this is more than one session.
MAX_PEOPLE = 500


@dataclass(frozen=True)
class SessionInput:
    title: str
    occurred_on: date
    activity_id: int | None
    minutes_each: int
    payer: str
    facilitator_ids: tuple[int, ...]
    attendee_ids: tuple[int, ...]
    payer_account_id: int | None = None
    coproduction_step: str | None = None
    ladder_rung: str | None = None
    note: str | None = None


def split_evenly(total: int, shares: int) -> list[int]:
    """`total` minutes in `shares` whole-minute parts as even as can be, the remainder to the
    first: split_evenly(100, 3) == [34, 33, 33]."""
    base, remainder = divmod(total, shares)
    return [base + remainder] + [base] * (shares - 1)


def postings_for(payer: str, minutes: int, facilitators: list[int], attendees: list[int], payer_account: int | None) -> list[PostingSpec]:
    """The entry's postings, by account id (positive: gave time, negative: received)."""
    if payer == SessionPayer.ATTENDEES:
        shares = split_evenly(minutes * len(attendees), len(facilitators))
        legs = [PostingSpec(a, -minutes) for a in attendees]
        legs += [PostingSpec(f, share) for f, share in zip(facilitators, shares, strict=True) if share]
        return legs
    participants = facilitators + attendees
    return [PostingSpec(payer_account, -minutes * len(participants))] + [PostingSpec(p, minutes) for p in participants]


def _validate(community_id: int, data: SessionInput) -> tuple[str, list, list, Account | None]:
    title = (data.title or "").strip()
    if not title:
        raise InvalidInput(_("Enter the session's title."), field="title")
    if len(title) > TITLE_MAX:
        raise InvalidInput(_("The title must be %(n)d characters or fewer.", n=TITLE_MAX), field="title")
    if not isinstance(data.minutes_each, int) or not 0 < data.minutes_each <= MAX_MINUTES:
        raise InvalidInput(_("Enter a time between 1 minute and 24 hours."), field="minutes")
    if data.coproduction_step and data.coproduction_step not in {str(s) for s in CoproductionStep}:
        raise InvalidInput(_("Choose a step of co-production, or none."), field="coproduction_step")
    if data.ladder_rung and data.ladder_rung not in {str(r) for r in LadderRung}:
        raise InvalidInput(_("Choose a rung of the ladder, or none."), field="ladder_rung")
    if data.activity_id is not None and db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.id == data.activity_id, ActivityCategory.community_id == community_id)
    ) is None:
        raise InvalidInput(_("Choose what the session was for."), field="activity")
    facilitator_ids = list(dict.fromkeys(data.facilitator_ids))
    attendee_ids = list(dict.fromkeys(data.attendee_ids))
    if not facilitator_ids:
        raise InvalidInput(_("Tick at least one facilitator."), field="facilitators")
    both = set(facilitator_ids) & set(attendee_ids)
    if both:
        names = ", ".join(p.name for p in people_by_membership(community_id, both))
        raise InvalidInput(_("Someone is ticked as both facilitator and attendee: %(names)s.", names=names), field="attendees")
    if len(facilitator_ids) + len(attendee_ids) > MAX_PEOPLE:
        raise InvalidInput(_("A register holds at most %(n)d people.", n=MAX_PEOPLE), field="attendees")
    if data.payer not in {str(p) for p in SessionPayer}:
        raise InvalidInput(_("Choose who pays for the session."), field="payer")
    if data.payer == SessionPayer.ATTENDEES and not attendee_ids:
        raise InvalidInput(_("Tick at least one attendee: in a class the attendees pay the facilitators."), field="attendees")
    payer_account = None
    if data.payer == SessionPayer.ORGANISATION:
        payer_account = db.session.get(Account, data.payer_account_id) if data.payer_account_id else None
        if (
            payer_account is None
            or payer_account.community_id != community_id
            or payer_account.type != AccountType.ORGANISATION
            or payer_account.closed_at is not None
        ):
            raise InvalidInput(_("Choose the organisation that pays."), field="payer_account")
    elif data.payer == SessionPayer.POT:
        payer_account = pot_account(community_id)
    return title, facilitator_ids, attendee_ids, payer_account


def record_session(
    coordinator: Membership, data: SessionInput, *, submission_id: str, now: datetime | None = None
) -> tuple[GroupSession, bool]:
    """Record a session and its register, and post its one entry. A repeat of the same form
    returns the session already recorded."""
    community = coordinator.community
    now = now or utcnow()
    if not submission_id:
        raise InvalidInput(_("This form is out of date. Please start again."))
    existing = _by_submission(community.id, submission_id)
    if existing is not None:
        return existing, False
    title, facilitator_ids, attendee_ids, payer_account = _validate(community.id, data)
    check_exchange_date(community, data.occurred_on, today=community.today(now), coordinator=True)

    people = {p.membership_id: p for p in people_by_membership(community.id, facilitator_ids + attendee_ids)}
    missing = [i for i in facilitator_ids + attendee_ids if i not in people]
    if missing:
        field = "facilitators" if missing[0] in facilitator_ids else "attendees"
        raise InvalidInput(_("Everyone on the register must be an active member of this timebank."), field=field)
    account_of = {i: people[i].account_id for i in people}
    legs = postings_for(
        data.payer,
        data.minutes_each,
        [account_of[i] for i in facilitator_ids],
        [account_of[i] for i in attendee_ids],
        payer_account.id if payer_account else None,
    )
    note = (data.note or "").strip() or None
    spec = EntrySpec(
        community_id=community.id,
        kind=EntryKind.GROUP_SESSION,
        occurred_on=data.occurred_on,
        postings=tuple(legs),
        recorded_by_id=coordinator.user_id,
        confirmed_by_id=coordinator.user_id,
        confirmation=Confirmation.RECORDER,
        activity_id=data.activity_id,
        coproduction_step=data.coproduction_step or None,
        ladder_rung=data.ladder_rung or None,
        note=note,
        idempotency_key=f"group-session:{submission_id}",
    )
    try:
        entry, replayed = post_once(spec)
    except LimitExceeded as error:
        raise PeopleOverLimit(error.breaches, _named(error.breaches, people, payer_account)) from error
    if replayed:  # a concurrent repeat of this form, committed while we waited for the locks
        existing = _by_submission(community.id, submission_id)
        if existing is not None:
            return existing, False
    session = GroupSession(
        community_id=community.id,
        title=title,
        occurred_on=data.occurred_on,
        activity_id=data.activity_id,
        coproduction_step=data.coproduction_step or None,
        ladder_rung=data.ladder_rung or None,
        payer=data.payer,
        payer_account_id=payer_account.id if payer_account else None,
        minutes_each=data.minutes_each,
        entry_id=entry.id,
        created_by_id=coordinator.user_id,
        created_at=now,
        submission_id=submission_id,
    )
    db.session.add(session)
    db.session.flush()
    db.session.add_all(
        [Attendance(session_id=session.id, membership_id=i, role="facilitator") for i in facilitator_ids]
        + [Attendance(session_id=session.id, membership_id=i, role="attendee") for i in attendee_ids]
    )
    db.session.flush()
    audit.record(
        community.id,
        coordinator.user_id,
        "session.record",
        target_type="group_session",
        target_id=session.id,
        entry_id=entry.id,
        payer=data.payer,
        minutes_each=data.minutes_each,
        facilitators=len(facilitator_ids),
        attendees=len(attendee_ids),
        now=now,
    )
    return session, True


def _by_submission(community_id: int, submission_id: str) -> GroupSession | None:
    return db.session.scalar(
        select(GroupSession).where(GroupSession.community_id == community_id, GroupSession.submission_id == submission_id)
    )


@dataclass(frozen=True)
class OverLimit:
    account_id: int
    membership_id: int | None
    name: str
    side: str  # "floor" or "ceiling"
    over_by: int


def _named(breaches, people: dict, payer_account: Account | None) -> list[OverLimit]:
    by_account = {p.account_id: p for p in people.values()}
    out = []
    for breach in breaches:
        person = by_account.get(breach.account_id)
        if person is not None:
            out.append(OverLimit(breach.account_id, person.membership_id, person.name, breach.side, breach.over_by))
        else:
            name = account_label(payer_account) if payer_account and payer_account.id == breach.account_id else "?"
            out.append(OverLimit(breach.account_id, None, name, breach.side, breach.over_by))
    return out
