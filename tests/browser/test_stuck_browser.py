"""Stuck exchanges in a real Chromium on a phone (issue 13): the member who must confirm an
exchange whose month is now closed records it with one tap, without JavaScript; and the pages
involved (the member's exchange, the coordinator's exchange page and dashboard) meet the bar:
axe-core clean, no sideways scrolling at 320 px, 44 px targets.

Its own small community in the shared live server, so that closing its last month changes
nothing for the other browser tests."""
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from timebank.extensions import db
from timebank.models import Entry, Exchange, ExchangeStatus
from timebank.services.communities import create_community
from timebank.services.exchanges.log import log_exchange
from timebank.services.people import add_membership, create_user, member_account
from timebank.services.periods import close_month

from .conftest import PASSWORD, Person, as_member, assert_meets_the_bar, mobile_context

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def stuck_world(live_server):
    with live_server.app.app_context():
        community = create_community("stuck-corner", "Stuck Corner Timebank")
        community.backdate_days = 400
        people = {}
        for key, email, name, role in (
            ("nia", "nia@stuck.example", "Nia Fairclough", "member"),
            ("omar", "omar@stuck.example", "Omar Penhaligon", "member"),
            ("cleo", "cleo@stuck.example", "Cleo Marchbank", "coordinator"),
        ):
            people[key] = add_membership(create_user(email, name, PASSWORD), community, role=role, kind_code="volunteer")
        db.session.flush()
        today = community.today()
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        exchanges = []
        omar_account = member_account(people["omar"].id)
        for minutes in (45, 75):  # one for the page checks, one for the journey
            exchange, _ = log_exchange(
                people["nia"], gave=True, partner_account_id=omar_account.id, minutes=minutes,
                occurred_on=last_month.replace(day=10), activity_id=None, note=None, submission_id=uuid.uuid4().hex,
            )
            exchanges.append(exchange.id)
        close_month(community, last_month, actor_id=people["cleo"].user_id)
        db.session.commit()
        persons = {key: Person(m.user.email, PASSWORD, m.user.name, None) for key, m in people.items()}
    return {"people": persons, "page_exchange": exchanges[0], "journey_exchange": exchanges[1]}


PAGES = {
    "member-stuck-exchange": ("omar", "/exchanges/{page_exchange}"),
    "coordinator-exchange": ("cleo", "/coordinate/exchanges/{page_exchange}"),
    "coordinator-dashboard": ("cleo", "/coordinate/"),
}


@pytest.fixture(scope="module")
def screen_width():
    """The narrowest screen only, to keep the module fast (the journey below runs at 360 px)."""
    return 320


@pytest.fixture(scope="module", params=list(PAGES))
def loaded(request, browser, live_server, stuck_world, screen_width):
    who, path = PAGES[request.param]
    context = mobile_context(browser, width=screen_width, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        as_member(page, live_server, stuck_world["people"][who])
        response = page.goto(live_server.url + path.format(**stuck_world))
        assert response.status == 200, f"{path}: {response.status}"
        yield page
    finally:
        context.close()


def test_meets_the_bar(loaded, screen_width):
    """axe-core clean, no sideways scrolling on the screen, 44 px targets."""
    assert_meets_the_bar(loaded, screen_width)


def test_one_tap_records_a_stuck_exchange_without_javascript(browser, live_server, stuck_world):
    context = mobile_context(browser, width=360, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        as_member(page, live_server, stuck_world["people"]["omar"])
        page.goto(f"{live_server.url}/exchanges/{stuck_world['journey_exchange']}")
        expect(page.get_by_text("Record it now, keeping the date it happened?")).to_be_visible()
        page.get_by_role("button", name="Yes, record it now").click()
        expect(page.get_by_text("it is recorded now, keeping the date it happened")).to_be_visible()
    finally:
        context.close()
    with live_server.app.app_context():
        exchange = db.session.get(Exchange, stuck_world["journey_exchange"])
        entry = db.session.get(Entry, exchange.entry_id)
        assert exchange.status == ExchangeStatus.POSTED and entry.booked_on is not None
        assert entry.occurred_on == exchange.occurred_on
