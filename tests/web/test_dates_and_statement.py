"""The member's statement (issue 13): by the date the time was given, with the recorded date
when it differs; month headings and totals; each row opens its entry (activity, note, who
confirmed and how, the reason for a correction); a month picker that is a list of months; and
dates as people read them ("3 December 2026")."""
import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from coordinate_support import activity, last_month, sign_in

from timebank.extensions import db
from timebank.ledger import exchange as exchange_spec
from timebank.ledger import post_entry, reverse_entry
from timebank.models import Confirmation


def day(d) -> str:
    return format_date(d, "d MMMM yyyy", locale="en")


def month_name(d) -> str:
    return format_date(d, "MMMM yyyy", locale="en")


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(html: str) -> list[list[str]]:
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for body in re.findall(r"<tbody>(.*?)</tbody>", html, re.S)
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


@pytest.fixture
def story(community, make_member):
    """Alice's three exchanges with Bola, recorded in another order than they happened."""
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="professional", name="Bola Okafor")
    cora, _ = make_member(role="coordinator", name="Cora Coordinator")
    earlier = last_month(community)
    gardening = activity(community)

    def give(giver, receiver, minutes, on, **kw):
        entry, _ = post_entry(exchange_spec(community.id, giver.id, receiver.id, minutes, on, activity_id=gardening, **kw))
        return entry

    late = give(alice_account, bola_account, 60, earlier + timedelta(days=5), note="Dug the vegetable bed",
                confirmation=Confirmation.MEMBER, confirmed_by_id=bola.user_id)
    today = give(bola_account, alice_account, 30, community.today(), confirmation=Confirmation.PHONE, confirmed_by_id=cora.user_id)
    oldest = give(alice_account, bola_account, 45, earlier + timedelta(days=2), confirmation=Confirmation.AUTO_TIMEOUT)
    db.session.commit()
    return SimpleNamespace(alice=alice, bola=bola, cora=cora, earlier=earlier, late=late, today=today, oldest=oldest,
                           alice_account=alice_account, bola_account=bola_account)


def test_the_statement_is_by_service_date_with_month_headings_totals_and_the_recorded_date(client, auth, community, story):
    sign_in(auth, story.alice)
    html = client.get("/statement").get_data(as_text=True)
    lines = rows(html)
    # Newest first by the date it happened, not by when it was recorded (the 45 min came last).
    assert [line[2] for line in lines] == ["\u221230 min", "+1 h", "+45 min"]
    assert [line[3] for line in lines] == ["1 h 15 min", "1 h 45 min", "45 min"], "the balance by service date"
    assert lines[0][0] == day(community.today()), "recorded the day it happened: no second date"
    assert lines[1][0] == f"{day(story.earlier + timedelta(days=5))} recorded {day(community.today())}"
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html)
    assert headings == [month_name(community.today()), month_name(story.earlier)]
    page = text(html)
    assert f"Given 0 min, received 30 min in {month_name(community.today())}." in page
    assert f"Given 1 h 45 min, received 0 min in {month_name(story.earlier)}." in page
    for entry in (story.late, story.today, story.oldest):
        assert f'href="/statement/entries/{entry.id}"' in html, "each row opens its entry"
    assert not re.search(r"\d{4}-\d{2}-\d{2}", page), "no ISO date for people to read"


def test_the_month_picker_is_a_list_of_months_and_a_month_has_its_heading_and_totals(client, auth, community, story):
    sign_in(auth, story.alice)
    html = client.get("/statement").get_data(as_text=True)
    assert 'type="month"' not in html, "a browser month picker shows dashes: a list instead"
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html)
    assert options[:3] == [("", "All months"), (f"{community.today():%Y-%m}", month_name(community.today())),
                           (f"{story.earlier:%Y-%m}", month_name(story.earlier))]
    one = client.get(f"/statement?month={story.earlier:%Y-%m}").get_data(as_text=True)
    assert f'<option value="{story.earlier:%Y-%m}" selected>' in one
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", one) == [month_name(story.earlier)]
    assert [line[2] for line in rows(one)] == ["+1 h", "+45 min"]


def test_a_row_opens_its_entry_with_activity_note_confirmation_and_correction_reason(client, auth, community, story):
    reversal, _ = reverse_entry(community.id, story.late.id, reason="Logged twice", actor_id=story.cora.user_id)
    db.session.commit()
    sign_in(auth, story.alice)
    late = client.get(f"/statement/entries/{story.late.id}")
    page = text(late.get_data(as_text=True))
    assert late.status_code == 200 and "Time you gave" in page
    for shown in ("+1 h", "Bola Okafor", day(story.earlier + timedelta(days=5)), f"Recorded {day(community.today())}",
                  "Gardening", "Dug the vegetable bed", "by Bola Okafor, in the app", "Logged twice"):
        assert shown in page, shown
    assert f'href="/statement/entries/{reversal.id}"' in late.get_data(as_text=True)

    correction = text(client.get(f"/statement/entries/{reversal.id}").get_data(as_text=True))
    assert "Correction of an earlier entry" in correction and "Why Logged twice" in correction and "\u22121 h" in correction
    assert f"Corrects the entry of {day(story.earlier + timedelta(days=5))}" in correction
    assert "by Cora Coordinator, by phone" in text(client.get(f"/statement/entries/{story.today.id}").get_data(as_text=True))
    assert "automatically" in text(client.get(f"/statement/entries/{story.oldest.id}").get_data(as_text=True))
    statement = client.get("/statement").get_data(as_text=True)
    assert "Why: Logged twice" in text(statement), "the statement shows the correction's reason"


def test_an_entry_of_someone_else_is_not_found(client, auth, community, story, make_member):
    stranger, stranger_account = make_member(name="Sam Stranger")
    other, _ = post_entry(exchange_spec(community.id, story.bola_account.id, stranger_account.id, 20, community.today()))
    db.session.commit()
    sign_in(auth, story.alice)
    assert client.get(f"/statement/entries/{other.id}").status_code == 404
    assert client.get("/statement/entries/999999").status_code == 404
    assert client.get("/statement?before=not-a-key").status_code == 200, "a broken key starts at the newest"


def test_exchange_pages_show_the_date_as_people_read_it_and_the_activity(client, auth, community, story):
    from timebank.services.exchanges.log import log_exchange

    exchange, _ = log_exchange(story.bola, gave=True, partner_account_id=story.alice_account.id, minutes=30,
                               occurred_on=community.today() - timedelta(days=1), activity_id=activity(community),
                               note=None, submission_id="dates-and-statement")
    db.session.commit()
    sign_in(auth, story.alice)
    detail = text(client.get(f"/exchanges/{exchange.id}").get_data(as_text=True))
    assert day(community.today() - timedelta(days=1)) in detail and "Activity Gardening" in detail
    listed = text(client.get("/exchanges").get_data(as_text=True))
    assert day(community.today() - timedelta(days=1)) in listed and "Gardening" in listed
