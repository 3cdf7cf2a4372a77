"""The idle-timeout warning in a real Chromium, without JavaScript on the page: the banner's delay
comes from two classes in the style sheet, it is hidden until then, and its "Stay signed in"
button answers in an iframe (framed by this site despite the CSP, which is NOT bypassed here)
without leaving the page or what was typed in it. And the coordinator's settings page meets the
bar (axe, 44 px targets, 320 px), with the warning shown.

Nothing waits for the real delay: the test reads the delay the browser computed, then moves the
page's animations past it through the Web Animations API (from the test, not the page)."""
import pytest
from playwright.sync_api import expect

from .conftest import as_member, assert_meets_the_bar, mobile_context, sign_in

pytestmark = pytest.mark.browser

#: Moves every animation of the page to its end, as if its delay had passed.
PASS_THE_DELAY = """() => document.getAnimations().forEach(a => {
  const t = a.effect.getComputedTiming(); a.currentTime = t.delay + t.duration; })"""


def test_the_warning_shows_at_its_time_and_stay_keeps_what_was_typed(browser, live_server, new_member):
    context = mobile_context(browser, width=320, java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, live_server, new_member("Ivy"))
        page.goto(f"{live_server.url}/listings/new")
        banner = page.locator(".session-warning")
        # A member's 720 idle minutes, warned 3 minutes before, counted from the sign-in a moment
        # ago and rounded down to the minute: 716 or 717 minutes, as the browser reads the classes.
        assert banner.evaluate("el => getComputedStyle(el).animationDelay") in (f"{716 * 60}s", f"{717 * 60}s")
        expect(banner).to_be_hidden()
        page.get_by_label("Title").fill("Company for a walk on Sundays")
        page.evaluate(PASS_THE_DELAY)
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("because you have not done anything for 720 minutes")
        stay = banner.get_by_role("button", name="Stay signed in")
        box = stay.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        stay.click()
        frame = page.frame_locator("iframe[name=session-stay]")
        expect(frame.get_by_text("You are signed in until")).to_be_visible()
        expect(frame.locator("header")).to_have_count(0)  # the one-line answer for a frame
        assert page.url == f"{live_server.url}/listings/new", "the page was not left"
        expect(page.get_by_label("Title")).to_have_value("Company for a walk on Sundays")
    finally:
        context.close()


@pytest.mark.parametrize("width", [320])
def test_the_settings_page_meets_the_bar_with_the_warning_shown(browser, live_server, width):
    context = mobile_context(browser, width=width, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        as_member(page, live_server, live_server.coordinator)
        response = page.goto(f"{live_server.url}/coordinate/settings")
        assert response.status == 200
        page.evaluate(PASS_THE_DELAY)
        expect(page.locator(".session-warning")).to_be_visible()
        assert_meets_the_bar(page, width)
    finally:
        context.close()
