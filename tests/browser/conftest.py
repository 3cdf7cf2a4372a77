"""A live server and a real Chromium for the browser tests.

The server runs the app in a background thread on a migrated SQLite database, with CSRF on as in
production, so that a form submitted by the browser carries a real token. Chromium is Debian's
(`config.CHROMIUM_PATH`); without it the tests are skipped, unless REQUIRE_BROWSER=1.
"""
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PASSWORD, _testing_config
from werkzeug.serving import make_server

import config
from timebank import create_app
from timebank.extensions import db
from timebank.ledger.core import post_entry
from timebank.ledger.rules import exchange
from timebank.services.communities import create_community
from timebank.services.people import add_membership, create_user, member_account

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    email: str
    password: str
    name: str


@pytest.fixture(scope="session")
def live_server(sqlite_databases):
    url = sqlite_databases.create()
    app = create_app(_testing_config(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        community = create_community("riverside", "Riverside Timebank")
        user = create_user("member@riverside.example", "Grace Hopper", PASSWORD)
        other = create_user("other@riverside.example", "Alan Turing", PASSWORD)
        giver = member_account(add_membership(user, community).id)
        receiver = member_account(add_membership(other, community, kind_code="carer").id)
        post_entry(exchange(community.id, giver.id, receiver.id, 150, community.today()))
        db.session.commit()
        email, name = user.email, user.name

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", email, PASSWORD, name)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        sqlite_databases.drop(url)


@pytest.fixture(scope="session")
def browser():
    if not Path(config.CHROMIUM_PATH).exists():
        message = f"Chromium not found at {config.CHROMIUM_PATH}"
        if config.REQUIRE_BROWSER:
            pytest.fail(f"{message}, and REQUIRE_BROWSER=1")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=config.CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def mobile_context(browser, width=360, height=740, **options):
    """A phone-sized context. Close it when done (the fixtures below do)."""
    return browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=True, has_touch=True, device_scale_factor=2, **options
    )


@pytest.fixture(params=[360, 320], ids=lambda width: f"{width}px")
def width(request):
    return request.param


@pytest.fixture
def page(browser, width):
    """A page in a phone-sized context. The CSP is bypassed only so that axe can be injected."""
    context = mobile_context(browser, width=width, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def sign_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(server.email)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/")
