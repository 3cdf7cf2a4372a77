"""Offers and requests that expire: a demo's listings older than the community's listing days
were kept open by their owners along the way, but two wait on their reminder (they stop showing
within the week) and one has expired, so its owner sees "Expired" with "Renew". Made by the same
services the owners and the daily job use (`services.listing_expiry`), at past times."""
import random
from datetime import datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Community, Listing, ListingStatus, Membership, User
from ..services.listing_expiry import close_expired, keep_open, listing_days, remind_expiring

NEAR = (3, 6)  # days before they expire, for the two near expiry


def seed_listing_expiry(rng: random.Random, community: Community, *, member_email: str, now: datetime) -> dict[str, int]:
    member_id = db.session.scalar(
        select(Membership.id).join(User, User.id == Membership.user_id)
        .where(Membership.community_id == community.id, User.email == member_email)
    )
    today = community.today(now)
    days = listing_days(community)
    listings = list(
        db.session.scalars(
            select(Listing)
            .where(Listing.community_id == community.id, Listing.status == ListingStatus.OPEN)
            .order_by(Listing.id)
        )
    )
    # Among those old enough, the first demo member's own first: they sign in to the demo.
    old = sorted(
        (item for item in listings if item.created_at <= now - timedelta(days=days + 2)),
        key=lambda item: (item.membership_id != member_id, item.id),
    )
    expired, near = old[:1], old[1:3]
    rest = [item for item in listings if item not in old[:3]]
    for item in rest:
        if item.expires_on is not None and item.expires_on <= today + timedelta(days=7):
            kept_on = now - timedelta(days=rng.randint(10, days - 10))  # kept open after a reminder
            keep_open(item.membership, item.id, now=max(kept_on, item.created_at))
    for item in near:
        keep_open(item.membership, item.id, now=now - timedelta(days=days - rng.randint(*NEAR)))
    for item in expired:
        keep_open(item.membership, item.id, now=now - timedelta(days=days + 2))
    reminded = remind_expiring(community, now=now)
    closed = close_expired(community, now=now)
    return {"listings near expiry": reminded, "listings expired": closed}
