"""Real-browser checks of the bar every page meets: axe-core clean (WCAG 2.0-2.2 A and AA), no
sideways scrolling at 320 px, tap targets of at least 44x44 CSS px, working without JavaScript,
and a page weight under 20 KB gzipped."""
import gzip
from datetime import timedelta

import pytest
from conftest import TODAY
from playwright.sync_api import expect

from .conftest import (
    MIN_TARGET_PX,
    as_member,
    assert_meets_the_bar,
    fill_log_form,
    mobile_context,
    sign_in,
)

pytestmark = pytest.mark.browser

PAGE_BUDGET_BYTES = 20 * 1024


def open_sign_in(page, server):
    page.goto(f"{server.url}/login")


def open_sign_in_with_errors(page, server):
    page.goto(f"{server.url}/login")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(".error-summary")


def open_home(page, server):
    sign_in(page, server)


def open_not_found(page, server):
    response = page.goto(f"{server.url}/no-such-page")
    assert response.status == 404


def member_page(path):
    """An opener for a member page that needs only its address."""

    def open_page(page, server):
        as_member(page, server)
        response = page.goto(server.url + path.format(**server.ids))
        assert response.status == 200, f"{path}: {response.status}"

    return open_page


def open_start_page(page, server):
    as_member(page, server)
    page.goto(f"{server.url}/")
    expect(page.get_by_text("1 exchange to confirm")).to_be_visible()


def open_log_search(page, server):
    member_page("/log")(page, server)
    fill_log_form(page, search="Alan")
    expect(page.get_by_role("radio", name="Alan Turing")).to_be_visible()


def open_log_with_errors(page, server):
    member_page("/log")(page, server)
    fill_log_form(page, quick="Another length of time", hours=0, minutes=0,
                  occurred_on=TODAY + timedelta(days=30), note="Weeding")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector(".error-summary")


def open_log_check(page, server):
    member_page("/log")(page, server)
    fill_log_form(page, partner="Alan Turing", quick="1 hour", activity="Gardening", note="Weeding the beds")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()


def open_statement_entry(page, server):
    """An entry opened from its statement row (issue 13)."""
    member_page("/statement")(page, server)
    page.locator("tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Time you gave")).to_be_visible()


def open_new_listing_with_errors(page, server):
    member_page("/listings/new")(page, server)
    page.get_by_role("button", name="Post it").click()
    page.wait_for_selector(".error-summary")


def open_expired_listing(page, server):
    """Grace's offer past its day, as she sees it: "Expired", with "Renew" (issue 13)."""
    from sqlalchemy import select

    from timebank.extensions import db
    from timebank.models import Membership, User
    from timebank.models.types import utcnow
    from timebank.services.listing_expiry import close_expired
    from timebank.services.listings import create_listing

    with server.app.app_context():
        grace = db.session.scalar(select(Membership).join(User).where(User.email == server.email))
        listing, _ = create_listing(grace, type_="offer", title="Reading the paper aloud", description="",
                                    category_id=None, submission_id="seed-expired", now=utcnow() - timedelta(days=100))
        close_expired(grace.community, now=utcnow())
        db.session.commit()
        listing_id = listing.id
    as_member(page, server)
    response = page.goto(f"{server.url}/listings/{listing_id}")
    assert response.status == 200
    expect(page.get_by_role("button", name="Renew")).to_be_visible()


def open_conversation(page, server):
    """Grace's conversation with Alan about the exchange she logged (issue 13: messages)."""
    from sqlalchemy import select

    from timebank.extensions import db
    from timebank.models import Membership, User
    from timebank.services import messages

    with server.app.app_context():
        grace = db.session.scalar(select(Membership).join(User).where(User.email == server.email))
        conversation = messages.start(grace, messages.about_exchange(grace, server.ids["awaiting"]), "Which clinic is it?")
        db.session.commit()
        conversation_id = conversation.id
    as_member(page, server)
    response = page.goto(f"{server.url}/messages/{conversation_id}")
    assert response.status == 200
    expect(page.locator("#latest")).to_contain_text("Which clinic is it?")


PAGES = {
    "sign-in": open_sign_in,
    "sign-in-errors": open_sign_in_with_errors,
    "home": open_home,
    "not-found": open_not_found,
    # Every member page, as Grace (see conftest for what she has).
    "start": open_start_page,
    "log": member_page("/log"),
    "log-search": open_log_search,
    "log-errors": open_log_with_errors,
    "log-check": open_log_check,
    "log-done": member_page("/log/done/{awaiting}"),
    "exchanges": member_page("/exchanges"),
    "exchange-to-confirm": member_page("/exchanges/{to_confirm}"),
    "exchange-awaiting": member_page("/exchanges/{awaiting}"),
    "statement": member_page("/statement"),
    "statement-entry": open_statement_entry,
    "listings": member_page("/listings"),
    "new-listing": member_page("/listings/new"),
    "new-listing-errors": open_new_listing_with_errors,
    "listing": member_page("/listings/{request}"),
    "own-listing": member_page("/listings/{own_listing}"),
    "my-listings": member_page("/listings/mine"),
    "expired-listing": open_expired_listing,
    "conversations": member_page("/messages"),
    "conversation": open_conversation,
    "ask-about-listing": member_page("/listings/{request}/ask"),
    "profile": member_page("/profile"),
    "notifications": member_page("/notifications"),
    "my-data": member_page("/my-data"),
}


@pytest.fixture(scope="module", params=[360, 320], ids=lambda width: f"{width}px")
def screen_width(request):
    return request.param


@pytest.fixture(scope="module", params=list(PAGES))
def loaded(request, browser, live_server, screen_width):
    """Each page of the table, opened once per screen width on a phone and shared by the read-only
    checks below. The CSP is bypassed only so that axe can be injected."""
    context = mobile_context(browser, width=screen_width, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        PAGES[request.param](page, live_server)
        yield page
    finally:
        context.close()


def test_meets_the_bar(loaded, screen_width):
    """axe-core clean, no sideways scrolling on the screen, 44 px targets."""
    assert_meets_the_bar(loaded, screen_width)


def test_skip_link_appears_on_focus_and_is_big_enough(page, live_server):
    page.goto(f"{live_server.url}/login")
    page.keyboard.press("Tab")
    skip_link = page.locator(".skip-link")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0, "the focused skip link is off-screen"
    assert box["width"] >= MIN_TARGET_PX and box["height"] >= MIN_TARGET_PX
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_error_summary_takes_focus(page, live_server):
    open_sign_in_with_errors(page, live_server)
    assert page.title().startswith("Error:")
    expect(page.locator(".error-summary")).to_be_focused()
    page.get_by_role("link", name="Enter your email address").click()
    expect(page.get_by_label("Email address")).to_be_focused()


def test_sign_in_and_out_work_without_javascript(browser, live_server):
    context = mobile_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        assert page.url == f"{live_server.url}/login?next=%2F"
        page.get_by_label("Email address").fill(live_server.email.upper())
        page.get_by_label("Password").fill(live_server.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        assert live_server.name in page.locator("h1").inner_text()
        assert "2 h 30 min" in page.locator("main").inner_text()

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live_server.url}/login")
        assert "You have signed out." in page.locator("main").inner_text()
    finally:
        context.close()


def test_wrong_password_without_javascript_keeps_the_email(browser, live_server):
    context = mobile_context(browser, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Email address").fill(live_server.email)
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector(".error-summary")
        assert page.title().startswith("Error:")
        assert page.get_by_label("Email address").input_value() == live_server.email
        assert page.get_by_label("Password").input_value() == ""
    finally:
        context.close()


def gzipped_weights(context, url: str) -> dict[str, int]:
    """Gzipped bytes of everything a fresh (uncached) page load of `url` fetches, by path."""
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    origin = url.split("/", 3)[:3]
    return {
        "/" + r.url.split("/", 3)[3]: len(gzip.compress(r.body(), compresslevel=6))
        for r in responses
        if r.url.split("/", 3)[:3] == origin
    }


@pytest.mark.parametrize("path", ["/login", "/"])
def test_page_weight_is_under_budget(browser, live_server, path, capsys):
    signed_in = None
    if path != "/login":
        context = mobile_context(browser)
        sign_in(context.new_page(), live_server)
        signed_in = context.storage_state()
        context.close()
    context = mobile_context(browser, storage_state=signed_in)
    try:
        weights = gzipped_weights(context, live_server.url + path)
    finally:
        context.close()
    total = sum(weights.values())
    with capsys.disabled():
        print(f"\n{path}: {total} bytes gzipped {weights}")
    assert any(name.endswith(".css") for name in weights), weights
    assert total <= PAGE_BUDGET_BYTES, f"{path} weighs {total} bytes gzipped: {weights}"
