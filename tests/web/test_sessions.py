"""Sessions on the server's side of trust (issue 11): a copied cookie stops working when its
person signs out, changes their password, is signed out everywhere or suspended; idle and
absolute timeouts, with a page that says why."""
import json
import logging

import pytest
from conftest import COORDINATOR_HOME, PASSWORD
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import ApiToken, AuditEvent
from timebank.services.people.credentials import sign_out_everywhere
from timebank.services.people.standing import suspend
from timebank.services.tokens import create_token


def copy_session(source, target) -> None:
    """What an attacker with the cookie does: send it from another browser."""
    target.set_cookie("session", source.get_cookie("session").value)


@pytest.fixture
def member(make_member):
    membership, _ = make_member(name="Ada Lovelace")
    return membership


@pytest.fixture
def two_browsers(app, client, auth, member):
    """The member signed in in `client`, and a copy of that session cookie in `thief`."""
    assert auth.login(member.user.email).status_code == 302
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/").status_code == 200, "a copied cookie works while the session lives"
    return client, thief


def signed_out(response) -> bool:
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and ("/login" in location or "/signed-out" in location)


def test_signing_out_ends_a_copied_session_in_another_browser(two_browsers, auth):
    client, thief = two_browsers
    auth.logout()
    assert signed_out(thief.get("/")), "the copy ended with the original"
    made = thief.post("/account/tokens", data={"name": "backdoor", "read": "y"})
    assert signed_out(made), "a stale copy cannot make an API token"
    assert db.session.scalar(select(func.count(ApiToken.id))) == 0


def test_signing_in_again_does_not_revive_an_old_copy(two_browsers, auth, member):
    client, thief = two_browsers
    auth.logout()
    auth.login(member.user.email)
    assert client.get("/").status_code == 200
    assert signed_out(thief.get("/"))


def test_a_coordinator_signs_a_person_out_everywhere(two_browsers, make_member, member):
    client, thief = two_browsers
    coordinator, _ = make_member(role="coordinator")
    sign_out_everywhere(coordinator, member.id)
    db.session.commit()
    assert signed_out(client.get("/")) and signed_out(thief.get("/"))
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "member.sign_out_everywhere")).all()
    assert event.subject_membership_id == member.id and event.actor_id == coordinator.user_id


def test_suspension_ends_every_session_at_once(two_browsers, make_member, member):
    client, thief = two_browsers
    coordinator, _ = make_member(role="coordinator")
    suspend(coordinator, member.id)
    db.session.commit()
    assert signed_out(client.get("/")) and signed_out(thief.get("/"))


def test_api_tokens_survive_signing_out(client, auth, member):
    auth.login(member.user.email)
    _, secret = create_token(member.user, name="spreadsheet", scopes=["read"])
    db.session.commit()
    auth.logout()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200, "a token is a separate credential"


def test_the_tokens_page_shows_when_each_was_last_used(client, auth, member, now):
    token, _ = create_token(member.user, name="spreadsheet", scopes=["read"])
    token.last_used_at = now.replace(year=2026, month=3, day=4, hour=9, minute=30)
    create_token(member.user, name="unused", scopes=["read"])
    db.session.commit()
    auth.login(member.user.email)
    html = client.get("/account/tokens").get_data(as_text=True)
    assert "Last used" in html and "4 March 2026, 09:30" in html and "never" in html


# --- timeouts --------------------------------------------------------------------------------------


def test_a_member_stays_signed_in_through_a_long_pause(client, auth, member, later):
    auth.login(member.user.email)
    later(hours=11)
    assert client.get("/").status_code == 200


def test_an_idle_member_is_signed_out_and_told_why(client, auth, member, later):
    auth.login(member.user.email)
    later(hours=12, minutes=1)
    response = client.get("/statement")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/signed-out?reason=idle")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "had not used the timebank for 720 minutes" in page
    assert 'href="/login?next=/statement"' in page
    assert signed_out(client.get("/"))


def test_coordinators_are_signed_out_after_30_idle_minutes(client, auth, make_member, later):
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    later(minutes=29)
    assert client.get(COORDINATOR_HOME).status_code == 200, "each request starts the idle time again"
    later(minutes=58)
    assert client.get(COORDINATOR_HOME).status_code == 200
    later(minutes=89)
    response = client.get(COORDINATOR_HOME)
    assert response.headers["Location"].startswith("/signed-out?reason=idle")
    assert "for 30 minutes" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_session_ends_after_its_lifetime_however_busy(client, auth, make_member, later):
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    for minutes in range(20, 12 * 60, 20):
        later(minutes=minutes)
        assert client.get(COORDINATOR_HOME).status_code == 200
    later(hours=12, minutes=10)
    response = client.get(COORDINATOR_HOME)
    assert response.headers["Location"].startswith("/signed-out?reason=lifetime")


def test_an_idle_api_call_with_the_session_gets_401_not_a_page(client, auth, member, later):
    auth.login(member.user.email)
    later(hours=13)
    assert client.get("/api/v1/me").status_code == 401


# --- the security log -------------------------------------------------------------------------------


def events(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]


def test_sign_ins_and_ended_sessions_are_logged_without_secrets(client, auth, member, caplog):
    caplog.set_level(logging.INFO, logger="timebank.security")
    client.post("/login", data={"email": member.user.email, "password": "wrong password"})
    auth.login(member.user.email)
    auth.logout()
    logged = events(caplog)
    assert [e["event"] for e in logged] == ["signin.failed", "signin.succeeded", "session.ended"]
    assert logged[1]["user_id"] == member.user_id and logged[2]["reason"] == "signed_out"
    text = caplog.text
    assert PASSWORD not in text and "wrong password" not in text and member.user.email not in text


def test_the_member_page_has_a_sign_out_everywhere_button(app, client, auth, make_member, member):
    thief = app.test_client()
    thief.post("/login", data={"email": member.user.email, "password": PASSWORD})
    coordinator, _ = make_member(role="coordinator")
    auth.login(coordinator.user.email)
    page = client.get(f"/coordinate/members/{member.id}").get_data(as_text=True)
    assert f'action="/coordinate/members/{member.id}/sign-out-everywhere"' in page
    response = client.post(f"/coordinate/members/{member.id}/sign-out-everywhere", data={"submission_id": "s" * 32})
    assert response.status_code == 303 and response.headers["Location"] == f"/coordinate/members/{member.id}"
    assert "Ada Lovelace is signed out everywhere." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert signed_out(thief.get("/"))
    assert client.get(COORDINATOR_HOME).status_code == 200, "the coordinator stays signed in"
