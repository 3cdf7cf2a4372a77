"""The warning before an idle timeout, staying signed in without JavaScript, and the timeouts as
community settings (issue 11): the banner's delay for staff, members and a community's own
setting, the strictest of two communities, /session/stay (framed by this site only), a form
posted after the timeout showing what was typed, and the coordinator's settings page."""
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from conftest import COORDINATOR_HOME
from sqlalchemy import select

from timebank.auth.sessions import FRAMEABLE
from timebank.extensions import db
from timebank.models import AuditEvent, Community
from timebank.services.communities import create_community

FRAMED = {"Sec-Fetch-Dest": "iframe"}


def hhmm(moment) -> str:
    return moment.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")


def delay_class(html: str) -> str:
    found = re.search(r'class="session-warning (sw-h\d+ sw-m\d+)" role="status"', html)
    assert found, "every signed-in page carries the warning"
    return found.group(1)


def set_idle(community, staff=None, member=None) -> None:
    community.idle_minutes_staff, community.idle_minutes_member = staff, member
    db.session.commit()


def test_a_members_warning_shows_three_minutes_before_the_default_timeout(client, auth, make_member, later, now):
    membership, _ = make_member()
    auth.login(membership.user.email)
    html = client.get("/").get_data(as_text=True)
    assert delay_class(html) == "sw-h11 sw-m57", "720 idle minutes, warned at 717"
    at = hhmm(now + timedelta(minutes=720))
    assert f"You will be signed out at {at} because you have not done anything for 720 minutes." in html
    assert 'target="session-stay"' in html and '<iframe name="session-stay"' in html
    assert "you will be signed out if you do nothing for 720 minutes" in html, "said at page load, for screen readers"


def test_a_coordinators_warning_comes_sooner_and_the_community_may_shorten_it(
    client, auth, make_member, community, later
):
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    assert delay_class(client.get(COORDINATOR_HOME).get_data(as_text=True)) == "sw-h0 sw-m27"
    set_idle(community, staff=10)
    html = client.get(COORDINATOR_HOME).get_data(as_text=True)
    assert delay_class(html) == "sw-h0 sw-m7" and "for 10 minutes" in html


def test_the_warning_counts_from_the_last_request(client, auth, make_member, community, later):
    set_idle(community, member=60)
    membership, _ = make_member()
    auth.login(membership.user.email)
    later(minutes=58)
    assert delay_class(client.get("/").get_data(as_text=True)) == "sw-h0 sw-m57", "the idle time started again"
    later(minutes=58, seconds=50)  # within SEEN_RESOLUTION: the session is not touched again
    assert delay_class(client.get("/").get_data(as_text=True)) == "sw-h0 sw-m56", "counted from minute 58"


def test_near_the_end_of_its_lifetime_the_warning_says_so_and_offers_no_stay(
    client, auth, make_member, community, later, now
):
    set_idle(community, staff=120)
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    for minutes in range(100, 701, 100):
        later(minutes=minutes)
        html = client.get(COORDINATOR_HOME).get_data(as_text=True)
    assert delay_class(html) == "sw-h0 sw-m17", "12 hours after signing in, warned 3 minutes before"
    assert f"signed out at {hhmm(now + timedelta(hours=12))} because you signed in 12 hours ago" in html
    assert "Stay signed in" not in html


def test_the_strictest_of_two_communities_wins(app, client, auth, make_member, community, later):
    other = create_community("hillside", "Hillside Timebank")
    db.session.commit()
    community.idle_minutes_member, other.idle_minutes_member = 120, 45
    db.session.commit()
    membership, _ = make_member()
    make_member(target=other)  # someone else there, so that the person's own membership is the one that counts
    from timebank.services.people import add_membership

    add_membership(membership.user, other, role="member", kind_code="volunteer", joined_on=membership.joined_on)
    db.session.commit()
    auth.login(membership.user.email)
    assert delay_class(client.get("/").get_data(as_text=True)) == "sw-h0 sw-m42"
    later(minutes=46)
    response = client.get("/statement")
    assert response.headers["Location"].startswith("/signed-out?reason=idle")
    assert "for 45 minutes" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_staying_signed_in_starts_the_idle_time_again(client, auth, make_member, community, later, now):
    set_idle(community, member=10)
    membership, _ = make_member()
    auth.login(membership.user.email)
    later(minutes=8)
    response = client.post("/session/stay", headers=FRAMED)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"You are signed in until {hhmm(now + timedelta(minutes=18))}." in html
    assert "<header" not in html, "inside the iframe: one line, not a whole page"
    later(minutes=17)
    assert client.get("/").status_code == 200, "without the stay, the session would have ended at 10 minutes"
    later(minutes=28)
    assert client.get("/").status_code == 303


def test_only_the_stay_answer_may_be_framed_and_only_by_this_site(client, auth, make_member, later):
    membership, _ = make_member()
    auth.login(membership.user.email)
    page = client.get("/")
    assert page.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-src" not in policy and "child-src" not in policy, (
        "frames from this site are allowed (frame-src falls back to default-src 'self')"
    )
    stay = client.post("/session/stay", headers=FRAMED)
    assert stay.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert stay.headers["Content-Security-Policy"] == policy.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    assert FRAMEABLE["Content-Security-Policy"] == stay.headers["Content-Security-Policy"]


def test_without_frames_staying_is_a_page_with_a_link_back(client, auth, make_member, later):
    membership, _ = make_member()
    auth.login(membership.user.email)
    response = client.post("/session/stay", data={"next": "/statement?after=3"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "You are still signed in" in html
    assert 'href="/statement?after=3"' in html
    away = client.post("/session/stay", data={"next": "//evil.example/"}).get_data(as_text=True)
    assert "evil.example" not in away and 'href="/"' in away


def test_staying_after_the_timeout_says_so_in_the_frame(client, auth, make_member, later):
    membership, _ = make_member()
    auth.login(membership.user.email)
    later(hours=12, minutes=5)
    response = client.post("/session/stay", headers=FRAMED)
    assert response.status_code == 200 and response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "You have been signed out. What you typed on this page is not saved" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302, "and the session is over"


def test_a_form_sent_after_the_timeout_shows_what_was_typed(client, auth, make_member, later):
    membership, _ = make_member()
    auth.login(membership.user.email)
    later(hours=12, minutes=5)
    response = client.post(
        "/profile",
        data={"display_name": "Words <typed> at length", "password": "s3cret-pass", "csrf_token": "x"},
        headers={"Referer": "http://localhost/profile"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "What you typed was not saved" in html
    assert "Words &lt;typed&gt; at length" in html
    assert "s3cret-pass" not in html, "never a password"
    assert 'href="/login?next=/profile"' in html
    # A button with nothing typed goes to the signed-out page as before.
    auth.login(membership.user.email)
    later(hours=24, minutes=10)
    assert client.post("/notifications/read").status_code == 303


# --- the coordinator's settings page --------------------------------------------------------------


@pytest.fixture
def coordinator(client, auth, make_member):
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    return coordinator


def test_the_dashboard_links_to_the_settings(client, coordinator):
    assert 'href="/coordinate/settings"' in client.get("/coordinate/").get_data(as_text=True)


def test_the_settings_page_refuses_out_of_range_values_and_keeps_them(client, coordinator, community):
    assert client.get("/coordinate/settings").status_code == 200
    response = client.post(
        "/coordinate/settings", data={"idle_minutes_staff": "200", "idle_minutes_member": "4", "retention_days": "29"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Enter a whole number from") >= 3
    assert 'value="200"' in html and 'value="4"' in html and 'value="29"' in html
    huge = client.post("/coordinate/settings", data={"idle_minutes_staff": "99999999999999999999", "retention_days": "365"})
    assert huge.status_code == 422
    db.session.expire_all()
    assert db.session.get(Community, community.id).idle_minutes_staff is None


def test_saving_the_settings_is_audited_and_applies_at_once(client, coordinator, community):
    response = client.post(
        "/coordinate/settings", data={"idle_minutes_staff": "15", "idle_minutes_member": "", "retention_days": "400"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Community, community.id)
    assert (saved.idle_minutes_staff, saved.idle_minutes_member, saved.retention_days) == (15, None, 400)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "community.settings")).one()
    assert event.actor_id == coordinator.user_id
    assert event.details["changed"]["idle_minutes_staff"] == [None, 15]
    assert event.details["changed"]["retention_days"] == [365, 400]
    assert delay_class(client.get(COORDINATOR_HOME).get_data(as_text=True)) == "sw-h0 sw-m12", "the signed-in coordinator's too"


def test_the_two_factor_requirement_is_a_checkbox_on_the_page(client, coordinator, community):
    html = client.get("/coordinate/settings").get_data(as_text=True)
    assert "Coordinators and funders must use two-factor sign-in" in html
    keep = {"retention_days": "365", "staff_two_factor_required": "y"}
    assert client.post("/coordinate/settings", data=keep).status_code == 303
    assert client.post("/coordinate/settings", data={"retention_days": "365"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Community, community.id).staff_two_factor_required is False
    changes = [e.details["changed"] for e in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "community.settings"))]
    assert changes == [{"staff_two_factor_required": [True, False]}], "a save that changes nothing is not audited"
