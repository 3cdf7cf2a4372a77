"""Passwords (issue 11): the policy wherever a password is set, changing one's own, resetting a
forgotten one by a single-use emailed link, and argon2id rehashed at sign-in."""
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from conftest import PASSWORD
from sqlalchemy import func, select

from timebank.errors import InvalidInput
from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import ApiToken, MemberKind, User
from timebank.models.people import PasswordResetToken
from timebank.password_policy import common_passwords, password_problem
from timebank.security import verify_password
from timebank.services.people import invitations
from timebank.services.people.credentials import request_reset, reset_password
from timebank.services.tokens import create_token

NEW = "lantern orchard pebble"


# --- the policy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("password", ["1234567890", "password12", "PASSWORD12", "iloveyou1", "qwertyuiop"])
def test_common_passwords_are_refused(app, password):
    assert "most common" in password_problem(password)


def test_the_shipped_list_is_large_and_lower_cased():
    words = common_passwords()
    assert len(words) > 90_000
    assert all(word == word.lower() for word in list(words)[:1000])


@pytest.mark.parametrize(
    "password, accepted",
    [("seven77", False), ("Kq7!zr2w", True), ("x" * 64, True), ("y" * 128, True), ("z" * 129, False), (PASSWORD, True)],
)
def test_length_at_least_8_and_long_passphrases_welcome(app, password, accepted):
    assert (password_problem(password) is None) is accepted


@pytest.mark.parametrize("password", ["ada lovelace rocks", "LOVELACE-forever", "my ada.l2024 pass"])
def test_a_password_containing_the_name_or_email_is_refused(app, password):
    assert "name or email" in password_problem(password, name="Ada Lovelace", email="ada.l2024@example.org")


def test_joining_refuses_a_common_password(client, community):
    kind = db.session.scalar(select(MemberKind.id).where(MemberKind.community_id == community.id, MemberKind.code == "carer"))
    data = {"name": "Dele Ade", "email": "dele@example.org", "password": "password12", "kind": str(kind), "submission_id": ""}
    response = client.post("/join/riverside", data=data)
    assert response.status_code == 422 and "most common" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_accepting_an_invitation_refuses_a_common_password(app, make_member):
    coordinator, _ = make_member(role="coordinator")
    _, token = invitations.new_invitation(
        coordinator, name="Bea", email="bea@example.org", role="member", kind_id=None, link_for=lambda t: f"/invitation/{t}"
    )
    with pytest.raises(InvalidInput, match="most common"):
        invitations.accept_invitation(token, name="Bea", password="1234567890")


def test_users_create_refuses_a_common_password(runner, community):
    args = ["users", "create", "--email", "c@example.org", "--name", "Cy", "--community", "riverside", "--password", "password12"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "most common" in result.output


# --- changing one's own password ----------------------------------------------------------------


@pytest.fixture
def member(make_member):
    membership, _ = make_member(name="Ada Lovelace")
    return membership


def change(client, current=PASSWORD, new=NEW, confirm=None, **extra):
    data = {"current_password": current, "new_password": new, "confirm": confirm or new, **extra}
    return client.post("/account/password", data=data)


def test_the_profile_links_to_changing_the_password(client, auth, member):
    auth.login(member.user.email)
    assert 'href="/account/password"' in client.get("/profile").get_data(as_text=True)


def test_changing_the_password_needs_the_present_one(client, auth, member):
    auth.login(member.user.email)
    response = change(client, current="not my password")
    assert response.status_code == 422 and "not your present password" in response.get_data(as_text=True)
    assert verify_password(db.session.get(User, member.user_id).password_hash, PASSWORD)


def test_a_new_password_must_meet_the_policy(client, auth, member):
    auth.login(member.user.email)
    response = change(client, new="password12")
    assert response.status_code == 422 and "most common" in response.get_data(as_text=True)
    response = change(client, new="Lovelace rules ok")
    assert response.status_code == 422 and "name or email" in response.get_data(as_text=True)


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(app, client, auth, member):
    auth.login(member.user.email)
    other = app.test_client()
    other.post("/login", data={"email": member.user.email, "password": PASSWORD})
    assert other.get("/").status_code == 200

    response = change(client)
    assert response.status_code == 303
    assert client.get("/").status_code == 200, "this browser stays signed in"
    assert other.get("/").status_code == 302, "every other session has ended"
    assert verify_password(db.session.get(User, member.user_id).password_hash, NEW)


def test_api_tokens_survive_a_password_change_unless_the_person_asks(client, auth, member):
    create_token(member.user, name="kept", scopes=["read"])
    db.session.commit()
    auth.login(member.user.email)
    change(client)
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))) == 1
    change(client, current=NEW, new="quiet harbour lanterns", revoke_tokens="y")
    assert db.session.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None))) == 0


# --- resetting a forgotten password --------------------------------------------------------------


def link_in(message) -> str:
    return re.search(r"http://localhost(/password/reset/\S+)", message.get_content()).group(1)


def test_the_reset_page_answers_the_same_whether_or_not_the_address_exists(app, client, member):
    answers = []
    for email in (member.user.email, "nobody@riverside.example"):
        response = client.post("/password/forgot", data={"email": email})
        answers.append((response.status_code, response.headers["Location"]))
    assert answers[0] == answers[1] == (303, "/password/forgot?sent=1")
    assert "If that address has an account, we've sent a link" in client.get("/password/forgot?sent=1").get_data(as_text=True)
    (message,) = sent_messages(app)
    assert message["To"] == member.user.email
    stored = db.session.scalar(select(PasswordResetToken.token_hash))
    assert link_in(message).rsplit("/", 1)[1] not in stored, "only a hash of the link is kept"


def test_the_login_page_links_to_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_a_reset_link_works_once_and_ends_every_session(app, client, auth, member):
    other = app.test_client()
    other.post("/login", data={"email": member.user.email, "password": PASSWORD})
    client.post("/password/forgot", data={"email": member.user.email})
    link = link_in(sent_messages(app)[0])

    opened = client.get(link)
    assert opened.status_code == 303 and opened.headers["Location"] == "/password/reset", "the secret leaves the address"
    assert client.get("/password/reset").status_code == 200
    refused = client.post("/password/reset", data={"new_password": "password12", "confirm": "password12"})
    assert refused.status_code == 422 and "most common" in refused.get_data(as_text=True)
    done = client.post("/password/reset", data={"new_password": NEW, "confirm": NEW})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert other.get("/").status_code == 302, "the sessions made with the old password have ended"
    assert auth.login(member.user.email, NEW).status_code == 302

    client.get(link)
    again = client.get("/password/reset")
    assert again.status_code == 410 and "expired or has been used" in again.get_data(as_text=True)


def test_the_reset_page_without_an_opened_link_says_so(client):
    gone = client.get("/password/reset")
    assert gone.status_code == 410 and "expired or has been used" in gone.get_data(as_text=True)


def test_a_reset_link_expires_after_an_hour(app, member, now):
    secrets = []
    request_reset(member.user.email, secrets.append, now=now)
    with pytest.raises(Exception, match="expired or has been used"):
        reset_password(secrets[0], NEW, now=now + timedelta(minutes=61))
    assert reset_password(secrets[0], NEW, now=now + timedelta(minutes=59)).id == member.user_id


def test_the_reset_form_is_rate_limited(make_app, member):
    client = make_app(RATELIMIT_ENABLED=True, PASSWORD_RESET_RATE_LIMIT="2 per hour").test_client()
    codes = [client.post("/password/forgot", data={"email": f"x{n}@example.org"}).status_code for n in range(3)]
    assert codes == [303, 303, 429]


# --- hashing ------------------------------------------------------------------------------------


def test_an_outdated_hash_is_rehashed_at_sign_in(auth, member):
    user = db.session.get(User, member.user_id)
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    db.session.commit()
    old = user.password_hash
    assert auth.login(user.email).status_code == 302
    db.session.refresh(user)
    assert user.password_hash != old and user.password_hash.startswith("$argon2id$")
    assert "t=1" in user.password_hash, "the configured cost (the test config's) is now used"
    assert verify_password(user.password_hash, PASSWORD)
