"""Reporting periods: the months and their state, closing a month that has ended (once, however
often the button is pressed), its seal, and what closing means for anyone recording afterwards."""
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from coordinate_support import activity, count, give, hidden_value, last_month, sign_in, text
from sqlalchemy import select

from timebank.extensions import db
from timebank.ledger.periods import compute_seal
from timebank.models import AuditEvent, Exchange, ExchangeStatus, ReportingPeriod


@pytest.fixture
def people(community, make_member):
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


@pytest.fixture
def history(community, people):
    """Three entries last month and one this month."""
    month = last_month(community)
    for day, minutes in ((0, 30), (5, 45), (9, 60)):
        give(community, people.alice_account, people.bola_account, minutes, month + timedelta(days=day))
    give(community, people.bola_account, people.alice_account, 20)
    return SimpleNamespace(month=month)


def close(client, month):
    form = client.get(f"/coordinate/periods/{month:%Y-%m}")
    assert form.status_code == 200
    data = {"submission_id": hidden_value(form, "submission_id")}
    return client.post(f"/coordinate/periods/{month:%Y-%m}/close", data=data), data


def test_the_periods_page_lists_every_month_with_its_state(client, auth, community, people, history):
    sign_in(auth, people.cora)
    page = text(client.get("/coordinate/periods"))
    this_month = community.today().replace(day=1)
    assert page.index(f"{this_month:%B %Y}") < page.index(f"{history.month:%B %Y}"), "newest first"
    assert f"{this_month:%B %Y} This month: it can be closed once it has ended" in page
    assert f"{history.month:%B %Y} Open: it has ended and can be closed" in page
    detail = text(client.get(f"/coordinate/periods/{history.month:%Y-%m}"))
    assert "Entries 3" in detail and f"Close and seal {history.month:%B %Y}" in detail
    current = client.get(f"/coordinate/periods/{this_month:%Y-%m}")
    assert "Entries 1" in text(current) and "/close" not in current.get_data(as_text=True)


def test_close_a_month_once_and_see_its_seal_count_and_who_closed_it(client, auth, community, people, history):
    sign_in(auth, people.cora)
    response, data = close(client, history.month)
    assert response.status_code == 303 and response.headers["Location"] == f"/coordinate/periods/{history.month:%Y-%m}"
    again = client.post(f"/coordinate/periods/{history.month:%Y-%m}/close", data=data)
    assert again.status_code == 303
    assert count(ReportingPeriod) == 1 and count(AuditEvent, AuditEvent.action == "period.close") == 1

    period = db.session.scalar(select(ReportingPeriod))
    assert (period.month, period.entry_count, period.closed_by_id) == (history.month, 3, people.cora.user_id)
    assert period.seal == compute_seal(community.id, history.month)[0]
    event = db.session.scalar(select(AuditEvent))
    assert (event.actor_id, event.target_type, event.target_id) == (people.cora.user_id, "reporting_period", period.id)
    assert event.details == {"month": f"{history.month:%Y-%m}", "seal": period.seal, "entry_count": 3}

    shown = client.get(f"/coordinate/periods/{history.month:%Y-%m}")
    page = text(shown)
    assert f"{history.month:%B %Y} is closed and sealed: 3 entries." in page
    assert "Closed by Cora Coordinator" in page and period.seal in page
    assert "The seal still matches the month's entries." in page
    assert "/close" not in shown.get_data(as_text=True), "a closed month is not offered for closing"
    listing = text(client.get("/coordinate/periods"))
    assert re.search(rf"{history.month:%B %Y} Closed 3 entries\. Closed by Cora Coordinator, .* Seal \(SHA-256\): {period.seal}", listing)

    other = client.post(f"/coordinate/periods/{history.month:%Y-%m}/close", data={"submission_id": uuid.uuid4().hex})
    assert other.status_code == 303
    assert "That month is already closed." in text(client.get(other.headers["Location"]))
    assert count(ReportingPeriod) == 1


def test_a_month_that_has_not_ended_cannot_be_closed(client, auth, community, people, history):
    sign_in(auth, people.cora)
    this_month = community.today().replace(day=1)
    response = client.post(f"/coordinate/periods/{this_month:%Y-%m}/close", data={"submission_id": uuid.uuid4().hex})
    assert response.status_code == 303
    assert "A month can be closed only after it has ended." in text(client.get(response.headers["Location"]))
    assert count(ReportingPeriod) == 0 and count(AuditEvent) == 0


def test_a_close_without_its_form_does_nothing(client, auth, community, people, history):
    sign_in(auth, people.cora)
    response = client.post(f"/coordinate/periods/{history.month:%Y-%m}/close", data={})
    assert response.status_code == 303
    assert "This form is out of date. Please try again." in text(client.get(response.headers["Location"]))
    assert count(ReportingPeriod) == 0


@pytest.mark.parametrize("month", ["2026-13", "November", "2026-1", "2999-01"])
def test_a_month_that_is_not_a_month_or_not_yet_here_is_not_found(client, auth, people, month):
    sign_in(auth, people.cora)
    assert client.get(f"/coordinate/periods/{month}").status_code == 404
    assert client.post(f"/coordinate/periods/{month}/close", data={"submission_id": "a" * 32}).status_code == 404


def test_after_closing_a_member_logging_time_in_that_month_is_told_how_to_record_it(
    client, auth, community, people, history
):
    sign_in(auth, people.cora)
    close(client, history.month)
    sign_in(auth, people.alice)
    data = {
        "submission_id": uuid.uuid4().hex,
        "direction": "gave",
        "partner": str(people.bola_account.id),
        "quick": "60",
        "occurred_on": (history.month + timedelta(days=2)).isoformat(),
        "activity": str(activity(community)),
        "note": "Weeding",
    }
    for action in ("check", "send"):
        response = client.post("/log", data={**data, "action": action})
        assert response.status_code == 422
        page = text(response)
        assert f"{history.month:%B %Y} is closed for reporting, so nothing new is booked in it." in page
        assert "A coordinator can still record it as a late entry, which keeps the date it happened." in page
        assert re.search(r'href="#occurred_on"', response.get_data(as_text=True))
    assert count(Exchange) == 0


def test_the_task_list_shows_late_entries_stuck_in_a_closed_month_each_linked_to_its_page(
    client, auth, community, people, now
):
    """Two months ago is closed with an exchange still pending in it: last month's task list
    lists it as a late entry to record, linked to the coordinator's exchange page; it goes
    once it is recorded."""
    from timebank.services.exchanges.log import log_exchange
    from timebank.services.periods import close_month

    community.backdate_days = 400
    last = last_month(community)
    earlier = (last - timedelta(days=1)).replace(day=1)
    give(community, people.alice_account, people.bola_account, 30, last + timedelta(days=3))
    exchange, _ = log_exchange(
        people.alice, gave=True, partner_account_id=people.bola_account.id, minutes=60,
        occurred_on=earlier.replace(day=12), activity_id=None, note=None, submission_id=uuid.uuid4().hex,
        now=now - timedelta(days=40),
    )
    close_month(community, earlier, actor_id=people.cora.user_id, now=now - timedelta(minutes=5))
    db.session.commit()
    sign_in(auth, people.cora)
    page = client.get(f"/coordinate/periods/{last:%Y-%m}")
    html, words = page.get_data(as_text=True), text(page)
    assert "3. Record the late entries" in words and "1 to record late" in words
    assert f"Alice Adeyemi gave 1 h to Bola Okafor on {earlier.replace(day=12):%-d %B %Y}." in words
    assert f'href="/coordinate/exchanges/{exchange.id}"' in html
    assert f"4. Close and seal {last:%B %Y}" in words
    this_month = client.get(f"/coordinate/periods/{community.today():%Y-%m}")
    assert f'href="/coordinate/exchanges/{exchange.id}"' in this_month.get_data(as_text=True)

    exchange.status = ExchangeStatus.DECLINED
    db.session.commit()
    after = text(client.get(f"/coordinate/periods/{last:%Y-%m}"))
    assert "Record the late entries" not in after and f"3. Close and seal {last:%B %Y}" in after
