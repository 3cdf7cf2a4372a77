"""Real-browser checks of the bar every page meets: axe-core clean (WCAG 2.0-2.2 A and AA), no
sideways scrolling at 320 px, tap targets of at least 44x44 CSS px, working without JavaScript,
and a page weight under 20 KB gzipped."""
import gzip
import importlib.util
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import mobile_context, sign_in

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_SOURCE = (Path(importlib.util.find_spec("axe_playwright_python").origin).parent / "axe.min.js").read_text()
MIN_TARGET_PX = 44
PAGE_BUDGET_BYTES = 20 * 1024

# Visible links and buttons smaller than the minimum. Elements moved off-screen until focused
# (the skip link) are left out here and checked on their own below.
SMALL_TARGETS_JS = """min => [...document.querySelectorAll('a, button, input[type=submit]')]
  .map(el => ({el, box: el.getBoundingClientRect(), style: getComputedStyle(el)}))
  .filter(({box, style}) => box.width > 0 && box.height > 0 && style.visibility !== 'hidden'
                            && box.right + window.scrollX > 0 && box.bottom + window.scrollY > 0)
  .filter(({box}) => box.width < min || box.height < min)
  .map(({el, box}) => `${el.outerHTML.slice(0, 100)} is ${box.width.toFixed(1)}x${box.height.toFixed(1)}`)"""


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


PAGES = {
    "sign-in": open_sign_in,
    "sign-in-errors": open_sign_in_with_errors,
    "home": open_home,
    "not-found": open_not_found,
}


@pytest.fixture(params=list(PAGES))
def loaded(request, page, live_server):
    PAGES[request.param](page, live_server)
    return page


def test_axe_finds_no_violations(loaded):
    loaded.add_script_tag(content=AXE_SOURCE)
    result = loaded.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(", ".join(n["target"]) for n in v["nodes"])
        for v in result["violations"]
    ]
    assert not problems, "axe-core found:\n" + "\n".join(problems)


def test_no_sideways_scrolling(loaded, width):
    # A mobile browser zooms out to fit content that is too wide, which widens innerWidth with it,
    # so the page is also measured against the width of the phone's screen.
    scroll_width, inner_width = loaded.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= min(inner_width, width), f"the page is {scroll_width} px wide on a {width} px screen"


def test_tap_targets_are_at_least_44px(loaded):
    small = loaded.evaluate(SMALL_TARGETS_JS, MIN_TARGET_PX)
    assert not small, "targets under 44x44 px:\n" + "\n".join(small)


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
