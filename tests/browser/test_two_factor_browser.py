"""Two-factor sign-in in a real browser (issue 11): enrol an authenticator app from the QR page,
sign out, sign in with a code, sign out, sign in with a recovery code. The enrolment page (with a
wrong code's error), the recovery codes, the settings and the code pages are axe-clean and fit
320 px.

The server's clock (`CLOCK`) runs a little ahead between steps, so that the code at sign-in is
of a later time step than the one that confirmed enrolment (each code works once) without the
test waiting for one to pass."""
from datetime import timedelta

import pyotp
import pytest

from timebank.models.types import utcnow

from .conftest import axe_problems, mobile_context, page_width

pytestmark = pytest.mark.browser


class AheadClock:
    def __init__(self):
        self.ahead = timedelta()

    def __call__(self):
        return utcnow() + self.ahead


def clean(page) -> None:
    assert axe_problems(page) == []
    scroll_width, inner_width = page_width(page)
    assert scroll_width <= 320 and inner_width <= 320, "no sideways scrolling at 320 px"


def sign_in_with_password(page, server, person) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/login/code")


def sign_out(page, server) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server.url}/login")


def test_enrol_then_sign_in_with_a_code_and_then_a_recovery_code(browser, live_server, new_member, monkeypatch):
    clock = AheadClock()
    monkeypatch.setitem(live_server.app.config, "CLOCK", clock)
    person = new_member("Tove")
    context = mobile_context(browser, width=320, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/login")
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label("Password").fill(person.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/profile")
        page.get_by_role("link", name="Two-factor sign-in").click()
        page.wait_for_url(f"{live_server.url}/account/two-factor")
        assert page.locator("svg.qr-code").is_visible(), "the QR code, drawn inline"
        totp = pyotp.TOTP(page.locator("#two-factor-secret").inner_text().replace(" ", ""))
        page.get_by_label("Code from your authenticator app").fill("12")
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        assert "That code is not right" in page.locator("#code-error").inner_text(), "beside the field"
        clean(page)  # the enrolment page, with its error summary and message
        page.get_by_label("Code from your authenticator app").fill(totp.at(clock()))
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
        page.get_by_role("heading", name="Your recovery codes").wait_for()
        codes = page.locator("#recovery-codes code").all_inner_texts()
        assert len(codes) == 10
        clean(page)
        page.get_by_role("link", name="I have saved my codes: go on").click()
        page.wait_for_url(f"{live_server.url}/")
        sign_out(page, live_server)

        clock.ahead = timedelta(seconds=30)
        sign_in_with_password(page, live_server, person)
        clean(page)
        page.get_by_label("Code from your authenticator app").fill(totp.at(clock()))
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/account/two-factor")
        page.get_by_text("You have 10 recovery codes left.").wait_for()
        clean(page)
        sign_out(page, live_server)

        sign_in_with_password(page, live_server, person)
        page.get_by_role("link", name="Use a recovery code").click()
        page.wait_for_url(f"{live_server.url}/login/code?with=recovery")
        clean(page)
        page.get_by_label("Recovery code").fill(codes[0])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")
    finally:
        context.close()

