"""A live server and a real Chromium for the browser tests.

The server runs the app in a background thread on a migrated SQLite database, with CSRF on as in
production, so that a form submitted by the browser carries a real token. Chromium is Debian's
(`config.CHROMIUM_PATH`); without it the tests are skipped, unless REQUIRE_BROWSER=1.

The community holds Grace Hopper (the member whose pages the accessibility tests visit: one
exchange posted, one waiting for her, one waiting for Alan, a listing of her own and one of
Alan's), Alan Turing, and a coordinator. `new_member` adds a fresh member with a known password
for a journey that must start from a zero balance.
"""
import gzip
import importlib.util
import itertools
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import PASSWORD, config_for
from sqlalchemy import select
from werkzeug.serving import make_server

import config
from timebank import create_app
from timebank.extensions import db
from timebank.ledger.core import post_entry
from timebank.ledger.rules import exchange
from timebank.models import ActivityCategory
from timebank.services.communities import create_community, get_community
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing
from timebank.services.people import add_membership, create_user, member_account

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_SOURCE = (Path(importlib.util.find_spec("axe_playwright_python").origin).parent / "axe.min.js").read_text()
MIN_TARGET_PX = 44

# Visible links and buttons smaller than the minimum. Elements moved off-screen until focused
# (the skip link) are left out here and checked on their own.
SMALL_TARGETS_JS = """min => [...document.querySelectorAll('a, button, input[type=submit]')]
  .map(el => ({el, box: el.getBoundingClientRect(), style: getComputedStyle(el)}))
  .filter(({box, style}) => box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
                            && box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0)
  .filter(({box}) => box.width < min || box.height < min)
  .map(({el, box}) => `${el.outerHTML.slice(0, 100)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}`)"""


def axe_problems(page) -> list[str]:
    """What axe-core finds against WCAG 2.0-2.2 A and AA, one string per rule broken. The page's
    context must bypass the CSP (`bypass_csp=True`) so that axe can be injected."""
    page.add_script_tag(content=AXE_SOURCE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(", ".join(n["target"]) for n in v["nodes"])
        for v in result["violations"]
    ]


def small_targets(page) -> list[str]:
    return page.evaluate(SMALL_TARGETS_JS, MIN_TARGET_PX)


def page_width(page) -> tuple[int, int]:
    """(scrollWidth, innerWidth). A mobile browser zooms out to fit content that is too wide, which
    widens innerWidth with it, so compare scrollWidth with the phone's screen width too."""
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


def bar_problems(page, width: int | None = None) -> list[str]:
    """Everything that keeps the page below the bar, one string each: axe-core's WCAG 2.0-2.2 A and
    AA violations, visible targets under 44x44 px and, given the screen's `width`, sideways scrolling
    (scrollWidth past the screen or past innerWidth, which a mobile browser widens to fit)."""
    problems = [f"axe-core: {problem}" for problem in axe_problems(page)]
    problems += [f"under {MIN_TARGET_PX}x{MIN_TARGET_PX} px: {target}" for target in small_targets(page)]
    if width is not None:
        scroll_width, inner_width = page_width(page)
        if scroll_width > min(inner_width, width):
            problems.append(f"sideways scrolling: {scroll_width} px wide on a {width} px screen (innerWidth {inner_width})")
    return problems


def assert_meets_the_bar(page, width: int | None = None) -> None:
    """The page meets the bar (see `bar_problems`); otherwise fail with every problem at once. The
    page must run JavaScript with the CSP bypassed (axe is injected); for a page open without
    JavaScript use `assert_url_meets_the_bar`."""
    problems = bar_problems(page, width)
    assert not problems, f"{page.url} does not meet the bar:\n" + "\n".join(problems)


PAGE_BUDGET_BYTES = 20 * 1024


def assert_url_meets_the_bar(browser, page, width: int = 360) -> int:
    """Open the URL `page` is on again, a GET (which writes nothing), in a fresh phone of `width`
    with page's cookies, JavaScript on and nothing cached: it must meet the bar, and everything
    that load fetches from the server must weigh at most 20 KB gzipped. Returns that weight. For
    journeys run without JavaScript, where axe cannot run in the journey's own page."""
    url = page.url
    context = mobile_context(browser, width=width, bypass_csp=True)
    try:
        context.add_cookies(page.context.cookies())
        checker = context.new_page()
        checker.set_default_timeout(10_000)
        responses = []
        checker.on("response", lambda r: responses.append(r))
        response = checker.goto(url, wait_until="load")
        assert response.status == 200, f"{url}: {response.status}"
        origin = url.split("/", 3)[:3]
        weights = {r.url: len(gzip.compress(r.body(), compresslevel=6)) for r in responses if r.url.split("/", 3)[:3] == origin}
        problems = bar_problems(checker, width)
        total = sum(weights.values())
        if total > PAGE_BUDGET_BYTES:
            problems.append(f"{total} bytes gzipped, over {PAGE_BUDGET_BYTES}: {weights}")
        assert not problems, f"{url} does not meet the bar:\n" + "\n".join(problems)
        return total
    finally:
        context.close()


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
class Person:
    email: str
    password: str
    name: str
    account_id: int | None


class SlowAnswers:
    """WSGI middleware: while `delay` is set, hold the answer to every POST that long after the
    app has handled it, as a phone on poor signal waits for it (and its owner taps again)."""

    def __init__(self, app):
        self.app = app
        self.delay = 0.0

    def __call__(self, environ, start_response):
        result = self.app(environ, start_response)
        if self.delay and environ["REQUEST_METHOD"] == "POST":
            time.sleep(self.delay)
        return result


@dataclass(frozen=True)
class LiveServer:
    url: str
    email: str
    password: str
    name: str
    # The app the server runs, to look in its database (inside `app.app_context()`).
    app: object = field(default=None, repr=False, compare=False)
    # Ids of what the seed made, by name: "to_confirm" and "awaiting" exchanges, "request" (Alan's
    # listing), "own_listing" (Grace's).
    ids: dict = field(default_factory=dict, compare=False)
    coordinator: Person | None = None
    network: SlowAnswers | None = field(default=None, repr=False, compare=False)

    @contextmanager
    def slow_answers(self, seconds: float):
        self.network.delay = seconds
        try:
            yield
        finally:
            self.network.delay = 0.0


def _seed(community) -> dict:
    """Grace's world, for the pages the accessibility tests visit. Returns ids by name."""
    grace = add_membership(create_user("member@riverside.example", "Grace Hopper", PASSWORD), community)
    alan = add_membership(create_user("other@riverside.example", "Alan Turing", PASSWORD), community, kind_code="carer")
    giver, receiver = member_account(grace.id), member_account(alan.id)
    post_entry(exchange(community.id, giver.id, receiver.id, 150, community.today()))
    activity = community_activity(community.id, "Gardening")
    common = {"occurred_on": community.today(), "activity_id": activity, "note": None}
    to_confirm, _ = log_exchange(alan, gave=True, partner_account_id=giver.id, minutes=30, submission_id="seed-1", **common)
    awaiting, _ = log_exchange(grace, gave=True, partner_account_id=receiver.id, minutes=60, submission_id="seed-2", **common)
    request, _ = create_listing(
        alan, type_="request", title="A lift to the clinic on Tuesdays", description="Mornings, about an hour.",
        category_id=activity, submission_id="seed-3",
    )
    own, _ = create_listing(
        grace, type_="offer", title="Help with gardening", description="", category_id=activity, submission_id="seed-4"
    )
    return {"to_confirm": to_confirm.id, "awaiting": awaiting.id, "request": request.id, "own_listing": own.id}


def community_activity(community_id: int, name: str) -> int:
    return db.session.scalar(
        select(ActivityCategory.id).where(ActivityCategory.community_id == community_id, ActivityCategory.name == name)
    )


def add_person(community, email: str, name: str, role: str = "member", kind: str = "volunteer") -> Person:
    membership = add_membership(create_user(email, name, PASSWORD), community, role=role, kind_code=kind)
    account = member_account(membership.id)
    return Person(email, PASSWORD, name, account.id if account else None)


@pytest.fixture(scope="session")
def live_server(sqlite_databases):
    url = sqlite_databases.create()
    app = create_app(config_for(url, WTF_CSRF_ENABLED=True))
    with app.app_context():
        community = create_community("riverside", "Riverside Timebank")
        ids = _seed(community)
        coordinator = add_person(community, "coordinator@riverside.example", "Mary Seacole", role="coordinator")
        db.session.commit()

    network = SlowAnswers(app)
    server = make_server("127.0.0.1", 0, network, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            f"http://127.0.0.1:{server.server_port}", "member@riverside.example", PASSWORD, "Grace Hopper",
            app=app, ids=ids, coordinator=coordinator, network=network,
        )
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


def sign_in(page, server: LiveServer, person: Person | None = None) -> None:
    """Sign in through the form, as `person` (Grace by default), and land on the start page."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Email address").fill(person.email if person else server.email)
    page.get_by_label("Password").fill(person.password if person else server.password)
    page.get_by_role("button", name="Sign in").click()
    # A coordinator's start page is the dashboard (issue 13); everyone else's is "/".
    page.wait_for_url(lambda url: url in (f"{server.url}/", f"{server.url}/coordinate/"))


# Surnames rare enough that part of one finds only that person in the member search.
SURNAMES = ("Abernethy", "Castellano", "Fairweather", "Lindqvist", "Nakamura", "Okonkwo", "Przybylski",
            "Quennell", "Ravensworth", "Tregarthen", "Underhill", "Wojcik")
_surnames = itertools.count()


@pytest.fixture
def new_member(live_server):
    """new_member(first_name) -> Person: a member of Grace's community with nothing recorded yet,
    a known password and a surname no one else has."""

    def make(first_name: str = "Ada", kind: str = "volunteer") -> Person:
        n = next(_surnames)
        surname = SURNAMES[n % len(SURNAMES)] + ("" if n < len(SURNAMES) else f"-{n}")
        with live_server.app.app_context():
            person = add_person(get_community("riverside"), f"{first_name.lower()}.{n}@riverside.example",
                                f"{first_name} {surname}", kind=kind)
            db.session.commit()
        return person

    return make


_cookies: dict = {}


def as_member(page, server: LiveServer, person: Person | None = None) -> None:
    """Give the page's context a signed-in session (signing in through the form once per person)."""
    key = (server.url, person.email if person else server.email)
    if key not in _cookies:
        context = page.context.browser.new_context()
        try:
            sign_in(context.new_page(), server, person)
            _cookies[key] = context.cookies()
        finally:
            context.close()
    page.context.add_cookies(_cookies[key])


def fill_log_form(page, *, direction="I gave time", search=None, partner=None, quick=None, hours=None, minutes=None,
                  occurred_on=None, activity=None, note=None) -> None:
    """Fill in the "Log time" page as a person would, one question at a time. `search` is typed
    into the name box and sent with the Search button before `partner` is chosen."""
    if direction:
        page.get_by_role("radio", name=direction, exact=True).check()
    if search is not None:
        page.get_by_label("Find a person or organisation by name").fill(search)
        page.get_by_role("button", name="Search").click()
        page.wait_for_load_state()
    if partner:
        page.get_by_role("radio", name=partner, exact=True).check()
    if quick:
        page.get_by_role("radio", name=quick, exact=True).check()
    if hours is not None:
        page.get_by_label("Hours", exact=True).fill(str(hours))
    if minutes is not None:
        page.get_by_label("Minutes", exact=True).fill(str(minutes))
    if occurred_on is not None:  # the GOV.UK date input: "Another date", then day, month, year
        page.get_by_role("radio", name="Another date", exact=True).check()
        page.get_by_label("Day", exact=True).fill(str(occurred_on.day))
        page.get_by_label("Month", exact=True).fill(str(occurred_on.month))
        page.get_by_label("Year", exact=True).fill(str(occurred_on.year))
    if activity:
        page.get_by_label("What was it?").select_option(label=activity)
    if note is not None:
        page.get_by_label("Note (optional)").fill(note)
