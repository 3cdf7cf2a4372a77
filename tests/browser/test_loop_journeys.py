"""Issue 13's journeys in a real Chromium on a 360x740 phone, without JavaScript: (a) a member says
"I can help" with a request, the requester replies, the helper logs the exchange (check page, Send,
confirmation page), the requester confirms it, a coordinator reverses it with a reason, and both
members see the reason on their statements and in their notifications; (b) an exchange stuck in
a closed month is resolved by both people; (c) a coordinator clears every stuck item from the
dashboard. Each page on the way meets the bar (axe-clean, 44 px targets, no sideways scrolling)
and weighs at most 20 KB gzipped, checked by opening it again with JavaScript on
(`assert_url_meets_the_bar`).

Each journey has a community of its own in the shared live server, so that closing a month
touches no other test."""
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Exchange
from timebank.services.communities import create_community
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.services.people import add_membership, create_user, member_account
from timebank.services.periods import close_month

from .conftest import PASSWORD, Person, assert_url_meets_the_bar, fill_log_form, mobile_context, sign_in

pytestmark = pytest.mark.browser

REASON = "Logged twice by mistake (loop journey)"


def day(value) -> str:
    return format_date(value, "d MMMM yyyy", locale="en")


@contextmanager
def phone(browser):
    """One person's fresh 360x740 phone, JavaScript off."""
    context = mobile_context(browser, width=360, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
    finally:
        context.close()


def _community(slug: str, names: dict[str, tuple[str, str]], stuck_minutes=()):
    """A community with the given people ({key: (name, role)}) and, if `stuck_minutes`, exchanges
    logged by "logger" for "confirmer" in last month, which is then closed. Returns (people by key,
    the stuck exchanges' ids, last month's date they happened on)."""
    community = create_community(slug, f"{slug.title()} Timebank")
    community.backdate_days = 400
    members = {
        key: add_membership(create_user(f"{key}@{slug}.example", name, PASSWORD), community, role=role, kind_code="volunteer")
        for key, (name, role) in names.items()
    }
    db.session.flush()
    occurred_on = (community.today().replace(day=1) - timedelta(days=1)).replace(day=10)
    stuck = []
    for minutes in stuck_minutes:
        exchange, _ = log_exchange(
            members["logger"], gave=True, partner_account_id=member_account(members["confirmer"].id).id, minutes=minutes,
            occurred_on=occurred_on, activity_id=None, note=None, submission_id=uuid.uuid4().hex,
        )
        stuck.append(exchange.id)
    if stuck_minutes:
        close_month(community, occurred_on.replace(day=1), actor_id=members["coordinator"].user_id)
    people = {
        key: Person(m.user.email, PASSWORD, m.user.name, (member_account(m.id).id if member_account(m.id) else None))
        for key, m in members.items()
    }
    return members, people, stuck, occurred_on


def test_respond_reply_exchange_confirm_reverse_and_both_see_why(browser, live_server):
    with live_server.app.app_context():
        members, people, _, _ = _community("loop-lane", {
            "helper": ("Hana Loopwright", "member"), "requester": ("Rhys Loopwright", "member"),
            "coordinator": ("Cora Loopwright", "coordinator"),
        })
        request, _ = create_listing(members["requester"], type_="request", title="Help clearing a garden shed",
                                    description="", category_id=None, submission_id=uuid.uuid4().hex)
        db.session.commit()
        request_id = request.id
    helper, requester, coordinator = people["helper"], people["requester"], people["coordinator"]

    with phone(browser) as hana, phone(browser) as rhys:  # each member's own phone
        sign_in(hana, live_server, helper)
        sign_in(rhys, live_server, requester)

        hana.goto(f"{live_server.url}/listings/{request_id}")  # the helper responds
        hana.get_by_label("A message for them (optional)").fill("I could come on Sunday")
        hana.get_by_role("button", name="I can help").click()
        expect(hana.get_by_text("Thank you. We have told them")).to_be_visible()

        rhys.goto(f"{live_server.url}/messages")  # the requester replies in the conversation
        rhys.get_by_role("link", name=f"With {helper.name}").click()
        expect(rhys.get_by_text("I could come on Sunday")).to_be_visible()
        rhys.get_by_label("Your message").fill("Sunday at ten, thank you")
        rhys.get_by_role("button", name="Send").click()
        expect(rhys.locator("#latest")).to_contain_text("Sunday at ten, thank you")
        assert_url_meets_the_bar(browser, rhys)

        hana.goto(f"{live_server.url}/messages")  # the helper reads it; they exchange, and she logs it
        hana.get_by_role("link", name=f"With {requester.name}").click()
        expect(hana.get_by_text("Sunday at ten, thank you")).to_be_visible()
        hana.goto(f"{live_server.url}/log")
        fill_log_form(hana, search="rhys")
        fill_log_form(hana, direction=None, partner=requester.name, quick="Another length of time", hours="2",
                      activity="Gardening", note="Cleared the shed")
        hana.get_by_role("button", name="Continue").click()
        expect(hana.get_by_role("heading", name="Check before you send")).to_be_visible()
        assert_url_meets_the_bar(browser, hana)
        hana.get_by_role("button", name="Send").click()
        expect(hana.get_by_role("heading", name="Sent")).to_be_visible()
        assert_url_meets_the_bar(browser, hana)

        with live_server.app.app_context():
            exchange_id = db.session.scalar(select(Exchange.id).where(Exchange.logged_by_account_id == helper.account_id))
        rhys.goto(f"{live_server.url}/exchanges/{exchange_id}")  # the requester confirms it
        assert_url_meets_the_bar(browser, rhys)
        rhys.get_by_role("button", name="Yes, confirm it").click()
        expect(rhys.get_by_text("recorded", exact=True)).to_be_visible()

        with live_server.app.app_context():
            entry_id = db.session.get(Exchange, exchange_id).entry_id
        with phone(browser) as page:  # the coordinator reverses it, with a reason
            sign_in(page, live_server, coordinator)
            page.goto(f"{live_server.url}/coordinate/entries/{entry_id}/reverse")
            assert_url_meets_the_bar(browser, page)
            page.get_by_label("Why is it being reversed?").fill(REASON)
            page.get_by_role("button", name="Reverse the entry").click()
            expect(page.get_by_text(f"Entry {entry_id} is reversed.")).to_be_visible()

        for page in (hana, rhys):  # both see why, on the statement and in their notifications
            page.goto(f"{live_server.url}/statement")
            expect(page.locator("main")).to_contain_text(f"Why: {REASON}")
            page.goto(f"{live_server.url}/notifications")
            expect(page.locator("main")).to_contain_text(REASON)
            page.goto(f"{live_server.url}/statement/entries/{entry_id}")
            expect(page.locator("main")).to_contain_text(REASON)
        assert_url_meets_the_bar(browser, hana)


def test_an_exchange_stuck_in_a_closed_month_is_resolved_by_both_people(browser, live_server):
    with live_server.app.app_context():
        _, people, (exchange_id,), occurred_on = _community("late-lane", {
            "logger": ("Lena Latimer", "member"), "confirmer": ("Colm Latimer", "member"),
            "coordinator": ("Kit Latimer", "coordinator"),
        }, stuck_minutes=(50,))
        db.session.commit()
    logger, confirmer = people["logger"], people["confirmer"]

    with phone(browser) as lena, phone(browser) as colm:
        sign_in(lena, live_server, logger)
        sign_in(colm, live_server, confirmer)
        lena.goto(f"{live_server.url}/exchanges/{exchange_id}")  # the logger sees it waiting for the other
        expect(lena.locator("main")).to_contain_text(f"waiting for {confirmer.name} to confirm")
        expect(lena.get_by_role("button", name="Yes, record it now")).to_have_count(0)

        colm.goto(f"{live_server.url}/exchanges/{exchange_id}")  # the confirmer records it late, one tap
        expect(colm.get_by_text("Record it now, keeping the date it happened?")).to_be_visible()
        assert_url_meets_the_bar(browser, colm)
        colm.get_by_role("button", name="Yes, record it now").click()
        expect(colm.get_by_text("it is recorded now, keeping the date it happened")).to_be_visible()

        with live_server.app.app_context():
            entry_id = db.session.get(Exchange, exchange_id).entry_id
        for page in (lena, colm):  # both see it on their statements, with its true date
            page.goto(f"{live_server.url}/statement")
            expect(page.locator("main")).to_contain_text(day(occurred_on))
            page.goto(f"{live_server.url}/statement/entries/{entry_id}")
            summary = page.locator("dl.summary")
            expect(summary).to_contain_text(day(occurred_on))
            expect(summary).to_contain_text("as a late entry")
        assert_url_meets_the_bar(browser, colm)


def test_a_coordinator_clears_every_stuck_item_from_the_dashboard(browser, live_server):
    with live_server.app.app_context():
        _, people, stuck, _ = _community("clear-lane", {
            "logger": ("Lorna Clearwater", "member"), "confirmer": ("Cian Clearwater", "member"),
            "coordinator": ("Dara Clearwater", "coordinator"),
        }, stuck_minutes=(30, 40, 55))
        db.session.commit()

    with phone(browser) as page:
        sign_in(page, live_server, people["coordinator"])
        stuck_section = page.locator("section[aria-labelledby=alert-stuck]")
        expect(stuck_section).to_contain_text(f"{len(stuck)} exchanges stuck in a closed month")
        assert_url_meets_the_bar(browser, page)
        # One of each way out: confirm it as a late entry, decline it, cancel it.
        for n, action in enumerate(("confirm", "decline", "cancel")):
            stuck_section.get_by_role("link", name="Resolve it").first.click()
            expect(page.get_by_role("heading", name="Exchange waiting")).to_be_visible()
            if n == 0:
                assert_url_meets_the_bar(browser, page)
            if action == "confirm":
                page.get_by_role("button", name=f"Confirm for {people['confirmer'].name}").click()
                expect(page.get_by_text("Confirmed and recorded. Both people have been told.")).to_be_visible()
            else:
                page.locator(f"#{action}-reason").fill(f"Resolved from the dashboard: {action}")
                page.get_by_role("button", name="Decline it" if action == "decline" else "Cancel it").click()
                expect(page.get_by_text(f"{'Declined' if action == 'decline' else 'Cancelled'}. Both people")).to_be_visible()
            page.goto(f"{live_server.url}/coordinate/")
        expect(stuck_section).to_have_count(0)

    with live_server.app.app_context():
        statuses = db.session.scalars(select(Exchange.status).where(Exchange.id.in_(stuck))).all()
        assert sorted(statuses) == ["cancelled", "declined", "posted"]
