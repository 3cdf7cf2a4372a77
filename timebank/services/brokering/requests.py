"""The brokering inbox: open requests of active members, oldest first, waiting for a match (or
with one), and the matches made for each."""
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ...errors import NotFound
from ...extensions import db
from ...models import Listing, ListingStatus, ListingType, Match, MatchStatus, Membership, MembershipStatus
from ...models.types import utcnow
from ...pagination import SHORT_PAGE, after_key, page_of

#: A match still in play: the request counts as matched while it has one.
LIVE = (MatchStatus.INTRODUCED, MatchStatus.ACCEPTED, MatchStatus.COMPLETED)


@dataclass(frozen=True)
class InboxRow:
    listing: Listing
    matches: int
    waited_days: int


def live_matches(listing_id_column):
    return (
        select(func.count(Match.id))
        .where(Match.listing_id == listing_id_column, Match.status.in_([str(s) for s in LIVE]))
        .correlate(Listing)
        .scalar_subquery()
    )


def request_inbox(
    community_id: int, *, matched: bool = False, after: int | None = None, now: datetime | None = None, limit: int = SHORT_PAGE
) -> tuple[list[InboxRow], int | None]:
    """Open requests of active members, oldest first: those still waiting for a match (or,
    with matched=True, those with one). Paged by key on (created_at, id); returns the rows and
    the id to continue after."""
    now = now or utcnow()
    live = live_matches(Listing.id)
    query = (
        select(Listing, live.label("matches"))
        .join(Membership, Membership.id == Listing.membership_id)
        .where(
            Listing.community_id == community_id,
            Listing.type == ListingType.REQUEST,
            Listing.status == ListingStatus.OPEN,
            Membership.status == MembershipStatus.ACTIVE,
            live > 0 if matched else live == 0,
        )
        .options(joinedload(Listing.membership).joinedload(Membership.user), joinedload(Listing.category))
    )
    if after is not None:
        mark = db.session.execute(
            select(Listing.created_at, Listing.id).where(Listing.id == after, Listing.community_id == community_id)
        ).first()
        if mark is not None:
            query = query.where(after_key((Listing.created_at, Listing.id), mark))
    rows = db.session.execute(query.order_by(Listing.created_at, Listing.id).limit(limit + 1)).all()
    out = [InboxRow(row.Listing, row.matches, max(0, (now - row.Listing.created_at).days)) for row in rows]
    return page_of(out, limit, key=lambda row: row.listing.id)


def open_request(community_id: int, listing_id: int) -> Listing:
    """A request of this community (open or not), or NotFound."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.community_id != community_id or listing.type != ListingType.REQUEST:
        raise NotFound()
    return listing


def matches_for(listing_id: int) -> list[Match]:
    return list(
        db.session.scalars(
            select(Match)
            .where(Match.listing_id == listing_id)
            .options(joinedload(Match.helper).joinedload(Membership.user))
            .order_by(Match.id)
        )
    )
