"""Member journeys in a real Chromium on a 360x740 phone: log time, have it confirmed, and see it
in both balances and statements, with and without JavaScript; a double tap on Send records one
exchange; a form with mistakes says what is wrong and keeps every answer.

Each journey starts with two new members (Ada and Ben, each with a surname no one else has) so
that their balances start at zero whatever ran before."""
from contextlib import contextmanager
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

MINUS = "\u2212"


@contextmanager
def phone(browser, javascript=True):
    """A fresh 360x740 phone (no cookies): one person's browser. The CSP is bypassed only so that
    axe can be injected (and only when JavaScript runs)."""
    context = mobile_context(browser, java_script_enabled=javascript, bypass_csp=javascript)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
    finally:
        context.close()


def logged_by(server, person) -> int:
    """How many exchanges `person` has logged, straight from the live server's database."""
    with server.app.app_context():
        return db.session.scalar(select(func.count(Exchange.id)).where(Exchange.logged_by_account_id == person.account_id))


def community_today(server):
    with server.app.app_context():
        return get_community("riverside").today()


def surname_part(person) -> str:
    """Part of the surname, as someone who cannot spell it would type it."""
    return person.name.split()[-1][:5].lower()


def fill_in_ada_gave_ben(page, server, ben, quick="1 hour 30 minutes", note="Weeding the front beds"):
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="Log time").click()
    expect(page.get_by_role("heading", name="Log time")).to_be_visible()
    fill_log_form(page, direction="I gave time", search=surname_part(ben))
    # The search sends the form back: what was answered so far is kept, and Ben is offered.
    expect(page.get_by_role("radio", name="I gave time", exact=True)).to_be_checked()
    expect(page.get_by_text("People and organisations matching your search:")).to_be_visible()
    expect(page.get_by_role("radio", name=ben.name, exact=True)).to_be_visible()
    fill_log_form(page, direction=None, partner=ben.name, quick=quick, activity="Gardening", note=note)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()


def balance_on_start_page(page, server) -> str:
    page.goto(f"{server.url}/")
    return page.locator(".balance strong").inner_text()


def statement_row(page, server, other):
    page.goto(f"{server.url}/statement")
    rows = page.locator("tbody tr").filter(has_text=other.name)
    expect(rows).to_have_count(1)
    return [cell.strip() for cell in rows.first.locator("td").all_inner_texts()]


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_log_time_then_the_other_person_confirms_it(browser, live_server, new_member, javascript):
    ada, ben = new_member("Ada"), new_member("Ben")
    today = format_date(community_today(live_server), "d MMMM yyyy", locale="en")

    with phone(browser, javascript) as page:
        sign_in(page, live_server, ada)
        fill_in_ada_gave_ben(page, live_server, ben)
        summary = page.locator("dl.summary")
        for text in ("gave time", ben.name, "1 h 30 min", today, "Gardening", "Weeding the front beds"):
            expect(summary).to_contain_text(text)
        expect(page.locator("main")).to_contain_text(f"{ben.name} will be asked to confirm it.")
        if javascript:
            assert_meets_the_bar(page, 360)
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", name="Sent")).to_be_visible()
        expect(page.locator("main")).to_contain_text(f"{ben.name} has been asked to confirm it.")
        if javascript:
            assert_meets_the_bar(page, 360)
        # Nothing is posted until Ben confirms.
        assert balance_on_start_page(page, live_server) == "0 min"
        expect(page.locator("main")).to_contain_text("1 of yours is waiting for the other person")

    with phone(browser, javascript) as page:
        sign_in(page, live_server, ben)
        expect(page.locator("main")).to_contain_text("1 exchange to confirm")
        expect(page.get_by_role("link", name="Messages 1 new")).to_be_visible()
        page.get_by_role("link", name="See exchanges waiting").click()
        page.get_by_role("link", name=f"See and answer (1 h 30 min, {ada.name})").click()
        details = page.locator("dl.summary")
        for text in ("1 h 30 min", ada.name, today, "Weeding the front beds", "waiting for you to confirm"):
            expect(details).to_contain_text(text)
        page.get_by_role("button", name="Yes, confirm it").click()
        expect(page.locator(".notice")).to_have_text("Thank you: the exchange is recorded.")
        expect(details).to_contain_text("recorded")
        expect(page.get_by_role("button", name="Yes, confirm it")).to_have_count(0)
        if javascript:
            assert_meets_the_bar(page, 360)
        assert balance_on_start_page(page, live_server) == f"{MINUS}1 h 30 min"
        date_, what, minutes, balance = statement_row(page, live_server, ada)
        assert (date_, minutes, balance) == (today, f"{MINUS}1 h 30 min", f"{MINUS}1 h 30 min")
        assert what.startswith(f"You received from {ada.name}") and "Gardening" in what

    with phone(browser, javascript) as page:
        sign_in(page, live_server, ada)
        assert page.locator(".balance strong").inner_text() == "1 h 30 min"
        date_, what, minutes, balance = statement_row(page, live_server, ben)
        assert (date_, minutes, balance) == (today, "+1 h 30 min", "1 h 30 min")
        assert what.startswith(f"You gave to {ben.name}") and "Gardening" in what

    assert logged_by(live_server, ada) == 1


def test_a_double_tap_on_send_records_one_exchange(browser, live_server, new_member):
    """On poor signal the answer is slow, and people tap Send again: two requests reach the
    server, with the same submission id, and one exchange is recorded."""
    ada, ben = new_member("Ada"), new_member("Ben")
    with phone(browser) as page:
        sign_in(page, live_server, ada)
        fill_in_ada_gave_ben(page, live_server, ben, quick="30 minutes")
        sends = []
        page.on("request", lambda r: sends.append(r.url) if r.method == "POST" else None)
        box = page.get_by_role("button", name="Send").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        with live_server.slow_answers(1.0):
            page.touchscreen.tap(x, y)
            page.wait_for_timeout(200)
            page.touchscreen.tap(x, y)  # before the first answer arrives: the page still shows the button
            expect(page.get_by_role("heading", name="Sent")).to_be_visible()
        assert len(sends) == 2 and sends[0] == sends[1] and "/log/check/" in sends[0], "the browser did not send the form twice"

    assert logged_by(live_server, ada) == 1
    with phone(browser) as page:
        sign_in(page, live_server, ben)
        expect(page.locator("main")).to_contain_text("1 exchange to confirm")
        page.goto(f"{live_server.url}/exchanges")
        expect(page.get_by_role("link", name=f"See and answer (30 min, {ada.name})")).to_have_count(1)


def test_sending_the_same_form_twice_at_once_records_one_exchange(browser, live_server, new_member):
    """Two sends of one form racing each other (a retry while the first is still on its way)
    both end on the page of the same exchange."""
    ada, ben = new_member("Ada"), new_member("Ben")
    with phone(browser) as page:
        sign_in(page, live_server, ada)
        fill_in_ada_gave_ben(page, live_server, ben, quick="2 hours")
        landed = page.evaluate("""async () => {
            const form = document.querySelector('button[value=send]').form;
            // (its buttons are named "action", which hides form.action)
            const send = () => { const data = new FormData(form); data.set('action', 'send');
                                 return fetch(form.getAttribute('action'), {method: 'POST', body: data}); };
            const answers = await Promise.all([send(), send()]);
            return answers.map(a => [a.status, a.url]);
        }""")
    assert landed[0] == landed[1], landed
    status, url = landed[0]
    assert status == 200 and "/log/done/" in url, landed
    assert logged_by(live_server, ada) == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_mistakes_are_explained_and_every_answer_is_kept(browser, live_server, new_member, javascript):
    ada, ben = new_member("Ada"), new_member("Ben")
    today = community_today(live_server)
    future = today + timedelta(days=3)
    note = "Ben helped me with the shopping"
    with phone(browser, javascript) as page:
        sign_in(page, live_server, ada)
        page.goto(f"{live_server.url}/log")
        fill_log_form(page, direction="I received time", search=surname_part(ben))
        fill_log_form(page, direction=None, partner=ben.name, quick="Another length of time", hours=0, minutes=0,
                      occurred_on=future, activity="Gardening", note=note)
        with page.expect_navigation() as answer:
            page.get_by_role("button", name="Continue").click()
        assert answer.value.status == 422

        assert page.title().startswith("Error: Log time")
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        links = summary.get_by_role("link")
        expect(links).to_have_text(["Enter a time of at least 1 minute", "The date cannot be in the future."])
        assert [links.nth(i).get_attribute("href") for i in range(2)] == ["#minutes", "#occurred_on"]
        expect(page.locator("#minutes-error")).to_contain_text("Enter a time of at least 1 minute")
        expect(page.locator("#occurred_on-error")).to_contain_text("The date cannot be in the future.")

        # Every answer is still there, so only the mistakes need changing.
        expect(page.get_by_role("radio", name="I received time", exact=True)).to_be_checked()
        expect(page.get_by_role("radio", name=ben.name, exact=True)).to_be_checked()
        expect(page.get_by_role("radio", name="Another length of time", exact=True)).to_be_checked()
        expect(page.get_by_label("Hours", exact=True)).to_have_value("0")
        expect(page.get_by_label("Minutes", exact=True)).to_have_value("0")
        expect(page.get_by_role("radio", name="Another date", exact=True)).to_be_checked()
        expect(page.get_by_label("Day", exact=True)).to_have_value(str(future.day))
        expect(page.get_by_label("Month", exact=True)).to_have_value(str(future.month))
        expect(page.get_by_label("Year", exact=True)).to_have_value(str(future.year))
        expect(page.get_by_label("What was it?")).to_have_value(
            page.get_by_label("What was it?").locator("option", has_text="Gardening").get_attribute("value")
        )
        expect(page.get_by_label("Note (optional)")).to_have_value(note)

        if javascript:
            expect(summary).to_be_focused()
            assert_meets_the_bar(page, 360)
            links.first.click()
            expect(page.get_by_label("Minutes", exact=True)).to_be_focused()

        # Put the mistakes right: the check page follows, with the answers given before.
        page.get_by_label("Minutes", exact=True).fill("45")
        page.get_by_label("Day", exact=True).fill(str(today.day))
        page.get_by_label("Month", exact=True).fill(str(today.month))
        page.get_by_label("Year", exact=True).fill(str(today.year))
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Check before you send")).to_be_visible()
        summary = page.locator("dl.summary")
        for text in ("received time", ben.name, "45 min", "Gardening", note):
            expect(summary).to_contain_text(text)
    assert logged_by(live_server, ada) == 0
