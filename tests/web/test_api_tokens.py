"""Personal access tokens: made, named, scoped and revoked by their owner, in the app; stored
hashed; a session works too, with CSRF for writes."""
import re
from html import unescape

import pytest
from api_support import bearer, exchange_body, make_world, new_key, token_for
from conftest import PASSWORD
from coordinate_support import sign_in
from sqlalchemy import select

from timebank.errors import InvalidInput, NotFound
from timebank.extensions import db
from timebank.models import ApiToken
from timebank.services.tokens import create_token, hash_secret, revoke_token, token_for_secret, tokens_of


def test_service_makes_a_hashed_token_and_revokes_it(app, community, make_member):
    membership, _account = make_member()
    token, secret = create_token(membership.user, name="Spreadsheet", scopes=["write", "read"])
    db.session.commit()
    assert secret.startswith("tb_") and len(secret) > 40
    assert token.token_hash == hash_secret(secret) and secret not in (token.token_hash, token.hint)
    assert token.scopes == "read write"
    assert token_for_secret(secret).id == token.id
    revoke_token(membership.user, token.id)
    db.session.commit()
    assert token_for_secret(secret) is None
    assert tokens_of(membership.user_id) == [token]


def test_service_refuses_bad_tokens_and_other_peoples(app, community, make_member):
    alice, _ = make_member()
    bob, _ = make_member()
    with pytest.raises(InvalidInput):
        create_token(alice.user, name=" ", scopes=["read"])
    with pytest.raises(InvalidInput):
        create_token(alice.user, name="x", scopes=[])
    with pytest.raises(InvalidInput):
        create_token(alice.user, name="x", scopes=["read", "admin"])
    token, _secret = create_token(alice.user, name="mine", scopes=["read"])
    with pytest.raises(NotFound):
        revoke_token(bob.user, token.id)


def test_pages_make_show_once_and_revoke_a_token(app, client, auth, community, make_member):
    membership, _ = make_member()
    sign_in(auth, membership)
    page = client.get("/profile").get_data(as_text=True)
    assert "/account/tokens" in page
    assert client.get("/account/tokens").status_code == 200
    refused = client.post("/account/tokens", data={"name": "", "read": "y"})
    assert refused.status_code == 422
    nothing = client.post("/account/tokens", data={"name": "Sheet"})
    assert nothing.status_code == 422 and "Choose what the token may do" in unescape(nothing.get_data(as_text=True))
    made = client.post("/account/tokens", data={"name": "Sheet", "read": "y", "reports": "y"})
    assert made.status_code == 200
    secret = re.search(r'value="(tb_[^"]+)"', made.get_data(as_text=True)).group(1)
    token = db.session.scalar(select(ApiToken))
    assert token.scope_set == {"read", "reports"}
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in listing and token.hint in listing
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    response = client.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 303
    auth.logout()
    revoked = client.get("/api/v1/me", headers=bearer(secret))
    assert revoked.status_code == 401 and revoked.get_json()["code"] == "unauthorized"


def test_someone_elses_token_cannot_be_revoked_from_the_page(app, client, auth, community, make_member):
    alice, _ = make_member()
    bob, _ = make_member()
    secret = token_for(alice)
    token = db.session.scalar(select(ApiToken))
    sign_in(auth, bob)
    client.post(f"/account/tokens/{token.id}/revoke")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["user"]["id"] == alice.user_id


def test_a_disabled_person_s_token_stops_working(app, client, community, make_member, now):

    membership, _ = make_member()
    secret = token_for(membership)
    membership.user.disabled_at = now
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401


def test_scopes(app, client, community, make_member):
    world = make_world(community, make_member)
    read_only = token_for(world.alice[0], scopes=["read"])
    write_only = token_for(world.alice[0], scopes=["write"])
    assert client.get("/api/v1/me", headers=bearer(read_only)).status_code == 200
    denied = client.get("/api/v1/me", headers=bearer(write_only))
    assert denied.status_code == 403 and denied.get_json()["code"] == "insufficient_scope"
    body = exchange_body(community, world.bob[1])
    assert client.post("/api/v1/exchanges", json=body, headers=bearer(read_only, new_key())).status_code == 403
    assert client.post("/api/v1/exchanges", json=body, headers=bearer(write_only, new_key())).status_code == 201
    report = client.get(f"/api/v1/communities/{community.slug}/report?from=2026-01-01&to=2026-01-31", headers=bearer(read_only))
    assert report.status_code == 403


@pytest.mark.real_commits  # a task commits in a session of its own, which this test's rollback must not undo
def test_last_used_is_recorded(app, client, community, make_member):
    membership, _ = make_member()
    secret = token_for(membership)
    client.get("/api/v1/me", headers=bearer(secret))
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None


def test_session_callers_read_and_write_with_csrf(make_app, app, community, make_member):
    world = make_world(community, make_member)
    email = world.alice[0].user.email
    body = exchange_body(community, world.bob[1])
    secret = token_for(world.alice[0])
    db.session.remove()
    # No app context held around the requests: each request has its own `g`, as in production.
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    login_token = csrf_token_of(client.get("/login"))
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": login_token}).status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    refused = client.post("/api/v1/exchanges", json=body, headers={"Idempotency-Key": new_key()})
    assert refused.status_code == 403 and refused.get_json()["code"] == "csrf_failed"
    page_token = csrf_token_of(client.get("/account/tokens"))
    accepted = client.post("/api/v1/exchanges", json=body, headers={"Idempotency-Key": new_key(), "X-CSRFToken": page_token})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)
    # A token needs no CSRF token: it is not a cookie that a browser sends by itself.
    assert client.post("/api/v1/exchanges", json=body, headers=bearer(secret, new_key())).status_code == 201


def csrf_token_of(response) -> str:
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True)).group(1)
