"""Passkeys in a real Chromium, with its virtual authenticator (DevTools' WebAuthn domain): add
one on /account/passkeys, sign out, sign in with it; and the page without JavaScript.

WebAuthn refuses an IP address as the relying party id, so these pages are opened at
http://localhost (a secure context, like 127.0.0.1), where the live server also answers."""
import gzip

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from timebank.extensions import db
from timebank.models import Passkey, User

from .conftest import as_member, assert_meets_the_bar, mobile_context

pytestmark = pytest.mark.browser


@pytest.fixture
def base(live_server) -> str:
    return live_server.url.replace("://127.0.0.1:", "://localhost:")


def sign_in_with_password(page, base: str, person) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{base}/")


def test_add_a_passkey_then_sign_in_with_it(browser, live_server, base, new_member):
    person = new_member("Pat")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        devtools = context.new_cdp_session(page)
        devtools.send("WebAuthn.enable")
        devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True,
        }})
        sign_in_with_password(page, base, person)

        page.goto(f"{base}/account/passkeys")
        expect(page.get_by_text("Adding a passkey needs a browser")).to_be_hidden()
        page.get_by_label("Name this passkey").fill("Pat's laptop")
        page.get_by_label("Your present password").fill("not the password")
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.get_by_text("That is not your present password.")).to_be_visible()
        page.get_by_label("Your present password").fill(person.password)
        page.get_by_role("button", name="Add a passkey").click()
        expect(page.get_by_text("Your passkey “Pat's laptop” is added.")).to_be_visible()
        expect(page.get_by_role("button", name="Remove “Pat's laptop”")).to_be_visible()

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{base}/login")
        page.get_by_role("button", name="Use a passkey").click()
        page.wait_for_url(f"{base}/")
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        with live_server.app.app_context():
            used = db.session.scalar(select(Passkey.last_used_at).where(Passkey.name == "Pat's laptop"))
            db.session.rollback()
        assert used is not None
    finally:
        context.close()


def test_the_passkeys_page_without_javascript(browser, live_server, base, new_member):
    person = new_member("Sam")
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}/login")
        expect(page.get_by_role("button", name="Use a passkey")).to_be_hidden()
        sign_in_with_password(page, base, person)
        page.goto(f"{base}/account/passkeys")
        expect(page.get_by_text("Adding a passkey needs a browser")).to_be_visible()
        expect(page.get_by_role("button", name="Add a passkey")).to_be_hidden()
        expect(page.get_by_text("You have no passkeys.")).to_be_visible()
        page.get_by_role("link", name="Change your password").click()
        page.wait_for_url(f"{base}/account/password")
    finally:
        context.close()


@pytest.fixture
def phone(browser):
    """320 px wide, the narrowest the pages must fit (the CSP bypassed only to inject axe)."""
    context = mobile_context(browser, width=320, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_passkeys_page_meets_the_bar(phone, live_server, new_member):
    """axe-clean, no sideways scrolling at 320 px, 44 px targets, under 20 KB gzipped: with the
    script's part shown, and a passkey in the list."""
    person = new_member("Kit")
    with live_server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == person.email))
        db.session.add(Passkey(user_id=user_id, credential_id=f"bar-{user_id}", public_key=b"k", user_handle="h", name="Kit's phone"))
        db.session.commit()
    page = phone
    as_member(page, live_server, person)
    response = page.goto(f"{live_server.url}/account/passkeys")
    assert len(gzip.compress(response.body())) < 20 * 1024
    expect(page.get_by_role("button", name="Add a passkey")).to_be_visible()
    expect(page.get_by_role("button", name="Remove “Kit's phone”")).to_be_visible()
    assert_meets_the_bar(page, 320)
