"""Recording on behalf of members, and the organisation accounts and pot, through the test
client on SQLite and PostgreSQL: exchanges a coordinator records, pending exchanges confirmed
for a member, the paper timesheet, donations, grants and organisation payments."""
import re
import uuid
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.coordinate_support import activity, assert_form_error, count, hidden_value, queries_for, sign_in, text
from timebank.extensions import db
from timebank.ledger import verify
from timebank.models import (
    Account,
    AccountType,
    AuditEvent,
    Entry,
    Exchange,
    ExchangeStatus,
    Match,
    MatchStatus,
    Notification,
)
from timebank.services.communities import create_community, create_organisation_account, pot_account
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing


@pytest.fixture
def world(community, make_member):
    coordinator, _ = make_member(role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    bola, bola_account = make_member(kind="professional", name="Bola Okafor")
    return SimpleNamespace(
        community=community, coordinator=coordinator, alice=alice, alice_account=alice_account, bola=bola,
        bola_account=bola_account,
    )


def record_form(world, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex,
        "action": "save",
        "giver": world.alice_account.id,
        "receiver": world.bola_account.id,
        "hours": "1",
        "minutes": "30",
        "occurred_on": world.community.today().isoformat(),
        "activity": activity(world.community),
        "confirmation": "phone",
        "note": "Planted the herb bed",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def balances(*accounts) -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(db.session.get(Account, a.id).balance for a in accounts)


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# -- recording an exchange -------------------------------------------------------------------


def test_a_recorded_exchange_posts_at_once_once_with_how_it_was_confirmed(client, auth, world):
    sign_in(auth, world.coordinator)
    form = client.get("/coordinate/record")
    assert form.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", hidden_value(form, "submission_id"))
    data = record_form(world, submission_id=hidden_value(form, "submission_id"))
    response = client.post("/coordinate/record", data=data)
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/record"
    assert client.post("/coordinate/record", data=data).status_code == 303  # sent twice: one entry

    entry = db.session.scalars(select(Entry)).one()
    assert (entry.kind, entry.confirmation, entry.note) == ("exchange", "phone", "Planted the herb bed")
    assert entry.recorded_by_id == entry.confirmed_by_id == world.coordinator.user_id
    assert balances(world.alice_account, world.bola_account) == (90, -90)
    assert actions() == ["exchange.record"]
    told = db.session.scalars(select(Notification).where(Notification.kind == "exchange_posted")).all()
    assert {(n.user_id, n.params["balance"]) for n in told} == {(world.alice.user_id, 90), (world.bola.user_id, -90)}
    assert "Recorded: Alice Adeyemi gave 1 h 30 min to Bola Okafor." in text(client.get("/coordinate/record"))
    assert all(check.ok for check in verify())


def test_recording_from_a_match_completes_it(client, auth, world):
    listing_match = _match(world)
    sign_in(auth, world.coordinator)
    form = client.get(f"/coordinate/record?match={listing_match.id}")
    assert "From the introduction of Bola Okafor to Alice Adeyemi." in text(form)
    assert re.search(rf'name="giver"[^>]*value="{world.bola_account.id}"[^>]*checked|checked[^>]*name="giver"[^>]*value="{world.bola_account.id}"', form.get_data(as_text=True))
    data = record_form(world, giver=world.bola_account.id, receiver=world.alice_account.id, match=listing_match.id)
    assert client.post("/coordinate/record", data=data).status_code == 303
    db.session.expire_all()
    entry = db.session.scalars(select(Entry)).one()
    match = db.session.get(Match, listing_match.id)
    assert (match.status, match.entry_id) == (MatchStatus.COMPLETED, entry.id)
    assert db.session.scalars(select(AuditEvent)).one().details["match_id"] == match.id


def test_a_match_between_other_people_is_refused(client, auth, world, make_member):
    listing_match = _match(world)
    carol, carol_account = make_member(name="Carol Chen")
    sign_in(auth, world.coordinator)
    data = record_form(world, giver=carol_account.id, receiver=world.alice_account.id, match=listing_match.id)
    response = client.post("/coordinate/record", data=data)
    assert response.status_code == 422 and "That match is not between these two people" in text(response)
    assert count(Entry) == 0


def _match(world):
    request, _ = create_listing(world.alice, type_="request", title="Garden", description="", category_id=None, submission_id="r1")
    db.session.flush()
    match = Match(community_id=world.community.id, listing_id=request.id, requester_membership_id=world.alice.id,
                  helper_membership_id=world.bola.id, status=MatchStatus.ACCEPTED)
    db.session.add(match)
    db.session.commit()
    return match


def test_find_by_name_keeps_the_answers_typed(client, auth, world):
    sign_in(auth, world.coordinator)
    response = client.post("/coordinate/record", data=record_form(world, action="search", q_giver="bol", giver=None, hours="2"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    givers = re.findall(r'name="giver"[^>]*value="(\d+)"', html)
    assert givers == [str(world.bola_account.id)]
    assert 'name="hours" type="text" value="2"' in html or re.search(r'name="hours"[^>]*value="2"', html)
    assert count(Entry) == 0


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"giver": None}, "giver", "Choose who gave the time"),
        ({"receiver": "ALICE"}, "receiver", "Choose a person from the list"),
        ({"hours": "0", "minutes": "0"}, "minutes", "Enter a time of at least 1 minute"),
        ({"confirmation": "carrier-pigeon"}, "confirmation", "Not a valid choice"),
        ({"occurred_on": "tomorrow"}, "occurred_on", "Enter a real date"),
        ({"activity": "-1"}, "activity", "Choose what the time was for"),
    ],
)
def test_record_refusals_say_what_is_wrong(client, auth, world, overrides, field, message):
    sign_in(auth, world.coordinator)
    response = client.post("/coordinate/record", data=record_form(world, **overrides))
    assert_form_error(response, field, message)
    assert count(Entry) == 0 and count(AuditEvent) == 0


def test_record_refusals_from_the_ledger_go_beside_their_field(client, auth, world, make_member):
    sign_in(auth, world.coordinator)
    same = client.post("/coordinate/record", data=record_form(world, receiver=world.alice_account.id))
    assert_form_error(same, "receiver", "Choose two different people.")
    future = (world.community.today() + timedelta(days=2)).isoformat()
    assert_form_error(client.post("/coordinate/record", data=record_form(world, occurred_on=future)), "occurred_on", "cannot be in the future")
    world.bola_account.floor = -30
    db.session.commit()
    over = client.post("/coordinate/record", data=record_form(world))
    assert_form_error(over, "minutes", "Nothing was recorded: Bola Okafor would go 1 h below the lowest balance allowed.")
    assert count(Entry) == 0 and count(AuditEvent) == 0


def test_someone_from_another_community_cannot_be_chosen_by_id(client, auth, world, make_member):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    _stranger, stranger_account = make_member(target=elsewhere)
    sign_in(auth, world.coordinator)
    response = client.post("/coordinate/record", data=record_form(world, receiver=stranger_account.id))
    assert_form_error(response, "receiver", "Choose a person from the list")
    assert count(Entry) == 0


# -- confirming for a member -----------------------------------------------------------------


def _pending(world, minutes=60):
    exchange, _ = log_exchange(
        world.alice, gave=True, partner_account_id=world.bola_account.id, minutes=minutes,
        occurred_on=world.community.today() - timedelta(days=1), activity_id=None, note="Shopping",
        submission_id=uuid.uuid4().hex,
    )
    db.session.commit()
    return exchange


def test_a_pending_exchange_confirmed_for_the_member_posts_with_how(client, auth, world):
    exchange = _pending(world)
    sign_in(auth, world.coordinator)
    page = text(client.get("/coordinate/pending"))
    assert "Alice Adeyemi gave to Bola Okafor" in page and "Waiting for Bola Okafor to confirm" in page
    response = client.post(f"/coordinate/pending/{exchange.id}/confirm", data={"confirmation": "paper"})
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/pending"
    db.session.expire_all()
    exchange = db.session.get(Exchange, exchange.id)
    entry = db.session.get(Entry, exchange.entry_id)
    assert (exchange.status, exchange.confirmation, exchange.decided_by_id) == ("posted", "paper", world.coordinator.user_id)
    assert (entry.confirmation, entry.confirmed_by_id, entry.recorded_by_id) == ("paper", world.coordinator.user_id, world.alice.user_id)
    assert balances(world.alice_account, world.bola_account) == (60, -60)
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.target_id, event.subject_membership_id) == ("exchange.confirm_on_behalf", exchange.id, world.bola.id)

    again = client.post(f"/coordinate/pending/{exchange.id}/confirm", data={"confirmation": "paper"}, follow_redirects=True)
    assert "already been confirmed" in text(again)
    assert count(Entry) == 1 and count(AuditEvent) == 1


def test_confirming_for_a_member_refuses_an_unknown_method_and_a_limit(client, auth, world):
    exchange = _pending(world, minutes=120)
    world.bola_account.floor = -60
    db.session.commit()
    sign_in(auth, world.coordinator)
    response = client.post(f"/coordinate/pending/{exchange.id}/confirm", data={"confirmation": "member"}, follow_redirects=True)
    assert "Choose how the exchange was confirmed." in text(response)
    response = client.post(f"/coordinate/pending/{exchange.id}/confirm", data={"confirmation": "phone"}, follow_redirects=True)
    assert "Nothing was recorded: Bola Okafor would go 1 h below the lowest balance allowed." in text(response)
    assert db.session.get(Exchange, exchange.id).status == ExchangeStatus.PENDING
    assert count(Entry) == 0 and count(AuditEvent) == 0


def test_the_pending_and_accounts_pages_ask_the_same_number_of_queries_however_many_rows(client, auth, world):
    sign_in(auth, world.coordinator)

    def add(n):
        for _ in range(n):
            _pending(world)
            create_organisation_account(world.community.id, f"Org {uuid.uuid4().hex[:6]}")
        db.session.commit()

    add(1)
    before = [len(queries_for(client, p)) for p in ("/coordinate/pending", "/coordinate/accounts")]
    add(4)
    assert [len(queries_for(client, p)) for p in ("/coordinate/pending", "/coordinate/accounts")] == before


# -- the paper timesheet ---------------------------------------------------------------------


def test_the_paper_timesheet_has_the_members_name_and_empty_rows(client, auth, world):
    sign_in(auth, world.coordinator)
    response = client.get(f"/coordinate/members/{world.alice.id}/timesheet")
    assert response.status_code == 200
    page = text(response)
    assert "Timesheet" in page and "Alice Adeyemi" in page and world.alice.ref in page
    for heading in ("Date", "With whom", "What", "How long", "Your signature", "Their signature"):
        assert heading in page
    assert response.get_data(as_text=True).count("<tr><td>&nbsp;</td>") == 12
    assert "style=" not in response.get_data(as_text=True)  # the CSP allows no inline styles


# -- organisation accounts and the pot -------------------------------------------------------


def transfer_form(world, member_account, **overrides) -> dict:
    data = {
        "submission_id": uuid.uuid4().hex,
        "action": "save",
        "member": member_account.id,
        "hours": "2",
        "minutes": "0",
        "occurred_on": world.community.today().isoformat(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_organisation_accounts_open_with_their_own_floor_once(client, auth, world):
    sign_in(auth, world.coordinator)
    sid = hidden_value(client.get("/coordinate/accounts/new"), "submission_id")
    data = {"submission_id": sid, "name": "  Riverside   Clinic ", "floor_hours": "50"}
    assert client.post("/coordinate/accounts/new", data=data).status_code == 303
    assert client.post("/coordinate/accounts/new", data=data).status_code == 303  # sent twice: one account
    account = db.session.scalars(select(Account).where(Account.type == AccountType.ORGANISATION)).one()
    assert (account.name, account.floor, account.balance) == ("Riverside Clinic", -3000, 0)
    assert actions() == ["organisation.create"]
    page = text(client.get("/coordinate/accounts"))
    assert "Community pot" in page and "Riverside Clinic" in page and "−50 h" in page

    taken = client.post("/coordinate/accounts/new", data={"submission_id": uuid.uuid4().hex, "name": "riverside clinic", "floor_hours": "0"})
    assert_form_error(taken, "name", "There is already an organisation account called riverside clinic.")
    bad = client.post("/coordinate/accounts/new", data={"submission_id": uuid.uuid4().hex, "name": "", "floor_hours": "-4"})
    assert_form_error(bad, "name", "Enter the organisation's name")
    assert_form_error(bad, "floor_hours", "Enter a whole number of hours from 0 to")
    assert count(Account, Account.type == AccountType.ORGANISATION) == 1


def test_donations_grants_and_organisation_payments_post_the_right_way_round(client, auth, world):
    community = world.community
    clinic = create_organisation_account(community.id, "Riverside Clinic", floor=-600)
    pot = pot_account(community.id)
    world.alice_account.floor = -600
    db.session.commit()
    sign_in(auth, world.coordinator)

    donation = transfer_form(world, world.alice_account, hours="1", note="For the winter fund")
    assert client.post("/coordinate/accounts/donate", data=donation).status_code == 303
    assert client.post("/coordinate/accounts/donate", data=donation).status_code == 303  # once only
    grant = transfer_form(world, world.bola_account, hours="3", reason="Hardship after a hospital stay")
    assert client.post("/coordinate/accounts/grant", data=grant).status_code == 303
    payment = transfer_form(world, world.alice_account, hours="2", activity=activity(community), note="Patient panel")
    response = client.post(f"/coordinate/accounts/{clinic.id}/pay", data=payment)
    assert response.status_code == 303 and response.headers["Location"] == "/coordinate/accounts"

    assert balances(world.alice_account, world.bola_account, pot, clinic) == (-60 + 120, 180, 60 - 180, -120)
    kinds = {e.kind: e for e in db.session.scalars(select(Entry))}
    assert set(kinds) == {"donation", "grant", "exchange"}
    assert kinds["grant"].reason == "Hardship after a hospital stay"
    assert all(e.recorded_by_id == world.coordinator.user_id for e in kinds.values())
    assert actions() == ["pot.donation", "pot.grant", "organisation.payment"]
    assert all(check.ok for check in verify())


def test_a_grant_needs_a_reason_and_nobody_goes_past_a_limit(client, auth, world):
    clinic = create_organisation_account(world.community.id, "Riverside Clinic", floor=-60)
    db.session.commit()
    sign_in(auth, world.coordinator)
    response = client.post("/coordinate/accounts/grant", data=transfer_form(world, world.bola_account))
    assert_form_error(response, "reason", "Say why the grant is made")
    response = client.post(f"/coordinate/accounts/{clinic.id}/pay", data=transfer_form(world, world.alice_account, hours="3"))
    assert_form_error(response, "minutes", "Riverside Clinic would go 2 h below the lowest balance allowed")
    response = client.post("/coordinate/accounts/donate", data=transfer_form(world, world.alice_account, hours="11"))
    assert_form_error(response, "minutes", "Alice Adeyemi would go 1 h below the lowest balance allowed")
    assert count(Entry) == 0 and count(AuditEvent) == 0


# -- who may see these pages -----------------------------------------------------------------


@pytest.fixture
def ids(world):
    clinic = create_organisation_account(world.community.id, "Riverside Clinic", floor=0)
    db.session.commit()
    return {"x": _pending(world).id, "m": world.alice.id, "o": clinic.id}


ROUTES = [
    ("GET", "/coordinate/record"),
    ("POST", "/coordinate/record"),
    ("GET", "/coordinate/pending"),
    ("POST", "/coordinate/pending/{x}/confirm"),
    ("GET", "/coordinate/members/{m}/timesheet"),
    ("GET", "/coordinate/accounts"),
    ("GET", "/coordinate/accounts/new"),
    ("POST", "/coordinate/accounts/new"),
    ("GET", "/coordinate/accounts/donate"),
    ("POST", "/coordinate/accounts/donate"),
    ("GET", "/coordinate/accounts/grant"),
    ("POST", "/coordinate/accounts/grant"),
    ("GET", "/coordinate/accounts/{o}/pay"),
    ("POST", "/coordinate/accounts/{o}/pay"),
]


def test_a_coordinator_elsewhere_gets_404_with_this_communitys_ids(client, auth, world, ids, make_member, subtests):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    other, _ = make_member(role="coordinator", target=elsewhere)
    sign_in(auth, other)
    for method, path in ROUTES:
        if "{" not in path:
            continue
        with subtests.test(path=path):
            path = path.format(**ids)
            data = transfer_form(world, world.alice_account, confirmation="phone")
            response = client.get(path) if method == "GET" else client.post(path, data=data)
            assert response.status_code == 404
    # Forms without an id in the path refuse this community's people too.
    response = client.post("/coordinate/record", data=record_form(world))
    assert response.status_code == 422
    response = client.post("/coordinate/accounts/donate", data=transfer_form(world, world.alice_account))
    assert response.status_code == 422
    assert "Alice Adeyemi" not in text(client.get("/coordinate/pending"))
    assert "Riverside Clinic" not in text(client.get("/coordinate/accounts"))
    assert count(Entry) == 0 and count(AuditEvent) == 0


def test_members_get_404_and_the_signed_out_are_sent_to_sign_in(client, auth, world, ids, subtests):
    sign_in(auth, world.alice)
    for method, path in ROUTES:
        with subtests.test(who="member", path=path):
            path = path.format(**ids)
            response = client.get(path) if method == "GET" else client.post(path, data={"confirmation": "phone"})
            assert response.status_code == 404
    auth.logout()
    for method, path in ROUTES:
        with subtests.test(who="signed out", path=path):
            path = path.format(**ids)
            response = client.get(path) if method == "GET" else client.post(path, data={})
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(Entry) == 0 and count(AuditEvent) == 0
