"""The audit log page: who, what, when, about whom and from where; filtered by action, member and
date; a page at a time by key; and the whole of it as a streamed CSV."""
import csv
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from coordinate_support import (
    assert_form_error,
    assert_no_offset,
    give,
    hidden_value,
    last_month,
    queries_for,
    sign_in,
    text,
)
from csv_support import spreadsheet_text

from timebank.extensions import db
from timebank.services import audit
from timebank.services.communities import create_community


@pytest.fixture
def people(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


@pytest.fixture
def actions(client, auth, community, people):
    """Cora reverses an entry of Alice's and closes last month, through the pages."""
    give(community, people.bola_account, people.alice_account, 20, last_month(community))
    entry = give(community, people.alice_account, people.bola_account, 60)
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    client.post(
        f"/coordinate/entries/{entry.id}/reverse",
        data={"submission_id": hidden_value(form, "submission_id"), "reason": "Logged twice"},
    )
    month = last_month(community)
    form = client.get(f"/coordinate/periods/{month:%Y-%m}")
    client.post(f"/coordinate/periods/{month:%Y-%m}/close", data={"submission_id": hidden_value(form, "submission_id")})
    return SimpleNamespace(entry=entry, month=month)


def cards(response) -> list[str]:
    html = response.get_data(as_text=True)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r'<li class="card">(.*?)</li>', html, re.S)]


def test_the_log_says_who_did_what_when_about_whom_and_from_where(client, community, people, actions):
    page = client.get("/coordinate/audit")
    assert page.status_code == 200
    rows = cards(page)
    assert len(rows) == 2
    closed, reversed_ = rows
    assert closed.startswith("Closed a month") and "Cora Coordinator" in closed and f"month: {actions.month:%Y-%m}" in closed
    assert "From 127.0.0.1" in closed and "period.close" in closed
    assert reversed_.startswith("Reversed an entry") and "about Alice Adeyemi" in reversed_
    assert f"entry {actions.entry.id}." in reversed_ and "reason: Logged twice" in reversed_
    assert community.today().isoformat() in reversed_


def test_filter_by_action_member_and_date(client, community, people, actions):
    by_action = cards(client.get("/coordinate/audit?action=entry.reverse"))
    assert len(by_action) == 1 and by_action[0].startswith("Reversed an entry")

    page = client.get("/coordinate/audit")
    about = re.search(r'href="(/coordinate/audit\?member=(\d+))">Alice Adeyemi</a>', page.get_data(as_text=True))
    assert about and int(about.group(2)) == people.alice.id
    by_member = client.get(about.group(1))
    assert "Showing what was done about Alice Adeyemi." in text(by_member)
    assert len(cards(by_member)) == 1
    assert cards(client.get(f"/coordinate/audit?member={people.bola.id}")) == []

    today = community.today()
    assert len(cards(client.get(f"/coordinate/audit?since={today}&until={today}"))) == 2
    assert cards(client.get(f"/coordinate/audit?since={today + timedelta(days=1)}")) == []
    assert cards(client.get(f"/coordinate/audit?until={today - timedelta(days=1)}")) == []
    assert len(cards(client.get(f"/coordinate/audit?action=period.close&since={today}"))) == 1


def test_wrong_filters_are_explained_the_govuk_way(client, people, actions):
    wrong = client.get("/coordinate/audit?since=yesterday")
    assert_form_error(wrong, "since", "Enter a date like 2026-11-26")
    assert 'value="yesterday"' in wrong.get_data(as_text=True)
    backwards = client.get("/coordinate/audit?since=2026-11-10&until=2026-11-01")
    assert_form_error(backwards, "until", "The end date must be the same as or after the start date")
    assert_form_error(client.get("/coordinate/audit?action=nothing.such"), "action", "Not a valid choice")


def test_a_member_of_another_community_or_their_events_are_not_found(client, auth, people, make_member):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    xavier, _ = make_member(name="Xavier Elsewhere", target=elsewhere)
    audit.record(elsewhere.id, None, "member.approve", subject_membership_id=xavier.id)
    db.session.commit()
    sign_in(auth, people.cora)
    assert client.get(f"/coordinate/audit?member={xavier.id}").status_code == 404
    assert client.get(f"/coordinate/audit.csv?member={xavier.id}").status_code == 404
    assert client.get("/coordinate/audit?member=abc").status_code == 404
    assert "Xavier" not in text(client.get("/coordinate/audit"))
    assert "Xavier" not in client.get("/coordinate/audit.csv").get_data(as_text=True)


def test_the_log_is_paged_by_key_and_the_csv_streams_every_event(client, auth, community, people):
    for i in range(60):
        audit.record(community.id, people.cora.user_id, "test.step", subject_membership_id=people.alice.id, step=i)
    audit.record(community.id, people.cora.user_id, "test.name", subject_membership_id=None, note="=HYPERLINK(1)")
    db.session.commit()
    sign_in(auth, people.cora)
    first = client.get("/coordinate/audit?action=test.step")
    assert len(cards(first)) == 50
    older = re.search(r'href="(/coordinate/audit\?before=(\d+)&amp;action=test.step)"', first.get_data(as_text=True))
    assert older, "the next page keeps the filter"
    path = older.group(1).replace("&amp;", "&")
    second = client.get(path)
    assert len(cards(second)) == 10 and "step: 9" in cards(second)[0] and "step: 0" in cards(second)[-1]
    assert_no_offset(queries_for(client, path))

    response = client.get("/coordinate/audit.csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    assert 'filename="audit-riverside.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(spreadsheet_text(response))))
    assert len(rows) == 61
    assert list(rows[0]) == [
        "event_id", "created_at", "action", "actor", "subject_member", "subject_ref", "target_type", "target_id",
        "details", "remote_addr",
    ]
    assert [int(r["event_id"]) for r in rows] == sorted((int(r["event_id"]) for r in rows), reverse=True)
    assert rows[0]["action"] == "test.name" and rows[0]["details"] == '{"note": "=HYPERLINK(1)"}'
    assert rows[1]["subject_member"] == "Alice Adeyemi" and rows[1]["subject_ref"] == people.alice.ref
    assert rows[1]["actor"] == "Cora Coordinator" and rows[1]["remote_addr"] == "cli"
    filtered = client.get(f"/coordinate/audit.csv?action=test.step&member={people.alice.id}")
    assert len(list(csv.DictReader(io.StringIO(spreadsheet_text(filtered))))) == 60


def test_a_cell_a_spreadsheet_would_run_is_defused(client, auth, community, people, make_member):
    sneaky, _ = make_member(name="=cmd|' /C calc'!A0")
    audit.record(community.id, people.cora.user_id, "member.approve", subject_membership_id=sneaky.id)
    db.session.commit()
    sign_in(auth, people.cora)
    rows = list(csv.DictReader(io.StringIO(spreadsheet_text(client.get("/coordinate/audit.csv")))))
    assert rows[0]["subject_member"] == "'=cmd|' /C calc'!A0"


def test_the_log_runs_as_many_queries_for_30_events_as_for_5(client, auth, community, people):
    def events(n):
        for i in range(n):
            audit.record(community.id, people.cora.user_id, "test.step", subject_membership_id=people.alice.id if i % 2 else people.bola.id, step=i)
        db.session.commit()

    sign_in(auth, people.cora)
    events(5)
    client.get("/coordinate/audit")
    few = queries_for(client, "/coordinate/audit")
    events(25)
    more = queries_for(client, "/coordinate/audit")
    assert len(few) == len(more), (len(few), len(more))
