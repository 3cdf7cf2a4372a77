"""The log journey on a 360 px phone (issue 13): the GOV.UK date input with "Yesterday", a
check page with its own address, a confirmation page with "Log another" and "Done", and Back
from it landing on a page that says the exchange was already sent (never the browser's
"Confirm form resubmission"). axe-clean, 44 px targets, no sideways scrolling, each step."""
from datetime import timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Exchange
from timebank.services.communities import get_community

from .conftest import assert_meets_the_bar, fill_log_form, mobile_context, sign_in

pytestmark = pytest.mark.browser


def test_log_with_yesterday_check_send_done_and_back_is_safe(browser, live_server, new_member):
    ada, ben = new_member("Ada"), new_member("Ben")
    with live_server.app.app_context():
        yesterday = get_community("riverside").today() - timedelta(days=1)
    context = mobile_context(browser, width=360, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, ada)
        page.goto(f"{live_server.url}/log")
        expect(page.get_by_role("radio", name="Today", exact=True)).to_be_checked()
        assert_meets_the_bar(page, 360)
        fill_log_form(page, search=ben.name.split()[-1][:5].lower())
        fill_log_form(page, direction=None, partner=ben.name, quick="Another length of time", hours="1.5",
                      activity="Gardening", note="Pruned the roses")
        page.get_by_role("radio", name="Yesterday", exact=True).check()
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()
        assert "/log/check/" in page.url, "the check page has an address of its own"
        summary = page.locator("dl.summary")
        for text in ("1 h 30 min", format_date(yesterday, "d MMMM yyyy", locale="en"), "Gardening", "Pruned the roses"):
            expect(summary).to_contain_text(text)
        assert_meets_the_bar(page, 360)
        check_url = page.url
        page.reload()  # a GET: no "Confirm form resubmission"
        expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()

        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", name="Sent")).to_be_visible()
        expect(page.get_by_role("link", name="Log another")).to_be_visible()
        expect(page.get_by_role("link", name="Done", exact=True)).to_be_visible()
        assert_meets_the_bar(page, 360)

        page.go_back()
        assert page.url == check_url
        expect(page.get_by_role("heading", name="You have already sent this")).to_be_visible()
        expect(page.get_by_role("button", name="Send")).to_have_count(0)
        assert_meets_the_bar(page, 360)
        page.go_forward()
        page.get_by_role("link", name="Log another").click()
        expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    finally:
        context.close()
    with live_server.app.app_context():
        minutes = db.session.scalars(select(Exchange.minutes).where(Exchange.logged_by_account_id == ada.account_id)).all()
        assert minutes == [90], "one exchange, of 1.5 hours"
        assert db.session.scalar(select(func.count(Exchange.id)).where(Exchange.logged_by_account_id == ada.account_id)) == 1
