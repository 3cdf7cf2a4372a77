"""Reading the audit log: every coordinator action, who, what, when, on whom and from where.

Events are written by `services.audit.record` (append-only: triggers refuse changes). Here they
are read a page at a time by key (the event id, newest first; never OFFSET), filtered by action,
by the member they were about, and by the day in the community's time zone.
"""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import AuditEvent, Community, Membership, User
from ..pagination import LONG_PAGE, page_of


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    membership_id: int | None = None
    #: Days in the community's time zone, both included.
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class EventPage:
    rows: list
    next_before: int | None


def events_page(community: Community, filters: Filters, *, before: int | None = None, limit: int = LONG_PAGE) -> EventPage:
    query = _events(community, filters)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    return EventPage(*page_of(rows, limit))


def all_events(community: Community, filters: Filters, batch: int = 1000) -> Iterator:
    """Every matching event, newest first, fetched a batch at a time (for the CSV download)."""
    before = None
    while True:
        page = events_page(community, filters, before=before, limit=batch)
        yield from page.rows
        if page.next_before is None:
            return
        before = page.next_before


def actions(community_id: int) -> list[str]:
    """The actions recorded in this community, for the filter."""
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.community_id == community_id).distinct().order_by(AuditEvent.action)
        )
    )


def member_name(community_id: int, membership_id: int) -> str | None:
    """The name of a member of this community, or None if there is no such member here."""
    return db.session.scalar(
        select(Membership.name).where(Membership.id == membership_id, Membership.community_id == community_id)
    )


def _events(community: Community, filters: Filters) -> Select:
    actor = aliased(User)
    query = (
        select(
            AuditEvent.id,
            AuditEvent.created_at,
            AuditEvent.action,
            actor.name.label("actor"),
            AuditEvent.subject_membership_id,
            Membership.name.label("subject"),
            Membership.ref.label("subject_ref"),
            AuditEvent.target_type,
            AuditEvent.target_id,
            AuditEvent.details,
            AuditEvent.remote_addr,
        )
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(Membership, Membership.id == AuditEvent.subject_membership_id)
        .where(AuditEvent.community_id == community.id)
    )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.membership_id is not None:
        query = query.where(AuditEvent.subject_membership_id == filters.membership_id)
    zone = ZoneInfo(community.timezone)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _start_of(filters.since, zone))
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < _start_of(filters.until + timedelta(days=1), zone))
    return query


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)
