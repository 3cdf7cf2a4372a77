"""Messages in a real Chromium on a 360x740 phone: a member says "I can help" with a request, the
requester reads it under Conversations and replies, and both see the conversation, newest at the
bottom; every page on the way axe-clean with 44 px targets and no sideways scrolling. Without
JavaScript too (the pages are plain forms)."""
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Membership, User
from timebank.services.listings import create_listing

from .conftest import assert_meets_the_bar, sign_in
from .test_member_journeys import phone

pytestmark = pytest.mark.browser


def _request_of(server, person, title: str) -> int:
    with server.app.app_context():
        membership = db.session.scalar(select(Membership).join(User).where(User.email == person.email))
        listing, _ = create_listing(membership, type_="request", title=title, description="", category_id=None,
                                    submission_id=uuid.uuid4().hex)
        db.session.commit()
        return listing.id


def test_a_member_responds_the_requester_replies_and_both_see_it(browser, live_server, new_member):
    requester, helper = new_member("Rita"), new_member("Hal")
    listing_id = _request_of(live_server, requester, "Help moving a wardrobe")

    with phone(browser) as page:
        sign_in(page, live_server, helper)
        page.goto(f"{live_server.url}/listings/{listing_id}")
        page.get_by_label("A message for them (optional)").fill("I have a van on Saturday")
        page.get_by_role("button", name="I can help").click()
        expect(page.get_by_text("Thank you. We have told them")).to_be_visible()

    with phone(browser, javascript=False) as page:  # the requester's phone, without JavaScript
        sign_in(page, live_server, requester)
        page.goto(f"{live_server.url}/messages")
        expect(page.get_by_text("1 new message")).to_be_visible()
        page.get_by_role("link", name=f"With {helper.name}").click()
        expect(page.get_by_text("I have a van on Saturday")).to_be_visible()
        page.get_by_label("Your message").fill("Saturday morning would be wonderful")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("#latest")).to_contain_text("Saturday morning would be wonderful")

    with phone(browser) as page:
        sign_in(page, live_server, helper)
        page.goto(f"{live_server.url}/messages")
        assert_meets_the_bar(page, 360)
        page.get_by_role("link", name=f"With {requester.name}").click()
        cards = page.locator("main ol li")
        expect(cards).to_have_count(2)
        expect(cards.nth(0)).to_contain_text("I have a van on Saturday")
        expect(cards.nth(1)).to_contain_text("Saturday morning would be wonderful")
        assert_meets_the_bar(page, 360)
        page.get_by_role("button", name="Send").click()  # empty: says what to fix, beside the field
        page.wait_for_selector(".error-summary")
        assert page.title().startswith("Error:")
        assert_meets_the_bar(page, 360)
        page.get_by_role("link", name="Report this conversation").click()
        assert_meets_the_bar(page, 360)
