"""The report pages in a real Chromium: axe-core clean, no sideways scrolling at 320 px, tap
targets of 44 px, and a print layout (A4) without horizontal overflow.

They run on their own community (Northfield) in the shared live server, with a coordinator, a
funder and a dozen members who have exchanged time, so that the page has charts, a role-flow
matrix and, for the funder, hidden cells."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from timebank.dates import next_month
from timebank.extensions import db
from timebank.ledger.core import post_entry
from timebank.ledger.rules import exchange
from timebank.models import Community
from timebank.services.communities import create_community
from timebank.services.periods import close_month

from .conftest import Person, add_person, assert_meets_the_bar, mobile_context, page_width

pytestmark = pytest.mark.browser

KINDS = ("service_user", "volunteer", "carer", "professional")
A4_WIDTH_PX = 794  # 210 mm at 96 px per inch


@pytest.fixture(scope="module")
def northfield(live_server) -> dict[str, Person]:
    with live_server.app.app_context():
        if db.session.scalar(select(Community.id).where(Community.slug == "northfield")) is None:
            community = create_community("northfield", "Northfield Timebank")
            db.session.flush()
            members = [add_person(community, f"n{i}@northfield.example", f"Northfield Person {i}", kind=KINDS[i % 4])
                       for i in range(12)]
            add_person(community, "coordinator@northfield.example", "Nora Coordinator", role="coordinator")
            add_person(community, "funder@northfield.example", "Fergus Funder", role="funder")
            today = community.today()
            for i, giver in enumerate(members):
                for step in (1, 2, 5):
                    receiver = members[(i + step) % len(members)]
                    day = today - timedelta(days=(i * 7 + step * 11) % 150)
                    post_entry(exchange(community.id, giver.account_id, receiver.account_id, 30 * step, day))
            db.session.commit()
            # Funders read closed periods only: close every month before this one.
            month = (today - timedelta(days=150)).replace(day=1)
            while month < today.replace(day=1):
                close_month(community, month, actor_id=None)
                month = next_month(month)
        db.session.commit()
    return {
        "coordinator": Person("coordinator@northfield.example", live_server.password, "Nora Coordinator", None),
        "funder": Person("funder@northfield.example", live_server.password, "Fergus Funder", None),
    }


_cookies: dict = {}


def as_person(page, server, person: Person) -> None:
    """Sign in through the form once per person (a funder lands on the reports, not on /), and
    give the page's context that session."""
    if person.email not in _cookies:
        context = page.context.browser.new_context()
        try:
            login = context.new_page()
            login.goto(f"{server.url}/login")
            login.get_by_label("Email address").fill(person.email)
            login.get_by_label("Password").fill(person.password)
            login.get_by_role("button", name="Sign in").click()
            login.wait_for_load_state()
            assert "/login" not in login.url, login.url
            _cookies[person.email] = context.cookies()
        finally:
            context.close()
    page.context.add_cookies(_cookies[person.email])


def _open(path: str, who: str):
    def open_page(page, server, people):
        as_person(page, server, people[who])
        response = page.goto(server.url + path)
        assert response.status == 200, f"{path}: {response.status}"

    return open_page


PAGES = {
    "report-funder": _open("/reports/northfield/", "funder"),
    "report-coordinator": _open("/reports/northfield/", "coordinator"),
    "programme": _open("/reports/", "funder"),
    "report-bad-period": lambda page, server, people: (
        as_person(page, server, people["funder"]),
        page.goto(f"{server.url}/reports/northfield/?period=2026-13"),
    ),
    "report-access": _open("/coordinate/report-access", "coordinator"),
}


@pytest.fixture(scope="module", params=[360, 320], ids=lambda width: f"{width}px")
def screen_width(request):
    return request.param


@pytest.fixture(scope="module", params=list(PAGES))
def loaded(request, browser, live_server, northfield, screen_width):
    context = mobile_context(browser, width=screen_width, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        PAGES[request.param](page, live_server, northfield)
        yield page
    finally:
        context.close()


def test_meets_the_bar(loaded, screen_width):
    """axe-core clean, no sideways scrolling on the screen, 44 px targets."""
    assert_meets_the_bar(loaded, screen_width)


def test_the_report_draws_its_charts_without_javascript(browser, live_server, northfield):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        as_person(page, live_server, northfield["funder"])
        page.goto(f"{live_server.url}/reports/northfield/")
        assert page.locator("svg[role=img]").count() == 5
        assert page.locator("svg[role=img] title").count() == 5
        page.get_by_label("Month, quarter or year").select_option(label=page.locator("#period option").nth(1).inner_text())
        page.get_by_role("button", name="Show", exact=True).click()
        page.wait_for_load_state()
        assert "period=" in page.url
    finally:
        context.close()


@pytest.mark.parametrize("who", ["funder", "coordinator"])
def test_the_report_prints_on_a4_without_overflow(browser, live_server, northfield, who):
    context = browser.new_context(viewport={"width": A4_WIDTH_PX, "height": 1123})
    try:
        page = context.new_page()
        as_person(page, live_server, northfield[who])
        page.goto(f"{live_server.url}/reports/northfield/")
        page.emulate_media(media="print")
        scroll_width, inner_width = page_width(page)
        assert scroll_width <= inner_width, f"printed, the report is {scroll_width} px wide on {inner_width} px"
        assert not page.locator(".site-header").is_visible()
        assert not page.locator("form").first.is_visible()
        assert page.locator(".print-url").is_visible()
        assert page.pdf(format="A4")[:4] == b"%PDF"
    finally:
        context.close()
