"""The API's errors are RFC 9457 problems with a stable code, whatever goes wrong."""
import uuid

import pytest
from api_support import bearer, exchange_body, make_world, new_key, token_for
from sqlalchemy import func, select

import config
from timebank.extensions import db
from timebank.models import ApiToken
from timebank.services.communities import create_community
from timebank.services.people import add_membership, create_user

PROBLEM_KEYS = {"type", "title", "status", "detail", "code"}


def assert_problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["code"] == code
    return body


def test_no_token_is_a_401_problem_with_a_challenge(client):
    response = client.get("/api/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_path_and_wrong_method_are_problems(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404, "not_found")
    response = client.delete("/api/v1/me")
    body = assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]
    assert body["title"] == "Method Not Allowed"


def test_pages_keep_their_html_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_invalid_input_lists_each_field(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    response = client.post(
        "/api/v1/exchanges",
        json={"direction": "sideways", "minutes": 0, "partner_account_id": "x", "surprise": 1},
        headers=bearer(secret, new_key()),
    )
    body = assert_problem(response, 422, "invalid_input")
    assert set(body["errors"]) >= {"direction", "minutes", "partner_account_id", "occurred_on", "activity_id", "surprise"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


def test_query_validation_is_a_problem_too(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    body = assert_problem(client.get("/api/v1/me/statement?limit=1000&cursor=-3", headers=bearer(secret)), 422, "invalid_input")
    assert set(body["errors"]) == {"limit", "cursor"}


def test_domain_error_keeps_its_code(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    body = exchange_body(community, world.bob[1], occurred_on="2000-01-01")
    problem = assert_problem(client.post("/api/v1/exchanges", json=body, headers=bearer(secret, new_key())), 422, "date_too_old")
    assert problem["detail"]
    future = exchange_body(community, world.bob[1], occurred_on="2999-01-01")
    assert_problem(client.post("/api/v1/exchanges", json=future, headers=bearer(secret, new_key())), 422, "future_date")
    myself = exchange_body(community, world.alice[1])
    assert_problem(client.post("/api/v1/exchanges", json=myself, headers=bearer(secret, new_key())), 422, "partner_unavailable")


def test_text_a_database_cannot_store_is_invalid_input_not_a_500(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    body = exchange_body(community, world.bob[1], note="a\x00b")
    problem = assert_problem(client.post("/api/v1/exchanges", json=body, headers=bearer(secret, new_key())), 422, "invalid_input")
    assert "note" in problem["errors"]
    response = client.post(
        "/api/v1/exchanges",
        data=b'{"direction": "gave", "note": "\\ud800"}',
        headers={**bearer(secret, new_key()), "Content-Type": "application/json"},
    )
    assert_problem(response, 422, "invalid_input")
    assert_problem(client.get("/api/v1/exchanges/99999999999999999999", headers=bearer(secret)), 404, "not_found")
    assert_problem(client.get("/api/v1/listings?q=%00", headers=bearer(secret)), 422, "invalid_input")


def test_malformed_json_is_a_problem(app, client, community, make_member):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])
    response = client.post(
        "/api/v1/exchanges", data=b"{not json", headers={**bearer(secret, new_key()), "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


def test_an_unexpected_error_is_a_problem_not_an_html_page(app, client, community, make_member, monkeypatch):
    world = make_world(community, make_member)
    secret = token_for(world.alice[0])

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("timebank.api.me.memberships_with_balances", broken)
    app.logger.disabled = True
    response = client.get("/api/v1/me", headers=bearer(secret))
    assert_problem(response, 500, "internal_error")
    assert "boom" not in response.get_data(as_text=True)


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer tb_nope", "Bearer " + "x" * 300])
def test_bad_credentials_are_401(app, client, header):
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401, "unauthorized")


def _redis_url() -> str:
    """Redis for the rate-limit counters, as production keeps them; skipped only when no Redis is
    reachable and REQUIRE_REDIS is not set (CI sets it)."""
    import redis

    url = config.TEST_REDIS_URL
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        if config.REQUIRE_REDIS:
            pytest.fail(f"REQUIRE_REDIS=1 but Redis is not reachable at {url}")
        pytest.skip(f"Redis is not reachable at {url}")
    return url


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_rate_limit_is_a_429_problem_with_retry_after(make_app, storage):
    uri = "memory://" if storage == "memory" else _redis_url()
    limited = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=uri, RATELIMIT_KEY_PREFIX=f"tb-test-{uuid.uuid4().hex}",
        API_RATE_LIMIT_TOKEN="3 per minute", API_RATE_LIMIT_USER="5 per minute",
    )
    with limited.app_context():
        community = create_community("limited", "Limited")
        user = create_user("limited@example.org", "Lim", "a long password here")
        add_membership(user, community)
        db.session.commit()
        first, second = token_for(user, name="one"), token_for(user, name="two")
        client = limited.test_client()
        assert [client.get("/api/v1/me", headers=bearer(first)).status_code for _ in range(3)] == [200] * 3
        response = client.get("/api/v1/me", headers=bearer(first))
        assert_problem(response, 429, "rate_limited")
        assert int(response.headers["Retry-After"]) >= 1
        # Another token of the same person has its own budget, within the person's (5 in all).
        assert [client.get("/api/v1/me", headers=bearer(second)).status_code for _ in range(3)] == [200, 200, 429]
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 2
        db.session.remove()
