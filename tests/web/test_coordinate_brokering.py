"""Brokering pages, through the test client, on SQLite and PostgreSQL: the request inbox,
ranked suggestions, introductions and their outcome, and a posted exchange completing its match.
"""
import re
import uuid
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

import pytest
from conftest import utc_now
from sqlalchemy import select

from tests.coordinate_support import activity, count, give, queries_for, sign_in, text
from timebank.extensions import db
from timebank.ledger import verify
from timebank.models import (
    AuditEvent,
    ListingStatus,
    Match,
    MatchStatus,
    MembershipStatus,
    Notification,
    Restriction,
    RestrictionCode,
)
from timebank.services.brokering import matches, requests
from timebank.services.communities import create_community
from timebank.services.exchanges.confirm import confirm_exchange
from timebank.services.exchanges.log import log_exchange
from timebank.services.listings import create_listing, offer_help


def listing(membership, type_, title, category=None, description="", days_ago=0):
    item, _ = create_listing(
        membership, type_=type_, title=title, description=description, category_id=category, submission_id=uuid.uuid4().hex
    )
    item.created_at = utc_now() - timedelta(days=days_ago)
    db.session.commit()
    return item


@pytest.fixture
def world(community, make_member):
    coordinator, _ = make_member(role="coordinator", name="Cora Coordinator")
    alice, alice_account = make_member(kind="service_user", name="Alice Adeyemi")
    gardening = activity(community, "Gardening")
    request = listing(alice, "request", "Weeding the vegetable garden", gardening, "Raised beds need weeding", days_ago=5)
    return SimpleNamespace(
        community=community, coordinator=coordinator, alice=alice, alice_account=alice_account,
        gardening=gardening, request=request,
    )


def suggested(response) -> list[str]:
    """The names suggested on a request page, best first."""
    return [unescape(n).strip() for n in re.findall(r'<h3 class="card-title">(.*?)</h3>', response.get_data(as_text=True))]


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# -- the inbox -------------------------------------------------------------------------------


def test_the_inbox_lists_open_requests_oldest_first_with_their_wait(client, auth, world, make_member):
    bola, _ = make_member(name="Bola Okafor")
    newer = listing(bola, "request", "A lift to the clinic", days_ago=1)
    oldest = listing(bola, "request", "Help with forms", days_ago=9)
    listing(bola, "offer", "I can cook", days_ago=20)
    closed = listing(bola, "request", "Closed already", days_ago=30)
    closed.status = ListingStatus.CLOSED
    db.session.add(Match(community_id=world.community.id, listing_id=newer.id, requester_membership_id=bola.id,
                         helper_membership_id=world.alice.id, status=MatchStatus.INTRODUCED))
    db.session.commit()
    sign_in(auth, world.coordinator)

    page = text(client.get("/coordinate/requests"))
    assert page.index("Help with forms") < page.index("Weeding the vegetable garden")
    assert "waiting 9 days" in page and "waiting 5 days" in page
    for absent in ("A lift to the clinic", "I can cook", "Closed already"):
        assert absent not in page
    matched = text(client.get("/coordinate/requests?show=matched"))
    assert "A lift to the clinic" in matched and "1 introduction" in matched and "Help with forms" not in matched

    # paged by key: one request a page still reaches every one, in order
    rows, after = requests.request_inbox(world.community.id, limit=1)
    assert [r.listing.id for r in rows] == [oldest.id]
    rows, after = requests.request_inbox(world.community.id, limit=1, after=after)
    assert [r.listing.id for r in rows] == [world.request.id] and after is None


# -- suggestions -----------------------------------------------------------------------------


def test_suggestions_favour_offers_skills_and_new_ties_and_leave_out_who_cannot_help(client, auth, world, make_member, now):
    community = world.community
    offerer, _ = make_member(name="Olu Offers")
    listing(offerer, "offer", "Gardening help", world.gardening)
    skilled, _ = make_member(name="Sam Skills")
    skilled.skills = "Weeding, pruning and digging"
    new_tie, _ = make_member(name="Nia New")
    old_tie, old_tie_account = make_member(name="Ola Old")
    give(community, old_tie_account, world.alice_account, 60)  # Ola already helped Alice
    suspended, _ = make_member(name="Sid Suspended")
    listing(suspended, "offer", "Garden work", world.gardening)
    suspended.status = MembershipStatus.SUSPENDED
    restricted, _ = make_member(name="Rae Restricted")
    listing(restricted, "offer", "Gardening on weekends", world.gardening)
    db.session.add(Restriction(membership_id=restricted.id, code=RestrictionCode.NO_HOME_VISITS))
    lifted, _ = make_member(name="Lee Lifted")
    db.session.add(Restriction(membership_id=lifted.id, code=RestrictionCode.NO_HOME_VISITS, lifted_at=now))
    db.session.commit()
    sign_in(auth, world.coordinator)

    names = suggested(client.get(f"/coordinate/requests/{world.request.id}"))
    assert names.index("Olu Offers") < names.index("Nia New"), names  # a matching offer counts
    assert names.index("Sam Skills") < names.index("Nia New"), names  # so do skills that fit
    assert names.index("Nia New") < names.index("Ola Old"), names  # a new tie before an old one
    assert "Alice Adeyemi" not in names and "Sid Suspended" not in names and "Cora Coordinator" in names
    assert "Rae Restricted" in names, "a restriction not ticked for this request does not exclude"

    response = client.get(f"/coordinate/requests/{world.request.id}?respect=no_home_visits")
    names = suggested(response)
    assert "Rae Restricted" not in names and "Lee Lifted" in names, names
    assert 'value="no_home_visits" checked' in response.get_data(as_text=True)
    page = text(client.get(f"/coordinate/requests/{world.request.id}"))
    assert "Restriction: no home visits" in page
    assert "has exchanged time with Alice Adeyemi before" in page and "a new connection for Alice Adeyemi" in page


def test_someone_who_said_i_can_help_comes_first(client, auth, world, make_member):
    helper, _ = make_member(name="Hana Helps")
    offerer, _ = make_member(name="Olu Offers")
    listing(offerer, "offer", "Gardening help", world.gardening)
    offer_help(helper, world.request.id)
    db.session.commit()
    sign_in(auth, world.coordinator)
    names = suggested(client.get(f"/coordinate/requests/{world.request.id}"))
    assert names[0] == "Hana Helps", names


# -- introductions ---------------------------------------------------------------------------


def test_introduce_makes_one_match_tells_both_and_is_audited(client, auth, world, make_member):
    helper, _ = make_member(name="Hana Helps")
    sign_in(auth, world.coordinator)
    path = f"/coordinate/requests/{world.request.id}/introduce"
    response = client.post(path, data={"helper": helper.id, "respect": "no_home_visits"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/coordinate/requests/{world.request.id}?respect=no_home_visits")
    again = client.post(path, data={"helper": helper.id}, follow_redirects=True)  # a double tap
    assert "Hana Helps was already introduced for this request." in text(again)
    match = db.session.scalars(select(Match)).one()
    assert (match.status, match.helper_membership_id, match.requester_membership_id) == ("introduced", helper.id, world.alice.id)
    assert match.introduced_by_id == world.coordinator.user_id
    told = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert told == {(world.alice.user_id, "match_introduced"), (helper.user_id, "match_introduced_helper")}
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "match.introduce")).one()
    assert (event.target_id, event.subject_membership_id, event.details["respected"]) == (match.id, helper.id, ["no_home_visits"])

    page = text(client.get(f"/coordinate/requests/{world.request.id}"))
    assert "Hana Helps · introduced" in page
    assert "Hana Helps" not in suggested(client.get(f"/coordinate/requests/{world.request.id}"))
    assert "Weeding the vegetable garden" in text(client.get("/coordinate/matches"))
    assert "Weeding the vegetable garden" not in text(client.get("/coordinate/requests"))


def test_nobody_restricted_suspended_or_the_requester_can_be_introduced(client, auth, world, make_member, subtests):
    restricted, _ = make_member(name="Rae Restricted")
    db.session.add(Restriction(membership_id=restricted.id, code=RestrictionCode.NO_HOME_VISITS))
    suspended, _ = make_member(name="Sid Suspended")
    suspended.status = MembershipStatus.SUSPENDED
    db.session.commit()
    sign_in(auth, world.coordinator)
    path = f"/coordinate/requests/{world.request.id}/introduce"
    for who, helper_id in (("restricted", restricted.id), ("suspended", suspended.id), ("requester", world.alice.id), ("nobody", 999999)):
        with subtests.test(who=who):
            response = client.post(path, data={"helper": helper_id, "respect": "no_home_visits"}, follow_redirects=True)
            assert "cannot be introduced for this request" in text(response)
    assert count(Match) == 0 and count(AuditEvent) == 0


def test_the_coordinator_marks_a_match_accepted_then_completed_and_no_further(client, auth, world, make_member):
    helper, _ = make_member(name="Hana Helps")
    sign_in(auth, world.coordinator)
    client.post(f"/coordinate/requests/{world.request.id}/introduce", data={"helper": helper.id})
    match = db.session.scalars(select(Match)).one()
    path = f"/coordinate/matches/{match.id}/status"

    response = client.post(path, data={"status": "accepted", "listing": world.request.id})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/coordinate/requests/{world.request.id}")
    db.session.refresh(match)
    assert match.status == "accepted"
    response = client.post(path, data={"status": "completed"}, follow_redirects=True)
    assert "The match is now completed." in text(response)
    response = client.post(path, data={"status": "declined"}, follow_redirects=True)
    assert "That match cannot change to that status." in text(response)
    response = client.post(path, data={"status": "nonsense"}, follow_redirects=True)
    assert "That match cannot change to that status." in text(response)
    db.session.refresh(match)
    assert match.status == "completed"
    assert audit_actions() == ["match.introduce", "match.status", "match.status"]


def test_a_posted_exchange_from_a_match_completes_it_and_links_its_entry(app, client, auth, world, make_member):
    helper, helper_account = make_member(name="Hana Helps")
    sign_in(auth, world.coordinator)
    client.post(f"/coordinate/requests/{world.request.id}/introduce", data={"helper": helper.id})
    match = db.session.scalars(select(Match)).one()
    exchange, _ = log_exchange(
        helper, gave=True, partner_account_id=world.alice_account.id, minutes=90,
        occurred_on=world.community.today(), activity_id=world.gardening, note=None, submission_id=uuid.uuid4().hex,
    )
    exchange.match_id = match.id
    db.session.commit()
    assert db.session.get(Match, match.id).entry_id is None

    confirm_exchange(exchange.id, world.alice.user)
    db.session.commit()
    db.session.expire_all()
    match = db.session.get(Match, match.id)
    assert match.status == MatchStatus.COMPLETED and match.entry_id == exchange.entry_id is not None
    assert all(check.ok for check in verify())


def test_the_brokering_pages_ask_the_same_number_of_queries_however_many_rows(client, auth, world, make_member):
    sign_in(auth, world.coordinator)

    def add(n):
        for i in range(n):
            person, _ = make_member(name=f"Person {uuid.uuid4().hex[:6]}")
            item = listing(person, "request", f"Request {i}", world.gardening)
            matches.introduce(world.coordinator, world.request.id, person.id)
            matches.introduce(world.coordinator, item.id, world.alice.id)
        db.session.commit()

    add(1)
    paths = ["/coordinate/requests", "/coordinate/requests?show=matched", "/coordinate/matches", f"/coordinate/requests/{world.request.id}"]
    before = {path: len(queries_for(client, path)) for path in paths}
    add(4)
    after = {path: len(queries_for(client, path)) for path in paths}
    assert after == before


# -- who may see these pages -----------------------------------------------------------------


def _routes(world, match_id):
    r = world.request.id
    return [
        ("GET", "/coordinate/requests"),
        ("GET", f"/coordinate/requests/{r}"),
        ("POST", f"/coordinate/requests/{r}/introduce"),
        ("GET", "/coordinate/matches"),
        ("POST", f"/coordinate/matches/{match_id}/status"),
    ]


@pytest.fixture
def a_match(world, make_member):
    helper, _ = make_member(name="Hana Helps")
    match = Match(community_id=world.community.id, listing_id=world.request.id, requester_membership_id=world.alice.id,
                  helper_membership_id=helper.id, status=MatchStatus.INTRODUCED)
    db.session.add(match)
    db.session.commit()
    return match


def test_a_coordinator_elsewhere_gets_404_with_this_communitys_ids(client, auth, world, a_match, make_member, subtests):
    elsewhere = create_community("elsewhere", "Elsewhere Timebank")
    db.session.commit()
    other, _ = make_member(role="coordinator", target=elsewhere)
    sign_in(auth, other)
    for method, path in _routes(world, a_match.id)[1:]:
        if path.endswith("/matches"):
            continue
        with subtests.test(path=path):
            data = {"helper": a_match.helper_membership_id, "status": "accepted"}
            response = client.get(path) if method == "GET" else client.post(path, data=data)
            assert response.status_code == 404
    assert "Weeding" not in text(client.get("/coordinate/requests"))
    assert "Hana Helps" not in text(client.get("/coordinate/matches"))
    db.session.refresh(a_match)
    assert a_match.status == "introduced" and count(AuditEvent) == 0


def test_members_get_404_and_the_signed_out_are_sent_to_sign_in(client, auth, world, a_match, subtests):
    routes = _routes(world, a_match.id)
    sign_in(auth, world.alice)
    for method, path in routes:
        with subtests.test(who="member", path=path):
            response = client.get(path) if method == "GET" else client.post(path, data={"status": "accepted"})
            assert response.status_code == 404
    auth.logout()
    for method, path in routes:
        with subtests.test(who="signed out", path=path):
            response = client.get(path) if method == "GET" else client.post(path, data={})
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert count(Match) == 1 and count(AuditEvent) == 0
