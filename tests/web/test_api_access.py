"""Every endpoint: 401 without a token, 403 with the wrong scope, 404 for another community's
objects; and each does what its page does, through the same service."""
import pytest
from api_support import bearer, exchange_body, make_world, new_key, token_for
from coordinate_support import activity
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Entry, Exchange, GroupSession, Listing


@pytest.fixture
def world(app, community, make_member):
    return make_world(community, make_member)


@pytest.fixture
def things(app, client, world):
    """An exchange logged by Alice and confirmed by Bob (an entry), an offer, and a session."""
    alice, bob, cora = token_for(world.alice[0]), token_for(world.bob[0]), token_for(world.coordinator[0])
    exchange = client.post("/api/v1/exchanges", json=exchange_body(world.community, world.bob[1]), headers=bearer(alice, new_key())).get_json()
    pending = client.post("/api/v1/exchanges", json=exchange_body(world.community, world.bob[1], minutes=30), headers=bearer(alice, new_key())).get_json()
    confirmed = client.post(f"/api/v1/exchanges/{exchange['id']}/confirm", headers=bearer(bob))
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    listing = client.post("/api/v1/listings", json={"type": "offer", "title": "Gardening"}, headers=bearer(alice, new_key())).get_json()
    session = client.post(
        "/api/v1/group-sessions",
        json={
            "title": "Tea and talk",
            "occurred_on": world.community.today().isoformat(),
            "activity_id": activity(world.community),
            "minutes_each": 60,
            "payer": "pot",
            "facilitator_ids": [world.coordinator[0].id],
            "attendee_ids": [world.alice[0].id, world.bob[0].id],
        },
        headers=bearer(cora, new_key()),
    )
    assert session.status_code == 201, session.get_data(as_text=True)
    return {
        "exchange": confirmed.get_json()["id"],
        "pending": pending["id"],
        "entry": confirmed.get_json()["entry_id"],
        "listing": listing["id"],
        "session": session.get_json()["id"],
        "member": world.alice[0].id,
        "slug": world.community.slug,
    }


ENDPOINTS = [
    # (method, path, scope, who may, cross-community status for a stranger)
    ("GET", "/api/v1/me", "read"),
    ("GET", "/api/v1/me/statement?community={slug}", "read"),
    ("GET", "/api/v1/communities", "read"),
    ("GET", "/api/v1/communities/{slug}", "read"),
    ("GET", "/api/v1/communities/{slug}/report?from=2026-01-01&to=2026-01-31", "reports"),
    ("GET", "/api/v1/exchanges?community={slug}", "read"),
    ("GET", "/api/v1/exchanges/partners?community={slug}", "read"),
    ("GET", "/api/v1/exchanges/{exchange}", "read"),
    ("POST", "/api/v1/exchanges", "write"),
    ("POST", "/api/v1/exchanges/{pending}/confirm", "write"),
    ("POST", "/api/v1/exchanges/{pending}/decline", "write"),
    ("POST", "/api/v1/exchanges/{pending}/cancel", "write"),
    ("GET", "/api/v1/listings?community={slug}", "read"),
    ("GET", "/api/v1/listings/{listing}", "read"),
    ("POST", "/api/v1/listings", "write"),
    ("POST", "/api/v1/listings/{listing}/close", "write"),
    ("GET", "/api/v1/members?community={slug}", "read"),
    ("GET", "/api/v1/members/{member}", "read"),
    ("GET", "/api/v1/entries?community={slug}", "read"),
    ("GET", "/api/v1/entries/{entry}", "read"),
    ("POST", "/api/v1/entries/{entry}/reverse", "write"),
    ("GET", "/api/v1/group-sessions?community={slug}", "read"),
    ("GET", "/api/v1/group-sessions/{session}", "read"),
    ("POST", "/api/v1/group-sessions", "write"),
]
IDS = [f"{method} {path}" for method, path, _ in ENDPOINTS]


def call(client, method, path, things, headers, body=None):
    return client.open(path.format(**things), method=method, json=body if method == "POST" else None, headers=headers)


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS, ids=IDS)
def test_every_endpoint_needs_a_token(client, things, method, path, scope):
    response = call(client, method, path, things, {"Idempotency-Key": new_key()}, {})
    assert response.status_code == 401
    assert response.get_json()["code"] == "unauthorized"
    revoked = client.open("/api/v1/me")  # and nothing was written
    assert revoked.status_code == 401


@pytest.mark.parametrize(("method", "path", "scope"), ENDPOINTS, ids=IDS)
def test_every_endpoint_needs_its_scope(client, world, things, method, path, scope):
    others = [s for s in ("read", "write", "reports") if s != scope]
    secret = token_for(world.coordinator[0], scopes=others)
    response = call(client, method, path, things, bearer(secret, new_key()), {})
    assert response.status_code == 403
    assert response.get_json()["code"] == "insufficient_scope"


@pytest.mark.parametrize(("method", "path", "scope"), [e for e in ENDPOINTS if "{" in e[1] and e[1] != "/api/v1/exchanges"], ids=[i for e, i in zip(ENDPOINTS, IDS, strict=True) if "{" in e[1] and e[1] != "/api/v1/exchanges"])
def test_another_community_s_objects_are_not_found(client, world, things, method, path, scope):
    """Members and coordinators of another community get 404, never 403: they learn nothing."""
    before = db.session.scalar(select(func.count()).select_from(Entry))
    for outsider in (world.stranger[0], world.other_coordinator[0]):
        secret = token_for(outsider)
        body = {"reason": "test"} if path.endswith(("decline", "reverse")) else None
        response = call(client, method, path, things, bearer(secret, new_key()), body)
        assert response.status_code == 404, (outsider.user.name, response.get_data(as_text=True))
        assert response.get_json()["code"] in ("not_found",)
    assert db.session.scalar(select(func.count()).select_from(Entry)) == before


@pytest.mark.parametrize("path", ["/api/v1/members", "/api/v1/entries", "/api/v1/group-sessions"])
def test_coordinator_resources_refuse_members(client, world, things, path):
    secret = token_for(world.alice[0])
    listing = client.get(path, headers=bearer(secret))
    assert listing.status_code == 403 and listing.get_json()["code"] == "not_coordinator"
    one = client.get(f"{path}/{things['member'] if 'members' in path else things['entry'] if 'entries' in path else things['session']}", headers=bearer(secret))
    assert one.status_code == 404


def test_me_and_statement(client, world, things):
    secret = token_for(world.alice[0])
    me = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert me["user"]["email"] == world.alice[0].user.email
    (membership,) = me["memberships"]
    assert membership["community"]["slug"] == "riverside" and membership["balance_minutes"] == 120  # gave 60, and 60 from the pot for the session
    page = client.get("/api/v1/me/statement?limit=1", headers=bearer(secret)).get_json()
    assert len(page["lines"]) == 1 and page["next_cursor"] is not None
    older = client.get(f"/api/v1/me/statement?limit=1&cursor={page['next_cursor']}", headers=bearer(secret)).get_json()
    assert older["lines"][0]["sequence"] < page["lines"][0]["sequence"] and older["next_cursor"] is None
    assert [page["lines"][0]["kind"], older["lines"][0]["kind"]] == ["group_session", "exchange"]


def test_exchange_workflow(client, world, things):
    alice, bob = token_for(world.alice[0]), token_for(world.bob[0])
    pending = client.get("/api/v1/exchanges", headers=bearer(bob)).get_json()["items"]
    assert [e["id"] for e in pending] == [things["pending"]] and pending[0]["waiting_for_me"]
    # Only the logger cancels; only the other side declines.
    assert client.post(f"/api/v1/exchanges/{things['pending']}/cancel", headers=bearer(bob)).status_code == 404
    assert client.post(f"/api/v1/exchanges/{things['pending']}/decline", headers=bearer(alice)).status_code == 404
    declined = client.post(f"/api/v1/exchanges/{things['pending']}/decline", json={"reason": "Not me"}, headers=bearer(bob))
    assert declined.get_json()["status"] == "declined" and declined.get_json()["decline_reason"] == "Not me"
    again = client.post(f"/api/v1/exchanges/{things['pending']}/cancel", headers=bearer(alice))
    assert again.status_code == 409 and again.get_json()["code"] == "exchange_not_pending"
    partners = client.get("/api/v1/exchanges/partners?q=Bob", headers=bearer(alice)).get_json()
    assert [p["name"] for p in partners] == ["Bob"]
    foreign = exchange_body(world.community, world.stranger[1])
    refused = client.post("/api/v1/exchanges", json=foreign, headers=bearer(alice, new_key()))
    assert refused.status_code == 422 and refused.get_json()["code"] == "partner_unavailable"
    other_activity = exchange_body(world.community, world.bob[1], activity_id=activity(world.other))
    assert client.post("/api/v1/exchanges", json=other_activity, headers=bearer(alice, new_key())).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 2


def test_listings(client, world, things):
    alice, bob = token_for(world.alice[0]), token_for(world.bob[0])
    found = client.get("/api/v1/listings?type=offer&q=garden", headers=bearer(bob)).get_json()
    assert [item["id"] for item in found["items"]] == [things["listing"]] and not found["items"][0]["mine"]
    assert client.post(f"/api/v1/listings/{things['listing']}/close", headers=bearer(bob)).status_code == 404
    closed = client.post(f"/api/v1/listings/{things['listing']}/close", headers=bearer(alice)).get_json()
    assert closed["status"] == "closed"
    assert client.get(f"/api/v1/listings/{things['listing']}", headers=bearer(bob)).status_code == 404
    assert client.get("/api/v1/listings", headers=bearer(bob)).get_json()["items"] == []
    bad = client.post("/api/v1/listings", json={"type": "offer", "title": "x", "category_id": activity(world.other)}, headers=bearer(alice, new_key()))
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 1


def test_coordinator_resources(client, world, things):
    cora = token_for(world.coordinator[0])
    members = client.get("/api/v1/members?limit=2", headers=bearer(cora)).get_json()
    assert len(members["items"]) == 2 and members["next_cursor"]
    rest = client.get(f"/api/v1/members?cursor={members['next_cursor']}", headers=bearer(cora)).get_json()
    assert {m["name"] for m in members["items"] + rest["items"]} == {"Alice", "Bob", "Cora"}
    alice = client.get(f"/api/v1/members/{things['member']}", headers=bearer(cora)).get_json()
    assert alice["name"] == "Alice" and alice["notes"] == [] and alice["kind_history"]
    entries = client.get("/api/v1/entries", headers=bearer(cora)).get_json()["items"]
    assert {e["kind"] for e in entries} == {"exchange", "group_session"}
    no_reason = client.post(f"/api/v1/entries/{things['entry']}/reverse", json={"reason": ""}, headers=bearer(cora, new_key()))
    assert no_reason.status_code == 422
    key = new_key()
    reversal = client.post(f"/api/v1/entries/{things['entry']}/reverse", json={"reason": "Logged twice"}, headers=bearer(cora, key))
    assert reversal.status_code == 201, reversal.get_data(as_text=True)
    assert reversal.get_json()["reverses_id"] == things["entry"] and reversal.get_json()["reason"] == "Logged twice"
    assert client.post(f"/api/v1/entries/{things['entry']}/reverse", json={"reason": "Logged twice"}, headers=bearer(cora, key)).headers["Idempotent-Replayed"] == "true"
    twice = client.post(f"/api/v1/entries/{things['entry']}/reverse", json={"reason": "Again"}, headers=bearer(cora, new_key()))
    assert twice.status_code == 409 and twice.get_json()["code"] == "already_reversed"
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.kind == "reversal")) == 1
    sessions = client.get("/api/v1/group-sessions", headers=bearer(cora)).get_json()["items"]
    assert [(s["id"], s["people"]) for s in sessions] == [(things["session"], 3)]
    assert client.get(f"/api/v1/group-sessions/{things['session']}", headers=bearer(cora)).get_json()["title"] == "Tea and talk"
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 1


def test_communities_and_report(client, world, things):
    cora, alice = token_for(world.coordinator[0]), token_for(world.alice[0])
    mine = client.get("/api/v1/communities", headers=bearer(alice)).get_json()["items"]
    assert [(c["slug"], c["role"]) for c in mine] == [("riverside", "member")]
    detail = client.get("/api/v1/communities/riverside", headers=bearer(alice)).get_json()
    assert any(a["id"] == activity(world.community) for a in detail["activities"])
    today = world.community.today()
    query = f"from={today.replace(day=1).isoformat()}&to={today.isoformat()}"
    report = client.get(f"/api/v1/communities/riverside/report?{query}", headers=bearer(cora))
    assert report.status_code == 200, report.get_data(as_text=True)
    from timebank.metrics import get_report

    expected = get_report(world.community, today.replace(day=1), today, suppress=False)
    got = report.get_json()
    for key in ("period", "community", "A2"):
        assert got[key] == expected[key]
    # A member who is not a funder or coordinator does not see the report at all.
    assert client.get(f"/api/v1/communities/riverside/report?{query}", headers=bearer(alice)).status_code == 404
    backwards = client.get("/api/v1/communities/riverside/report?from=2026-02-01&to=2026-01-01", headers=bearer(cora))
    assert backwards.status_code == 400 and backwards.get_json()["code"] == "invalid_period"
