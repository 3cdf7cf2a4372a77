"""Issue 13, coordinators, in a real Chromium on a 360 px phone: signing in, a coordinator lands
on the dashboard, and what needs attention comes before the list of tools (before, 16 links
pushed the alerts below the fold); the alerts section is on screen without scrolling."""
from datetime import timedelta

import pytest

from timebank.extensions import db
from timebank.models import Membership, User
from timebank.services.communities import get_community
from timebank.services.safeguarding import add_check

from .conftest import mobile_context, sign_in

pytestmark = pytest.mark.browser


def test_a_coordinator_lands_on_the_dashboard_with_alerts_before_the_links(browser, live_server):
    with live_server.app.app_context():
        community = get_community("riverside")
        coordinator = db.session.query(Membership).join(User, User.id == Membership.user_id).filter(
            User.email == live_server.coordinator.email).one()
        member = db.session.query(Membership).join(User, User.id == Membership.user_id).filter(
            User.email == live_server.email).one()
        today = community.today()
        add_check(coordinator, member.id, check_type="Enhanced DBS check (loops browser)",
                  issued_on=today - timedelta(days=1100), expires_on=today + timedelta(days=10))
        db.session.commit()
    context = mobile_context(browser, width=360)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, live_server.coordinator)
        assert page.url == f"{live_server.url}/coordinate/"
        attention = page.get_by_role("heading", name="What needs attention").bounding_box()
        tools = page.get_by_role("heading", name="What you can do").bounding_box()
        assert attention["y"] < tools["y"]
        assert attention["y"] < 740, "the alerts start on the first screen"
        first_link = page.locator("main a").first.bounding_box()
        assert first_link["y"] > attention["y"], "no link comes before the alerts"
        assert page.get_by_text("safeguarding check to renew").first.is_visible()
    finally:
        context.close()
