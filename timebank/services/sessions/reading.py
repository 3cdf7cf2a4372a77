"""Group sessions as a coordinator reads them: the list, one session's register with what each
person gave or received, and the organisations that may pay for one."""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...errors import NotFound
from ...extensions import db
from ...models import Account, AccountType, ActivityCategory, Attendance, GroupSession, Membership, Posting
from ...pagination import SHORT_PAGE, page_of
from ..exchanges.posting import account_label


def session_list(community_id: int, *, before: int | None = None, limit: int = SHORT_PAGE) -> tuple[list[tuple[GroupSession, int]], int | None]:
    """Sessions newest first with the size of each register, paged by id."""
    size = select(func.count(Attendance.id)).where(Attendance.session_id == GroupSession.id).correlate(GroupSession).scalar_subquery()
    query = select(GroupSession, size.label("people")).where(GroupSession.community_id == community_id)
    if before is not None:
        query = query.where(GroupSession.id < before)
    rows = [tuple(r) for r in db.session.execute(query.order_by(GroupSession.id.desc()).limit(limit + 1))]
    return page_of(rows, limit, key=lambda row: row[0].id)


@dataclass(frozen=True)
class SessionLine:
    name: str
    role: str  # facilitator, attendee or payer
    minutes: int


def session_detail(community_id: int, session_id: int) -> tuple[GroupSession, list[SessionLine], str | None]:
    """A session, each line of its entry with the person's name and role, and the activity."""
    session = db.session.get(GroupSession, session_id)
    if session is None or session.community_id != community_id:
        raise NotFound()
    roles = {
        a.membership_id: a.role
        for a in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    postings = db.session.scalars(
        select(Posting)
        .where(Posting.entry_id == session.entry_id)
        .options(joinedload(Posting.account).joinedload(Account.membership).joinedload(Membership.user))
        .order_by(Posting.id)
    ).all()
    lines = []
    for posting in postings:
        account = posting.account
        role = roles.get(account.membership_id, "payer") if account.type == AccountType.MEMBER else "payer"
        lines.append(SessionLine(account_label(account), role, posting.minutes))
    activity = db.session.scalar(select(ActivityCategory.name).where(ActivityCategory.id == session.activity_id)) if session.activity_id else None
    return session, lines, activity


def payer_accounts(community_id: int) -> list[Account]:
    """Open organisation accounts, by name, for a session's payer."""
    return list(
        db.session.scalars(
            select(Account)
            .where(Account.community_id == community_id, Account.type == AccountType.ORGANISATION, Account.closed_at.is_(None))
            .order_by(func.lower(Account.name), Account.id)
        )
    )
