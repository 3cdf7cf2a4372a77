"""Offers and requests expire (issue 13): after the community's `listing_days` (default 90) from
being posted or kept open; a reminder a week before (a notification and an email, once); the
daily job closes them; the owner keeps one open or renews an expired one. On both backends,
with the job run at chosen times."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import Listing, ListingStatus, Notification
from timebank.services.community_settings import update_settings
from timebank.services.listing_expiry import close_expired, keep_open, remind_expiring
from timebank.services.listings import browse, close_listing, create_listing
from timebank.tasks import run_periodic


def post(membership, title, now, n=[0]):  # noqa: B006 (a counter)
    n[0] += 1
    listing, _ = create_listing(
        membership, type_="offer", title=title, description="", category_id=None, submission_id=f"x{n[0]}", now=now
    )
    db.session.commit()
    return listing


def reminders() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "listing_expiring"))


def fresh(listing) -> Listing:
    db.session.expire_all()
    return db.session.get(Listing, listing.id)


def test_a_listing_expires_after_90_days_with_one_reminder_a_week_before(app, community, make_member, now):
    owner, _ = make_member(name="Olu Owner")
    other, _ = make_member(name="Ana Other")
    start = now - timedelta(days=100)
    listing = post(owner, "Gardening on Saturdays", start)
    day0 = community.today(start)
    assert listing.expires_on == day0 + timedelta(days=90)

    # 82 days on: not yet in the reminder's week.
    assert run_periodic("expire_listings", start + timedelta(days=82)) == "riverside: 0 reminded, 0 closed"
    # 84 days on: reminded, by a notification and an email, once.
    assert run_periodic("expire_listings", start + timedelta(days=84)) == "riverside: 1 reminded, 0 closed"
    assert run_periodic("expire_listings", start + timedelta(days=85)) == "riverside: 0 reminded, 0 closed"
    assert reminders() == 1
    mail = [m for m in sent_messages(app) if m["To"] == owner.user.email]
    assert len(mail) == 1 and "Still offering \u201cGardening on Saturdays\u201d?" in mail[0].get_content()
    # Still listed, until its day.
    assert [r.id for r in browse(other, today=day0 + timedelta(days=89))[0]] == [listing.id]
    assert browse(other, today=day0 + timedelta(days=90))[0] == []

    # On its day the job closes it; its owner sees it as expired.
    assert run_periodic("expire_listings", start + timedelta(days=90)) == "riverside: 0 reminded, 1 closed"
    closed = fresh(listing)
    assert closed.status == ListingStatus.CLOSED and closed.expired(day0 + timedelta(days=90))
    assert run_periodic("expire_listings", start + timedelta(days=91)) == "riverside: 0 reminded, 0 closed"


def test_keeping_it_open_starts_its_time_again_and_renewing_brings_it_back(app, community, make_member, now):
    owner, _ = make_member()
    start = now - timedelta(days=100)
    listing = post(owner, "Shopping trips", start)
    remind_expiring(community, now=start + timedelta(days=85))
    db.session.commit()
    assert fresh(listing).reminded_at is not None

    kept_at = start + timedelta(days=86)
    keep_open(owner, listing.id, now=kept_at)
    db.session.commit()
    kept = fresh(listing)
    assert kept.expires_on == community.today(kept_at) + timedelta(days=90) and kept.reminded_at is None

    close_expired(community, now=kept_at + timedelta(days=90))
    db.session.commit()
    assert fresh(listing).status == ListingStatus.CLOSED
    renewed_at = kept_at + timedelta(days=95)
    keep_open(owner, listing.id, now=renewed_at)
    db.session.commit()
    renewed = fresh(listing)
    assert renewed.status == ListingStatus.OPEN and renewed.closed_at is None
    assert renewed.expires_on == community.today(renewed_at) + timedelta(days=90)


def test_a_listing_its_owner_closed_is_not_renewed_and_nobody_else_can_keep_it(app, community, make_member, now):
    owner, _ = make_member()
    other, _ = make_member()
    listing = post(owner, "Dog walks", now - timedelta(days=3))
    with pytest.raises(Exception):  # noqa: B017 (NotFound: not theirs)
        keep_open(other, listing.id, now=now)
    close_listing(owner, listing.id, now=now)
    with pytest.raises(InvalidInput):
        keep_open(owner, listing.id, now=now)


def test_the_community_sets_how_long_listings_last_within_7_to_365_days(app, community, make_member, now):
    owner, _ = make_member(role="coordinator")
    for bad in (6, 366):
        with pytest.raises(InvalidInput) as refused:
            update_settings(community, actor_id=owner.user_id, now=now, idle_minutes_staff=None, idle_minutes_member=None,
                            retention_days=community.retention_days, listing_days=bad)
        assert refused.value.details.get("field") == "listing_days"
    db.session.rollback()
    update_settings(community, actor_id=owner.user_id, now=now, idle_minutes_staff=None, idle_minutes_member=None,
                    retention_days=community.retention_days, listing_days=14)
    db.session.commit()
    listing = post(owner, "Lifts to the surgery", now)
    assert listing.expires_on == community.today(now) + timedelta(days=14)


def test_the_demo_shows_two_listings_near_expiry_and_one_expired(app, community, make_member, now):
    import random

    from timebank.demo.expiry import seed_listing_expiry

    first, _ = make_member()
    other, _ = make_member()
    for days in (150, 120, 100, 95, 30):
        post(other, f"Offer from {days} days ago", now - timedelta(days=days))
    mine = post(first, "Mine, long ago", now - timedelta(days=130))
    counts = seed_listing_expiry(random.Random(3), community, member_email=first.user.email, now=now)
    db.session.commit()
    assert counts == {"listings near expiry": 2, "listings expired": 1}
    today = community.today(now)
    assert fresh(mine).expired(today)  # the demo member's own, so that they see "Expired" and "Renew"
    assert len(browse(other, today=today)[0]) == 5
