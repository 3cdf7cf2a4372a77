"""Offers and requests expire: each stays listed for its community's `listing_days` (NULL: 90)
after it was posted or last kept open. A week before, its owner is told (a notification, and an
email when they take them) with a one-tap "Keep it open"; from `expires_on` it leaves the lists
and the search, and the daily job (`tasks.jobs.expire_listings`) closes it. Its owner still sees
it, as "Expired", with "Renew".

Dates are the community's own (`Community.today`). Every function here adds and flushes; the
caller commits. Running the job twice on a day does nothing more: a reminder is sent once per
listing (`reminded_at`), and only an open listing is closed.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..models import Community, Listing, ListingStatus, Membership, MembershipStatus
from .listings import own_listing
from .notifications import notify

#: Days a listing stays open when the community sets none, and the range it may set.
DEFAULT_DAYS = 90
DAYS_RANGE = (7, 365)
#: How long before it expires the owner is reminded.
REMIND_BEFORE = timedelta(days=7)


def listing_days(community: Community) -> int:
    return community.listing_days or DEFAULT_DAYS


def expiry_for(community: Community, today: date) -> date:
    """The day a listing posted (or kept open) today stops showing."""
    return today + timedelta(days=listing_days(community))


def keep_open(membership: Membership, listing_id: int, *, now: datetime) -> Listing:
    """The owner keeps an offer or request open (from the reminder), or renews an expired one:
    it shows again for the community's `listing_days` from today. A listing its owner closed
    stays closed (they post it again instead)."""
    listing = own_listing(membership, listing_id)
    today = membership.community.today(now)
    if listing.status == ListingStatus.CLOSED and not listing.expired(today):
        raise InvalidInput(_("You closed this one. Post it again if you need it."))
    listing.status = ListingStatus.OPEN
    listing.closed_at = None
    listing.reminded_at = None
    listing.expires_on = expiry_for(membership.community, today)
    listing.updated_at = now
    db.session.flush()
    return listing


def _open_listings(community: Community):
    return (
        select(Listing)
        .join(Membership, Membership.id == Listing.membership_id)
        .where(
            Listing.community_id == community.id,
            Listing.status == ListingStatus.OPEN,
            Listing.expires_on.is_not(None),
            Membership.status == MembershipStatus.ACTIVE,
        )
        .order_by(Listing.id)
    )


def remind_expiring(community: Community, *, now: datetime) -> int:
    """Tell each owner whose open listing expires within a week (once per listing)."""
    today = community.today(now)
    due = db.session.scalars(
        _open_listings(community).where(
            Listing.reminded_at.is_(None), Listing.expires_on > today, Listing.expires_on <= today + REMIND_BEFORE
        )
    ).all()
    for listing in due:
        params = {"title": listing.title, "date": listing.expires_on.isoformat(), "type": listing.type}
        notify(listing.membership.user, community.id, "listing_expiring", params, f"/listings/{listing.id}", now=now)
        listing.reminded_at = now
    db.session.flush()
    return len(due)


def close_expired(community: Community, *, now: datetime) -> int:
    """Close every open listing from its `expires_on`. Its owner sees it as "Expired"."""
    today = community.today(now)
    due = db.session.scalars(
        select(Listing).where(
            Listing.community_id == community.id,
            Listing.status == ListingStatus.OPEN,
            Listing.expires_on.is_not(None),
            Listing.expires_on <= today,
        )
    ).all()
    for listing in due:
        listing.status = ListingStatus.CLOSED
        listing.closed_at = now
    db.session.flush()
    return len(due)


def expire_listings(community: Community, *, now: datetime) -> tuple[int, int]:
    """The daily work for one community: (reminded, closed)."""
    return remind_expiring(community, now=now), close_expired(community, now=now)
