"""Corrections: the entries list, an entry's page, reversing with a reason (and past a limit only
when asked, with the reason), and the list of corrections; on SQLite and PostgreSQL."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from babel.dates import format_date
from coordinate_support import (
    assert_form_error,
    assert_no_offset,
    count,
    give,
    hidden_value,
    last_month,
    queries_for,
    sign_in,
    text,
)
from sqlalchemy import select

from timebank.extensions import db
from timebank.ledger import close_period, post_entries
from timebank.ledger import exchange as exchange_spec
from timebank.models import Account, AuditEvent, Entry
from timebank.services.communities import create_community


@pytest.fixture
def people(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


def many(community, people, n, on=None):
    """`n` entries: Alice gives Bola 1, 2, 3 ... minutes, recorded and confirmed by Cora."""
    on = on or community.today()
    specs = [
        exchange_spec(
            community.id, people.alice_account.id, people.bola_account.id, i, on,
            recorded_by_id=people.cora.user_id, confirmed_by_id=people.cora.user_id, confirmation="phone",
        )
        for i in range(1, n + 1)
    ]
    post_entries(specs)
    db.session.commit()


def balance(account) -> int:
    db.session.expire_all()
    return db.session.get(Account, account.id).balance


def cards(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r'<li class="card">(.*?)</li>', html, re.S)]


def test_entries_list_says_who_gave_to_whom_newest_first_a_page_at_a_time(client, auth, community, people):
    many(community, people, 30)
    sign_in(auth, people.cora)
    first = client.get("/coordinate/entries")
    assert first.status_code == 200
    rows = cards(first)
    assert len(rows) == 25
    assert "Alice Adeyemi gave 30 min to Bola Okafor" in rows[0]
    assert "Recorded by Cora Coordinator" in rows[0] and "Confirmed by Cora Coordinator, by phone, through a coordinator." in rows[0]
    assert "Exchange · Gardening" not in rows[0]  # `many` gives no activity
    ids = [int(i) for i in re.findall(r'href="/coordinate/entries/(\d+)"', first.get_data(as_text=True))]
    assert ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/coordinate/entries\?before=(\d+))"', first.get_data(as_text=True))
    assert older and int(older.group(2)) == ids[-1], "the key is the last entry's id"
    second = client.get(older.group(1))
    assert "Alice Adeyemi gave 5 min to Bola Okafor" in cards(second)[0]
    assert len(cards(second)) == 5 and "Older</a>" not in second.get_data(as_text=True)
    assert "Newest</a>" in second.get_data(as_text=True)
    assert_no_offset(queries_for(client, older.group(1)))


def test_entries_filter_by_month_and_kind_and_a_wrong_month_is_explained(client, auth, community, people):
    earlier = last_month(community)
    give(community, people.alice_account, people.bola_account, 45, earlier)
    give(community, people.bola_account, people.alice_account, 20)
    sign_in(auth, people.cora)
    shown = client.get(f"/coordinate/entries?month={earlier:%Y-%m}")
    assert len(cards(shown)) == 1 and "gave 45 min" in cards(shown)[0]
    assert len(cards(client.get("/coordinate/entries?kind=exchange"))) == 2
    assert "No entries match." in text(client.get("/coordinate/entries?kind=reversal"))
    wrong = client.get("/coordinate/entries?month=October")
    assert_form_error(wrong, "month", "Enter the month as year and month")
    assert 'value="October"' in wrong.get_data(as_text=True), "what was typed is kept"


def test_an_entry_page_shows_everything_about_it(client, auth, community, people):
    entry = give(
        community, people.alice_account, people.bola_account, 90, recorded_by_id=people.cora.user_id, note="Dug the bed"
    )
    sign_in(auth, people.cora)
    page = client.get(f"/coordinate/entries/{entry.id}")
    shown = text(page)
    for expected in ("Exchange", "1 h 30 min", "Alice Adeyemi (1 h 30 min)", "Bola Okafor (1 h 30 min)", "Gardening", "Dug the bed", "Recorded by Cora Coordinator"):
        assert expected in shown, expected
    assert f"/coordinate/members/{people.alice.id}" in page.get_data(as_text=True)
    assert f'href="/coordinate/entries/{entry.id}/reverse"' in page.get_data(as_text=True)


def test_reverse_with_a_reason_once_however_often_the_form_is_sent(client, auth, community, people):
    entry = give(community, people.alice_account, people.bola_account, 60)
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    assert "The reversal will be dated " + format_date(entry.occurred_on, "d MMMM yyyy", locale="en") in text(form)
    submission = hidden_value(form, "submission_id")
    assert re.fullmatch(r"[0-9a-f]{32}", submission)

    refused = client.post(f"/coordinate/entries/{entry.id}/reverse", data={"submission_id": submission, "reason": "  "})
    assert_form_error(refused, "reason", "Say why the entry is being reversed")
    assert count(Entry, Entry.kind == "reversal") == 0

    data = {"submission_id": submission, "reason": "Logged twice by mistake"}
    done = client.post(f"/coordinate/entries/{entry.id}/reverse", data=data)
    assert done.status_code == 303 and done.headers["Location"] == f"/coordinate/entries/{entry.id}"
    again = client.post(f"/coordinate/entries/{entry.id}/reverse", data=data)
    assert again.status_code == 303, "a repeat of the same form shows the same result"

    reversal = db.session.scalar(select(Entry).where(Entry.reverses_id == entry.id))
    assert count(Entry, Entry.kind == "reversal") == 1
    assert reversal.reason == "Logged twice by mistake" and reversal.recorded_by_id == people.cora.user_id
    assert reversal.occurred_on == entry.occurred_on and not reversal.limit_override
    assert balance(people.alice_account) == 0 and balance(people.bola_account) == 0
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "entry.reverse")).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_id, event.target_type, event.target_id, event.subject_membership_id) == (
        people.cora.user_id, "entry", entry.id, people.alice.id
    )
    assert event.details["reason"] == "Logged twice by mistake" and event.details["reversal_entry_id"] == reversal.id
    assert set(event.details["members"]) == {people.alice.id, people.bola.id}

    page = client.get(f"/coordinate/entries/{entry.id}")
    assert f"Reversed by Entry {reversal.id}" in text(page) and f"Entry {entry.id} is reversed." in text(page)
    assert "/reverse" not in page.get_data(as_text=True), "no second reversal is offered"
    assert client.get(f"/coordinate/entries/{entry.id}/reverse").status_code == 303
    other = client.post(f"/coordinate/entries/{entry.id}/reverse", data={"submission_id": "x" * 32, "reason": "Again"})
    assert other.status_code == 303
    assert client.get(f"/coordinate/entries/{reversal.id}/reverse").status_code == 303, "a reversal is not reversed"
    assert count(Entry, Entry.kind == "reversal") == 1
    assert count(AuditEvent) == 1


def test_a_reversal_of_an_entry_in_a_closed_month_is_dated_today(client, auth, community, people):
    earlier = last_month(community)
    entry = give(community, people.alice_account, people.bola_account, 30, earlier + timedelta(days=3))
    close_period(community.id, earlier, closed_by_id=None)
    db.session.commit()
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    assert (
        f"{earlier:%B %Y} is closed for reporting, so the reversal will be dated today, {format_date(community.today(), 'd MMMM yyyy', locale='en')}."
        in text(form)
    )
    response = client.post(
        f"/coordinate/entries/{entry.id}/reverse",
        data={"submission_id": hidden_value(form, "submission_id"), "reason": "Never happened"},
    )
    assert response.status_code == 303
    reversal = db.session.scalar(select(Entry).where(Entry.reverses_id == entry.id))
    assert reversal.occurred_on == community.today()


def test_past_a_limit_the_page_says_who_and_offers_to_reverse_anyway_with_the_reason(
    client, auth, community, people, make_member
):
    cara, cara_account = make_member(name="Cara Clarke")
    entry = give(community, people.alice_account, people.bola_account, 60)  # Alice +60
    give(community, cara_account, people.alice_account, 60)  # Alice back to 0
    account = db.session.get(Account, people.alice_account.id)
    account.floor = 0
    db.session.commit()
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    assert 'name="override"' not in form.get_data(as_text=True), "offered only when a limit is in the way"
    data = {"submission_id": hidden_value(form, "submission_id"), "reason": "Wrong person"}
    refused = client.post(f"/coordinate/entries/{entry.id}/reverse", data=data)
    assert_form_error(refused, "override", "would take an account past its limit")
    assert "Alice Adeyemi would go to \u22121 h, 1 h below their lowest allowed balance of 0 min." in text(refused)
    assert 'name="override"' in refused.get_data(as_text=True)
    assert hidden_value(refused, "submission_id") == data["submission_id"]
    assert "Wrong person" in refused.get_data(as_text=True), "the reason is kept"
    assert count(Entry, Entry.kind == "reversal") == 0

    no_reason = client.post(f"/coordinate/entries/{entry.id}/reverse", data={**data, "reason": "", "override": "y"})
    assert_form_error(no_reason, "reason", "Say why")
    assert count(Entry, Entry.kind == "reversal") == 0

    done = client.post(f"/coordinate/entries/{entry.id}/reverse", data={**data, "override": "y"})
    assert done.status_code == 303
    reversal = db.session.scalar(select(Entry).where(Entry.reverses_id == entry.id))
    assert reversal.limit_override and reversal.reason == "Wrong person"
    assert balance(people.alice_account) == -60
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "entry.reverse"))
    assert event.details["limit_override"] is True


def test_corrections_list_each_reversal_with_why_who_when_and_the_original(client, auth, community, people):
    entries = [give(community, people.alice_account, people.bola_account, m) for m in (10, 20, 30)]
    sign_in(auth, people.cora)
    for entry in entries[:2]:
        form = client.get(f"/coordinate/entries/{entry.id}/reverse")
        client.post(
            f"/coordinate/entries/{entry.id}/reverse",
            data={"submission_id": hidden_value(form, "submission_id"), "reason": f"Wrong time {entry.id}"},
        )
    page = client.get("/coordinate/corrections")
    rows = cards(page)
    assert len(rows) == 2
    newest = rows[0]
    assert f"Wrong time {entries[1].id}" in newest and "Cora Coordinator" in newest
    assert "Alice Adeyemi gave 20 min to Bola Okafor on" in newest, "the original, the right way round"
    assert f'href="/coordinate/entries/{entries[1].id}"' in page.get_data(as_text=True)


def test_an_entry_of_another_community_is_not_found(client, auth, community, people, make_member):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    _, x = make_member(name="Xavier Elsewhere", target=elsewhere)
    _, y = make_member(name="Yara Elsewhere", target=elsewhere)
    foreign = give(elsewhere, x, y, 60)
    sign_in(auth, people.cora)
    assert client.get(f"/coordinate/entries/{foreign.id}").status_code == 404
    assert client.get(f"/coordinate/entries/{foreign.id}/reverse").status_code == 404
    posted = client.post(f"/coordinate/entries/{foreign.id}/reverse", data={"submission_id": "a" * 32, "reason": "No"})
    assert posted.status_code == 404
    assert count(Entry, Entry.kind == "reversal") == 0
    assert "Xavier" not in text(client.get("/coordinate/entries")) + text(client.get("/coordinate/corrections"))


@pytest.mark.parametrize("path", ["/coordinate/entries", "/coordinate/corrections"])
def test_list_pages_run_as_many_queries_for_30_entries_as_for_5(client, auth, community, people, path):
    def reversals(n):
        for entry in db.session.scalars(
            select(Entry).where(Entry.kind == "exchange", ~Entry.id.in_(select(Entry.reverses_id).where(Entry.reverses_id.is_not(None)))).limit(n)
        ).all():
            from timebank.ledger import reverse_entry

            reverse_entry(community.id, entry.id, reason="test", actor_id=people.cora.user_id)
        db.session.commit()

    sign_in(auth, people.cora)
    many(community, people, 5)
    reversals(5)
    client.get(path)
    few = queries_for(client, path)
    many(community, people, 25)
    reversals(25)
    more = queries_for(client, path)
    assert len(few) == len(more), (len(few), len(more))
