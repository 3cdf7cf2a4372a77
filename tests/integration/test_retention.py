"""Retention as a community setting: the daily sweep lets go of what is past it, in immediate
mode, once per day."""
from datetime import timedelta

import pytest
from conftest import utc_now
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from timebank.extensions import db
from timebank.models import HelpOffer, Listing, Notification
from timebank.services.people.erasure import ERASED_TITLE
from timebank.tasks import run_periodic


def test_the_daily_sweep_lets_go_of_what_is_past_each_communitys_retention(app, community, make_member):
    community.retention_days = 60
    member, _ = make_member()
    other, _ = make_member()
    now = utc_now()
    old, recent = now - timedelta(days=61), now - timedelta(days=59)
    for n, when in enumerate((old, recent)):
        db.session.add(Notification(user_id=member.user_id, community_id=community.id, kind="k", params={"n": n}, created_at=when))
    listings = []
    for n, (status, closed_at) in enumerate([("closed", old), ("closed", recent), ("open", None)]):
        listing = Listing(community_id=community.id, membership_id=member.id, type="request", title=f"Help {n}",
                          description="Tuesdays", status=status, created_at=old, closed_at=closed_at, submission_id=f"s{n}")
        db.session.add(listing)
        listings.append(listing)
    db.session.flush()
    db.session.add(HelpOffer(listing_id=listings[0].id, membership_id=other.id, message="I can", created_at=old))
    db.session.commit()

    outcome = run_periodic("sweep_past_retention", now)
    assert outcome == "riverside: 1 notifications, 1 closed listings, 1 help messages"
    db.session.expire_all()
    assert [n.params for n in db.session.scalars(select(Notification))] == [{"n": 1}]
    assert [(item.title, item.description) for item in db.session.scalars(select(Listing).order_by(Listing.id))] == [
        (ERASED_TITLE, ""), ("Help 1", "Tuesdays"), ("Help 2", "Tuesdays")
    ]
    assert db.session.scalar(select(HelpOffer.message)) is None
    assert run_periodic("sweep_past_retention", now) is None, "once a day"
    again = run_periodic("sweep_past_retention", now + timedelta(days=1))
    assert again == "riverside: 0 notifications, 0 closed listings, 0 help messages"


def test_a_community_keeps_things_thirty_days_at_least(app, community):
    community.retention_days = 29
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
