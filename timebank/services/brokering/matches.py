"""Matches: a coordinator introduces a helper to a request (both people told), then marks the
match accepted, declined or completed; posting an exchange from it completes it."""
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...errors import HelperUnavailable, MatchStatusNotAllowed, NotFound
from ...extensions import db
from ...models import Account, Listing, ListingStatus, Match, MatchStatus, Membership, MembershipStatus
from ...models.types import utcnow
from ...pagination import SHORT_PAGE, page_of
from .. import audit
from ..notifications import notify
from .requests import open_request
from .suggestions import clean_codes, restricted_by

#: What a coordinator may set a match to, from where it is.
TRANSITIONS = {
    MatchStatus.INTRODUCED: {MatchStatus.ACCEPTED, MatchStatus.DECLINED, MatchStatus.COMPLETED},
    MatchStatus.ACCEPTED: {MatchStatus.DECLINED, MatchStatus.COMPLETED},
    MatchStatus.DECLINED: {MatchStatus.ACCEPTED},  # people change their minds; a slip can be undone
    MatchStatus.COMPLETED: set(),
}

def match_list(community_id: int, *, statuses=(MatchStatus.INTRODUCED, MatchStatus.ACCEPTED), before: int | None = None, limit: int = SHORT_PAGE) -> tuple[list[tuple[Match, Listing]], int | None]:
    """Matches of the community in the given statuses, newest first, paged by id."""
    query = (
        select(Match, Listing)
        .join(Listing, Listing.id == Match.listing_id)
        .where(Match.community_id == community_id, Match.status.in_([str(s) for s in statuses]))
        .options(
            joinedload(Match.helper).joinedload(Membership.user),
            joinedload(Match.requester).joinedload(Membership.user),
        )
    )
    if before is not None:
        query = query.where(Match.id < before)
    rows = [tuple(row) for row in db.session.execute(query.order_by(Match.id.desc()).limit(limit + 1))]
    return page_of(rows, limit, key=lambda row: row[0].id)


def introduce(
    coordinator: Membership, listing_id: int, helper_membership_id: int, *, respect=(), now: datetime | None = None
) -> tuple[Match, bool]:
    """Introduce a helper to a request: a Match, and both people told. Introducing the same
    person again returns the match already made (so a double tap makes one)."""
    community_id = coordinator.community_id
    listing = open_request(community_id, listing_id)
    existing = db.session.scalar(
        select(Match).where(Match.listing_id == listing.id, Match.helper_membership_id == helper_membership_id)
    )
    if existing is not None:
        return existing, False
    if listing.status != ListingStatus.OPEN:
        raise HelperUnavailable(_("That request is closed."))
    helper = db.session.get(Membership, helper_membership_id)
    respect = clean_codes(respect)
    if (
        helper is None
        or helper.community_id != community_id
        or helper.status != MembershipStatus.ACTIVE
        or helper.id == listing.membership_id
        or db.session.scalar(
            select(Account.id).where(Account.membership_id == helper.id, Account.closed_at.is_(None))
        ) is None
        or (respect and db.session.scalar(select(restricted_by(helper.id, respect))))
    ):
        raise HelperUnavailable()
    now = now or utcnow()
    _check_required(community_id, listing, helper, now)
    match = Match(
        community_id=community_id,
        listing_id=listing.id,
        requester_membership_id=listing.membership_id,
        helper_membership_id=helper.id,
        status=MatchStatus.INTRODUCED,
        introduced_by_id=coordinator.user_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(match)
    db.session.flush()
    requester = listing.membership
    talk = f"/introductions/{match.id}/message"  # a conversation between the two of them
    notify(requester.user, community_id, "match_introduced", {"name": helper.name, "title": listing.title}, talk, now=now)
    notify(helper.user, community_id, "match_introduced_helper", {"name": requester.name, "title": listing.title}, talk, now=now)
    audit.record(
        community_id,
        coordinator.user_id,
        "match.introduce",
        subject_membership_id=helper.id,
        target_type="match",
        target_id=match.id,
        listing_id=listing.id,
        requester_membership_id=requester.id,
        now=now,
        respected=list(respect),
    )
    return match, True


def set_match_status(coordinator: Membership, match_id: int, status: str, *, now: datetime | None = None) -> Match:
    """Mark a match accepted, declined or completed. Setting the status it already has is a
    no-op (a repeated form)."""
    match = db.session.get(Match, match_id)
    if match is None or match.community_id != coordinator.community_id:
        raise NotFound()
    if status == match.status:
        return match
    if status not in {str(s) for s in TRANSITIONS.get(MatchStatus(match.status), ())}:
        raise MatchStatusNotAllowed()
    previous = match.status
    match.status = status
    match.updated_at = now or utcnow()
    audit.record(
        coordinator.community_id,
        coordinator.user_id,
        "match.status",
        subject_membership_id=match.helper_membership_id,
        target_type="match",
        target_id=match.id,
        now=now,
        previous=previous,
        status=status,
    )
    return match


def complete_match(match: Match, entry_id: int, *, now: datetime | None = None) -> None:
    """An exchange from this match was posted: link the first entry and mark it completed."""
    if match.entry_id is None:
        match.entry_id = entry_id
    match.status = MatchStatus.COMPLETED
    match.updated_at = now or utcnow()


def _check_required(community_id: int, listing, helper: Membership, now: datetime) -> None:
    """Refuse someone the request's activity leaves out for lack of a current check (issue 13)."""
    from ...formatting import format_day
    from ..activity_checks import EXPIRED, missing_checks, required_check

    kind = required_check(community_id, listing.category_id)
    if not kind:
        return
    for person in missing_checks(community_id, kind, helper.community.today(now)):
        if person.membership_id == helper.id:
            if person.why == EXPIRED:
                raise HelperUnavailable(_("%(name)s cannot be introduced: this activity needs a current %(check)s check and theirs expired on %(date)s.",
                                          name=helper.name, check=kind, date=format_day(person.expired_on)))
            raise HelperUnavailable(_("%(name)s cannot be introduced: this activity needs a %(check)s check and none is recorded.",
                                      name=helper.name, check=kind))
