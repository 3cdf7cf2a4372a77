"""The weekly digest (issue 13): one short plain-text email per member who wants it, through the
outbox, only when there is something to say: new requests in their activities, what waits for
their confirmation, their hours this month. A week between two; off with one button in the
profile; never a name, never anyone from another community. On both backends, the job run at
chosen times."""
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import ActivityCategory, Membership
from timebank.services.communities import create_community
from timebank.services.digest import digest_for
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.tasks import run_periodic

PASSWORD = "correct horse battery"


def activity(community, name):
    return db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community.id, ActivityCategory.name == name)
    )


def post(membership, type_, title, category, now):
    create_listing(membership, type_=type_, title=title, description="", category_id=category,
                   submission_id=uuid.uuid4().hex, now=now)


def digests(app, membership=None) -> list:
    return [m for m in sent_messages(app) if m["Subject"].startswith("Timebank: your week")
            and (membership is None or m["To"] == membership.user.email)]


@pytest.fixture
def world(app, community, make_member, now):
    hana, hana_account = make_member(name="Hana Helper")
    rita, rita_account = make_member(name="Rita Requester")
    gardening, cooking = activity(community, "Gardening"), activity(community, "Cooking and meals")
    post(hana, "offer", "I love weeding", gardening, now - timedelta(days=30))
    post(rita, "request", "Help with the hedge", gardening, now - timedelta(days=1))
    post(rita, "request", "Soup for a week", cooking, now - timedelta(days=1))
    # Rita says Hana gave her an hour: it waits for Hana to confirm.
    log_exchange(rita, gave=False, partner_account_id=hana_account.id, minutes=60,
                 occurred_on=community.today(now) - timedelta(days=2), activity_id=gardening, note=None,
                 submission_id=uuid.uuid4().hex, now=now)
    # Another community's request in the same activity, by someone named Olga.
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.flush()
    olga, _ = make_member(name="Olga Outsider", target=elsewhere)
    post(olga, "request", "Elsewhere hedge", activity(elsewhere, "Gardening"), now - timedelta(days=1))
    db.session.commit()
    sent_messages(app).clear()
    return SimpleNamespace(hana=hana, rita=rita, olga=olga)


def test_a_member_gets_one_short_digest_a_week_naming_nobody(app, world, now):
    assert run_periodic("weekly_digest", now) == "riverside: 1 sent; elsewhere: 0 sent"
    [mail] = digests(app)
    assert mail["To"] == world.hana.user.email
    body = mail.get_content()
    assert "Help with the hedge (Gardening)" in body
    assert "Waiting for you to confirm: 1." in body
    assert "This month you gave" in body
    assert "Soup for a week" not in body  # not in her activities
    for absent in ("Rita", "Olga", "Elsewhere hedge", "http", "token"):
        assert absent not in body
    assert len(body) < 800 and mail.get_content_type() == "text/plain"

    # The next day: nothing again (a week between two), however often the job runs.
    assert run_periodic("weekly_digest", now + timedelta(days=1)) == "riverside: 0 sent; elsewhere: 0 sent"
    # A week on: the exchange still waits for her, so she hears again; the hedge is not new.
    assert run_periodic("weekly_digest", now + timedelta(days=7)) == "riverside: 1 sent; elsewhere: 0 sent"
    second = digests(app)[-1].get_content()
    assert "Waiting for you to confirm: 1." in second and "Help with the hedge" not in second


def test_no_digest_with_nothing_to_say_or_when_turned_off(app, world, now):
    assert digest_for(world.rita, now=now) is None  # nothing in her activities, nothing to confirm
    world.hana.digest_weekly = False
    db.session.commit()
    assert run_periodic("weekly_digest", now) == "riverside: 0 sent; elsewhere: 0 sent"
    world.hana.digest_weekly, world.hana.email_notifications = True, False
    db.session.commit()
    assert run_periodic("weekly_digest", now + timedelta(days=1)) == "riverside: 0 sent; elsewhere: 0 sent"
    assert digests(app) == []


def test_the_profile_turns_it_off_and_on_with_one_post(app, client, world):
    client.post("/login", data={"email": world.hana.user.email, "password": PASSWORD})
    page = client.get("/profile").get_data(as_text=True)
    assert 'action="/profile/digest"' in page and "Turn off the weekly digest" in page
    assert client.get("/profile/digest").status_code == 405
    assert client.post("/profile/digest").status_code == 303
    db.session.expire_all()
    assert db.session.get(Membership, world.hana.id).digest_weekly is False
    assert "Turn on the weekly digest" in client.get("/profile").get_data(as_text=True)
    client.post("/profile/digest")
    db.session.expire_all()
    assert db.session.get(Membership, world.hana.id).digest_weekly is True
