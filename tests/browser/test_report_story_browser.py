"""The story first (issue 12), in a real Chromium: the summary fits one screen (1280x800) and one
phone screen scroll (360x740) from the top of the page; printed on A4, the summary and the
sections take at most 4 pages before the appendix of full tables; no chart label is cut off by
the edge of its drawing; axe-core clean; the page under 20 KB gzipped.

Their own community (Storyfield): six to eight months of exchanges between twelve members, every
month before this one closed, so that a funder has two closed quarters to choose from and the page
has full charts, a previous period to compare with and, for the funder, hidden cells."""
import gzip
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from timebank.dates import add_months
from timebank.extensions import db
from timebank.ledger.core import post_entry
from timebank.ledger.rules import exchange
from timebank.models import Community
from timebank.services.communities import create_community
from timebank.services.people import add_membership, create_user, member_account
from timebank.services.periods import close_month

from .conftest import Person, add_person, axe_problems
from .test_report_browser import as_person

pytestmark = pytest.mark.browser

KINDS = ("service_user", "volunteer", "carer", "professional")
PAGES_BEFORE_APPENDIX = 4
PAGE_BUDGET_BYTES = 20 * 1024
SCREENS = {"desktop": (1280, 800), "phone": (360, 740)}


@pytest.fixture(scope="module")
def storyfield(live_server) -> dict[str, Person]:
    with live_server.app.app_context():
        if db.session.scalar(select(Community.id).where(Community.slug == "storyfield")) is None:
            community = create_community("storyfield", "Storyfield Timebank")
            db.session.flush()
            today = community.today()
            this_month = today.replace(day=1)
            # History from the start of the quarter two before this one: those two quarters closed
            # (a funder's default period and its comparison), and the months since.
            first = add_months(this_month.replace(month=(this_month.month - 1) // 3 * 3 + 1), -6)
            members = []
            for i in range(12):
                user = create_user(f"s{i}@storyfield.example", f"Storyfield Person {i}", live_server.password)
                membership = add_membership(user, community, kind_code=KINDS[i % 4], joined_on=first)
                account = member_account(membership.id)
                account.floor = account.ceiling = None  # some only receive for months on end
                members.append(account.id)
            add_person(community, "coordinator@storyfield.example", "Stella Coordinator", role="coordinator")
            add_person(community, "funder@storyfield.example", "Simon Funder", role="funder")
            month = first
            while month <= this_month:
                back = (this_month.year - month.year) * 12 + this_month.month - month.month
                for i, giver in enumerate(members):
                    for step in (1, 3):
                        day = month + timedelta(days=(i + 5 * step) % 27)
                        # Every fifth member gives only every other month: the two-way share moves.
                        if day <= today and (i % 5 or step == back % 2):
                            receiver = members[(i + 1 + (step + back) % 11) % len(members)]
                            post_entry(exchange(community.id, giver, receiver, 30 * step + 15 * (back % 3), day))
                month = add_months(month, 1)
            db.session.flush()
            month = first
            while month < this_month:
                close_month(community, month, actor_id=None)
                month = add_months(month, 1)
        db.session.commit()
    return {
        who: Person(f"{who}@storyfield.example", live_server.password, name, None)
        for who, name in (("coordinator", "Stella Coordinator"), ("funder", "Simon Funder"))
    }


def _open(browser, server, person, width, height, **options):
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    as_person(page, server, person)
    response = page.goto(f"{server.url}/reports/storyfield/")
    assert response.status == 200, response.status
    return context, page


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("who", ["funder", "coordinator"])
def test_the_summary_fits_one_screen(browser, live_server, storyfield, who, screen):
    width, height = SCREENS[screen]
    context, page = _open(browser, live_server, storyfield[who], width, height, bypass_csp=True,
                          **({"is_mobile": True, "has_touch": True} if screen == "phone" else {}))
    try:
        box = page.locator(".report-summary").bounding_box()
        assert page.evaluate("window.scrollY") == 0
        assert box["y"] + box["height"] <= height, f"the summary ends at {box['y'] + box['height']:.0f} px on a {height} px screen"
        assert page.locator(".summary-figure").count() == 4 and page.locator(".summary-messages li").count() == 3
        assert page.get_by_role("link", name="Messages").count() == (0 if who == "funder" else 1)
        if screen == "phone" and who == "funder":  # the coordinator's page: test_report_browser.py
            problems = axe_problems(page)
            assert not problems, "axe-core found:\n" + "\n".join(problems)
        elif screen == "desktop":
            # Every label of every chart lies inside its drawing (the SVG clips what does not).
            clipped = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
                const view = svg.viewBox.baseVal;
                return [...svg.querySelectorAll('text')].map(t => [t.textContent, t.getBBox()])
                  .filter(([_, b]) => b.x < view.x - 0.5 || b.y < view.y - 0.5
                                     || b.x + b.width > view.x + view.width + 0.5 || b.y + b.height > view.y + view.height + 0.5)
                  .map(([text, b]) => `${svg.id || svg.getAttribute('aria-labelledby')}: "${text}" at ${b.x.toFixed(0)},${b.y.toFixed(0)} ${b.width.toFixed(0)}x${b.height.toFixed(0)}`);
            })""")
            assert not clipped, "labels cut off:\n" + "\n".join(clipped)
    finally:
        context.close()


def _pages(pdf: bytes) -> int:
    """Pages in a PDF from Chromium (Skia writes one uncompressed /Type /Page object per page)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.mark.parametrize("who", ["funder", "coordinator"])
def test_print_is_at_most_four_pages_before_the_appendix(browser, live_server, storyfield, who):
    context, page = _open(browser, live_server, storyfield[who], 794, 1123, bypass_csp=True)
    try:
        page.emulate_media(media="print")
        assert page.locator("#appendix").is_visible()
        whole = _pages(page.pdf(format="A4"))
        # The same print with the appendix (and what follows it) left out.
        page.add_style_tag(content=".appendix, .appendix ~ *, .print-url { display: none !important; }")
        before = _pages(page.pdf(format="A4"))
        assert 1 <= before <= PAGES_BEFORE_APPENDIX, f"{before} pages before the appendix"
        assert whole > before, "the appendix starts a page of its own"
    finally:
        context.close()


def test_the_report_page_is_under_the_weight_budget(browser, live_server, storyfield):
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        as_person(page, live_server, storyfield["coordinator"])
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.goto(f"{live_server.url}/reports/storyfield/", wait_until="load")
        weights = {r.url.split("/", 3)[3]: len(gzip.compress(r.body(), compresslevel=6))
                   for r in responses if r.url.startswith(live_server.url)}
        assert sum(weights.values()) <= PAGE_BUDGET_BYTES, weights
    finally:
        context.close()
