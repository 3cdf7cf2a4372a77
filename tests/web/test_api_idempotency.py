"""Idempotent API writes: a retry with the same Idempotency-Key replays the first response and
writes nothing more, whatever the timing."""
import threading

from api_support import bearer, exchange_body, make_world, new_key, token_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import Exchange, IdempotencyRecord, IdempotencyStatus, Listing


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def post(client, secret, body, key, path="/api/v1/exchanges"):
    return client.post(path, json=body, headers=bearer(secret, key))


def test_a_create_needs_an_idempotency_key(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    for headers in (bearer(secret), bearer(secret, "   "), bearer(secret, "x" * 256)):
        response = client.post("/api/v1/exchanges", json=exchange_body(community, world.bob[1]), headers=headers)
        assert response.status_code == 400
        assert response.get_json()["code"] == "idempotency_key_required"
    assert count(Exchange) == 0


def test_the_same_key_and_body_replays_the_first_response(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    key = new_key()
    body = exchange_body(community, world.bob[1])
    first = post(client, secret, body, key)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers
    # The same body with its keys in another order is the same request.
    again = post(client, secret, dict(reversed(list(body.items()))), key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(Exchange) == 1
    record = db.session.scalar(select(IdempotencyRecord))
    assert record.status == IdempotencyStatus.DONE and record.response_status == 201


def test_the_same_key_with_another_body_is_refused(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    key = new_key()
    assert post(client, secret, exchange_body(community, world.bob[1]), key).status_code == 201
    response = post(client, secret, exchange_body(community, world.bob[1], minutes=90), key)
    assert response.status_code == 422
    assert response.get_json()["code"] == "idempotency_key_reused"
    other_path = post(client, secret, {"type": "offer", "title": "Tea"}, key, path="/api/v1/listings")
    assert other_path.get_json()["code"] == "idempotency_key_reused"
    assert count(Exchange) == 1 and count(Listing) == 0


def test_a_key_still_in_progress_is_a_conflict(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    key = new_key()
    body = exchange_body(community, world.bob[1])
    # What a concurrent request holding the key looks like: the record claimed, no response yet.
    with app.test_request_context("/api/v1/exchanges", method="POST", json=body):
        from timebank.api.idempotency import fingerprint

        wanted = fingerprint()
    db.session.add(IdempotencyRecord(user_id=world.alice[0].user_id, key=key, fingerprint=wanted))
    db.session.commit()
    response = post(client, secret, body, key)
    assert response.status_code == 409
    assert response.get_json()["code"] == "idempotency_key_in_progress"
    assert count(Exchange) == 0


def test_keys_belong_to_one_person(app, client, community, make_member):
    world = make_world(community, make_member)
    alice, bob = token_for(world.alice[0]), token_for(world.bob[0])
    key = new_key()
    assert post(client, alice, exchange_body(community, world.bob[1]), key).status_code == 201
    theirs = post(client, bob, exchange_body(community, world.alice[1]), key)
    assert theirs.status_code == 201
    assert "Idempotent-Replayed" not in theirs.headers
    assert count(Exchange) == 2


def test_a_refused_request_leaves_the_key_free(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    key = new_key()
    refused = post(client, secret, exchange_body(community, world.bob[1], occurred_on="2999-01-01"), key)
    assert refused.status_code == 422
    assert count(IdempotencyRecord) == 0
    assert post(client, secret, exchange_body(community, world.bob[1]), key).status_code == 201


def test_optional_keys_on_actions_replay_too(app, client, community, make_member):
    world = make_world(community, make_member)
    alice, bob = token_for(world.alice[0]), token_for(world.bob[0])
    logged = post(client, alice, exchange_body(community, world.bob[1]), new_key()).get_json()
    key = new_key()
    first = client.post(f"/api/v1/exchanges/{logged['id']}/confirm", headers=bearer(bob, key))
    assert first.status_code == 200 and first.get_json()["status"] == "posted"
    again = client.post(f"/api/v1/exchanges/{logged['id']}/confirm", headers=bearer(bob, key))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    without_key = client.post(f"/api/v1/exchanges/{logged['id']}/confirm", headers=bearer(bob))
    assert without_key.status_code == 409 and without_key.get_json()["code"] == "exchange_not_pending"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(retries=st.integers(min_value=1, max_value=6), minutes=st.integers(min_value=1, max_value=24 * 60))
def test_any_number_of_retries_make_one_exchange(sqlite_app, retries, minutes):
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership, create_user, member_account

    n = count(Exchange)
    suffix = new_key()[:8]
    community = create_community(f"c-{suffix}", "Retries")
    alice = add_membership(create_user(f"a-{suffix}@example.org", "A", "a long password"), community)
    bob = add_membership(create_user(f"b-{suffix}@example.org", "B", "a long password"), community)
    db.session.commit()
    secret = token_for(alice)
    client = sqlite_app.test_client()
    key = new_key()
    body = exchange_body(community, member_account(bob.id), minutes=minutes, community=community.slug)
    responses = [post(client, secret, body, key) for _ in range(retries)]
    assert {r.status_code for r in responses} == {201}
    assert len({r.get_data() for r in responses}) == 1
    assert count(Exchange) == n + 1


def test_concurrent_retries_on_postgresql_make_one_exchange(postgresql_app):
    from timebank.services.communities import create_community
    from timebank.services.people import add_membership, create_user, member_account

    app = postgresql_app
    community = create_community("racing", "Racing")
    alice = add_membership(create_user("a@racing.example", "A", "a long password"), community)
    bob = add_membership(create_user("b@racing.example", "B", "a long password"), community)
    db.session.commit()
    secret = token_for(alice)
    body = exchange_body(community, member_account(bob.id), community="racing")
    key = new_key()
    copies = 6
    barrier = threading.Barrier(copies, timeout=30)
    results = []

    def send():
        client = app.test_client()
        barrier.wait()
        response = post(client, secret, body, key)
        results.append((response.status_code, response.get_json(), response.headers.get("Idempotent-Replayed")))

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    db.session.rollback()
    assert len(results) == copies
    assert {status for status, _body, _replayed in results} <= {201, 409}, results
    created = [body for status, body, replayed in results if status == 201 and replayed is None]
    assert len(created) == 1
    assert all(body == created[0] for status, body, _ in results if status == 201)
    assert count(Exchange) == 1
    assert count(IdempotencyRecord) == 1
