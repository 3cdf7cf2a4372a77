"""A way out of every pending state (issue 13), each finding as a regression test: an exchange
stuck in a closed month is recorded late by one tap of the person who must confirm it; a
coordinator confirms (past a limit only with a reason), declines or cancels on a member's
behalf; the dashboard links each stuck exchange to its page; a reversal's reason reaches both
members and their statements."""
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from coordinate_support import assert_form_error, count, hidden_value, last_month, sign_in, text
from sqlalchemy import select

from timebank.extensions import db
from timebank.ledger import verify
from timebank.models import AuditEvent, Entry, Exchange, ExchangeStatus, Notification
from timebank.services.exchanges.log import log_exchange
from timebank.services.periods import close_month


@pytest.fixture
def people(community, make_member):
    community.backdate_days = 400
    cora, _ = make_member(kind="professional", role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="volunteer", name="Bola Okafor")
    return SimpleNamespace(cora=cora, alice=alice, alice_account=alice_account, bola=bola, bola_account=bola_account)


@pytest.fixture
def stuck(community, people, now):
    """Alice logged an hour she gave Bola last month; last month is now closed."""
    month = last_month(community)
    exchange, _ = log_exchange(
        people.alice, gave=True, partner_account_id=people.bola_account.id, minutes=60,
        occurred_on=month.replace(day=12), activity_id=None, note=None, submission_id=uuid.uuid4().hex,
        now=now - timedelta(days=1),
    )
    close_month(community, month, actor_id=people.cora.user_id, now=now - timedelta(minutes=5))
    db.session.commit()
    return exchange


def fresh(exchange) -> Exchange:
    db.session.expire_all()
    return db.session.get(Exchange, exchange.id)


def test_both_people_see_the_way_out_and_one_tap_records_it_late(client, auth, community, people, stuck):
    sign_in(auth, people.alice)
    mine = text(client.get(f"/exchanges/{stuck.id}"))
    assert "When Bola Okafor agrees, it will be recorded now, keeping the date it happened" in mine
    assert f'action="/exchanges/{stuck.id}/record-late"' not in client.get(f"/exchanges/{stuck.id}").get_data(as_text=True)

    sign_in(auth, people.bola)
    page = client.get(f"/exchanges/{stuck.id}")
    html = page.get_data(as_text=True)
    assert "This happened in a month that is now closed. Record it now, keeping the date it happened?" in text(page)
    assert f'action="/exchanges/{stuck.id}/record-late"' in html
    assert f'action="/exchanges/{stuck.id}/confirm"' not in html  # the ordinary confirm would be refused
    response = client.post(f"/exchanges/{stuck.id}/record-late")
    assert response.status_code == 303
    exchange = fresh(stuck)
    entry = db.session.get(Entry, exchange.entry_id)
    assert exchange.status == ExchangeStatus.POSTED
    assert entry.occurred_on == stuck.occurred_on and entry.booked_on == community.today()
    assert all(check.ok for check in verify(community.id))
    assert "keeping the date it happened" in text(client.get(response.headers["Location"]))


def test_the_dashboard_links_each_stuck_exchange_to_the_page_that_resolves_it(client, auth, people, stuck):
    sign_in(auth, people.cora)
    dashboard = client.get("/coordinate/")
    assert "1 exchange stuck in a closed month" in text(dashboard)
    assert f'href="/coordinate/exchanges/{stuck.id}"' in dashboard.get_data(as_text=True)
    page = client.get(f"/coordinate/exchanges/{stuck.id}")
    assert page.status_code == 200
    assert "Confirming it records it now as a late entry, keeping the date it happened" in text(page)


def coordinator_post(client, exchange, action, **fields):
    page = client.get(f"/coordinate/exchanges/{exchange.id}")
    data = {"action": action, f"{action}-submission_id": hidden_value(page, f"{action}-submission_id")}
    data.update({f"{action}-{name}": value for name, value in fields.items()})
    return client.post(f"/coordinate/exchanges/{exchange.id}", data=data)


def test_a_coordinator_confirms_past_a_limit_only_with_a_reason(client, auth, people, stuck):
    people.bola_account.floor = 0
    db.session.commit()
    sign_in(auth, people.cora)
    refused = coordinator_post(client, stuck, "confirm", confirmation="phone")
    assert refused.status_code == 422 and "below the lowest balance allowed" in text(refused)
    assert fresh(stuck).status == ExchangeStatus.PENDING
    no_reason = coordinator_post(client, stuck, "confirm", confirmation="phone", override="y", reason="")
    assert_form_error(no_reason, "confirm-reason", "Say why this exchange may pass the account")
    done = coordinator_post(client, stuck, "confirm", confirmation="phone", override="y", reason="Bola agreed by phone")
    assert done.status_code == 303
    entry = db.session.get(Entry, fresh(stuck).entry_id)
    assert entry.limit_override and entry.reason == "Bola agreed by phone" and entry.booked_on is not None
    assert count(AuditEvent, AuditEvent.action == "exchange.confirm_on_behalf", AuditEvent.target_id == stuck.id) == 1
    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "exchange_posted")).all()
    assert set(told) == {people.alice.user_id, people.bola.user_id}


@pytest.mark.parametrize("action, status", [("decline", ExchangeStatus.DECLINED), ("cancel", ExchangeStatus.CANCELLED)])
def test_a_coordinator_declines_or_cancels_on_a_members_behalf_with_a_reason(client, auth, people, stuck, action, status):
    sign_in(auth, people.cora)
    empty = coordinator_post(client, stuck, action, reason="")
    assert_form_error(empty, f"{action}-reason", "Say why, so that both people know")
    done = coordinator_post(client, stuck, action, reason="Logged twice by mistake")
    assert done.status_code == 303 and fresh(stuck).status == status
    assert count(AuditEvent, AuditEvent.action == f"exchange.{action}_on_behalf", AuditEvent.target_id == stuck.id) == 1
    for person in (people.alice, people.bola):
        sign_in(auth, person)
        assert "Logged twice by mistake" in text(client.get("/notifications"))


def test_a_reversal_tells_both_members_why_and_their_statements_show_it(client, auth, community, people):
    from coordinate_support import give

    entry = give(community, people.alice_account, people.bola_account, minutes=90)
    db.session.commit()
    sign_in(auth, people.cora)
    form = client.get(f"/coordinate/entries/{entry.id}/reverse")
    response = client.post(
        f"/coordinate/entries/{entry.id}/reverse",
        data={"reason": "Recorded for the wrong person", "submission_id": hidden_value(form, "submission_id")},
    )
    assert response.status_code == 303
    for person in (people.alice, people.bola):
        sign_in(auth, person)
        assert "reversed the exchange of 1 h 30 min" in text(client.get("/notifications"))
        assert "Recorded for the wrong person" in text(client.get("/notifications"))
        assert "Why: Recorded for the wrong person" in text(client.get("/statement"))
