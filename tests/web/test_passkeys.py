"""Passkeys (WebAuthn): registering, passwordless sign-in, the second factor, and the refusals,
with a software authenticator built here (ES256, "none" attestation) so that py_webauthn checks
real attestations and assertions: nothing about the library is faked."""
import hashlib
import json
import re
from datetime import timedelta

import pytest
from conftest import PASSWORD
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.encode_cbor import encode_cbor

from timebank.extensions import db
from timebank.models import Passkey
from timebank.services.people.erasure import _own_tables
from timebank.services.people.passkeys import (
    CHALLENGE_KEY,
    CHALLENGE_SECONDS,
    PasskeyChallengeMissing,
    RelyingParty,
    begin_authentication,
    finish_registration,
)

ORIGIN, RP_ID = "http://localhost", "localhost"
UP, UV, AT = 0x01, 0x04, 0x40


class Authenticator:
    """One passkey on a pretend authenticator: makes the browser's answers for it."""

    def __init__(self, counter: int = 0):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = hashlib.sha256(repr(id(self)).encode()).digest()
        self.counter = counter
        self.user_handle = None

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def _auth_data(self, flags: int, extra: bytes = b"", rp_id: str = RP_ID) -> bytes:
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + self.counter.to_bytes(4, "big") + extra

    @staticmethod
    def _client_data(kind: str, options: dict, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": options["challenge"], "origin": origin, "crossOrigin": False}).encode()

    def create(self, options: dict, *, origin: str = ORIGIN) -> dict:
        self.user_handle = options["user"]["id"]
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        auth_data = self._auth_data(UP | UV | AT, attested, options["rp"]["id"])
        attestation = encode_cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": bytes_to_base64url(self.credential_id), "rawId": bytes_to_base64url(self.credential_id), "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(self._client_data("webauthn.create", options, origin)),
                "attestationObject": bytes_to_base64url(attestation), "transports": ["internal"],
            },
        }

    def get(self, options: dict, *, origin: str = ORIGIN, verified: bool = True, step: int = 1) -> dict:
        self.counter += step
        auth_data = self._auth_data(UP | (UV if verified else 0), rp_id=options["rpId"])
        client_data = self._client_data("webauthn.get", options, origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": bytes_to_base64url(self.credential_id), "rawId": bytes_to_base64url(self.credential_id), "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data), "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature), "userHandle": self.user_handle,
            },
        }


@pytest.fixture
def person(make_member, client, auth):
    membership, _account = make_member()
    assert auth.login(membership.user.email).status_code == 302
    return membership.user


def register(client, authenticator: Authenticator, name: str = "My phone"):
    options = client.post("/account/passkeys/register/options", json={"password": PASSWORD}).get_json()
    return client.post("/account/passkeys/register/verify", json={"credential": authenticator.create(options), "name": name})


def sign_in(client, authenticator: Authenticator, **options):
    asked = client.post("/passkeys/sign-in/options").get_json()
    return client.post("/passkeys/sign-in/verify", json={"credential": authenticator.get(asked, **options), "next": "/statement"})


def signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


def test_register_a_passkey_and_see_it_listed(client, person, now):
    wrong = client.post("/account/passkeys/register/options", json={"password": "not my password"})
    assert wrong.status_code == 422 and wrong.get_json()["code"] == "wrong_password"
    with client.session_transaction() as session:
        assert CHALLENGE_KEY not in session
    options = client.post("/account/passkeys/register/options", json={"password": PASSWORD}).get_json()
    assert options["rp"] == {"id": RP_ID, "name": "Timebank"}
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert person.email.encode() != base64url_to_bytes(options["user"]["id"])  # the handle is random, not who they are
    authenticator = Authenticator()
    response = client.post("/account/passkeys/register/verify", json={"credential": authenticator.create(options), "name": "Kitchen tablet"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"redirect": "/account/passkeys"}
    passkey = db.session.scalar(select(Passkey).where(Passkey.user_id == person.id))
    assert (passkey.name, passkey.transports, passkey.sign_count) == ("Kitchen tablet", "internal", 0)
    assert passkey.credential_id == bytes_to_base64url(authenticator.credential_id)
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "Kitchen tablet" in page and "Your passkey “Kitchen tablet” is added." in page
    # The same authenticator again is excluded next time, and refused if it comes anyway.
    options = client.post("/account/passkeys/register/options", json={"password": PASSWORD}).get_json()
    assert options["excludeCredentials"][0]["id"] == passkey.credential_id
    assert options["user"]["id"] == passkey.user_handle
    again = client.post("/account/passkeys/register/verify", json={"credential": authenticator.create(options)})
    assert again.status_code == 409 and again.get_json()["code"] == "passkey_already_registered"


def test_sign_in_without_a_password(app, client, person, auth, caplog):
    authenticator = Authenticator()
    assert register(client, authenticator).status_code == 200
    auth.logout()
    assert not signed_in(client)
    caplog.set_level("INFO", logger="timebank.security")
    options = client.post("/passkeys/sign-in/options").get_json()
    assert options["userVerification"] == "required" and options["allowCredentials"] == []  # discoverable
    response = client.post("/passkeys/sign-in/verify", json={"credential": authenticator.get(options), "next": "/statement"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"redirect": "/statement"}
    assert signed_in(client)
    assert client.get("/statement").status_code == 200
    passkey = db.session.scalar(select(Passkey).where(Passkey.user_id == person.id))
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    events = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.security"]
    assert {"passkey.used", "signin.succeeded"} <= {e["event"] for e in events}
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert passkey.credential_id not in logged and options["challenge"] not in logged


def test_passwordless_needs_the_person_verified_and_a_safe_next(client, person, auth):
    authenticator = Authenticator()
    register(client, authenticator)
    auth.logout()
    refused = sign_in(client, authenticator, verified=False)
    assert refused.status_code == 400 and refused.get_json()["code"] == "passkey_refused"
    assert not signed_in(client)
    asked = client.post("/passkeys/sign-in/options").get_json()
    response = client.post("/passkeys/sign-in/verify", json={"credential": authenticator.get(asked), "next": "//evil.example/"})
    assert response.get_json() == {"redirect": "/"}


def test_a_wrong_origin_is_refused(client, person, auth):
    authenticator = Authenticator()
    options = client.post("/account/passkeys/register/options", json={"password": PASSWORD}).get_json()
    response = client.post("/account/passkeys/register/verify", json={"credential": authenticator.create(options, origin="http://evil.example")})
    assert response.status_code == 400 and response.get_json()["code"] == "passkey_refused"
    assert db.session.scalar(select(Passkey).where(Passkey.user_id == person.id)) is None
    register(client, authenticator)
    auth.logout()
    response = sign_in(client, authenticator, origin="https://localhost.evil.example")
    assert response.status_code == 400 and response.get_json()["code"] == "passkey_refused"
    assert not signed_in(client)


def test_a_challenge_is_used_once_and_runs_out(app, client, person, auth, now):
    authenticator = Authenticator()
    options = client.post("/account/passkeys/register/options", json={"password": PASSWORD}).get_json()
    body = {"credential": authenticator.create(options)}
    assert client.post("/account/passkeys/register/verify", json=body).status_code == 200
    replayed = client.post("/account/passkeys/register/verify", json=body)
    assert replayed.status_code == 400 and replayed.get_json()["code"] == "passkey_challenge_missing"
    auth.logout()
    asked = client.post("/passkeys/sign-in/options").get_json()
    body = {"credential": authenticator.get(asked)}
    assert client.post("/passkeys/sign-in/verify", json=body).status_code == 200
    auth.logout()
    replayed = client.post("/passkeys/sign-in/verify", json=body)
    assert replayed.status_code == 400 and replayed.get_json()["code"] == "passkey_challenge_missing"
    # A challenge for one ceremony does not answer another.
    state, rp = {}, RelyingParty(RP_ID, "Timebank", ORIGIN)
    asked = json.loads(begin_authentication(state, rp=rp, now=now))
    with pytest.raises(PasskeyChallengeMissing):
        finish_registration(person, authenticator.get(asked), None, state, rp=rp, now=now)
    assert state == {}
    # Five minutes on, the challenge has run out.
    asked = client.post("/passkeys/sign-in/options").get_json()
    app.config["CLOCK"] = lambda: now + timedelta(seconds=CHALLENGE_SECONDS + 5)
    late = client.post("/passkeys/sign-in/verify", json={"credential": authenticator.get(asked)})
    assert late.status_code == 400 and late.get_json()["code"] == "passkey_challenge_expired"
    with client.session_transaction() as session:
        assert CHALLENGE_KEY not in session


def test_a_counter_that_goes_back_is_refused(client, person, auth, caplog):
    authenticator = Authenticator(counter=10)
    register(client, authenticator)
    auth.logout()
    assert sign_in(client, authenticator).status_code == 200  # 11
    auth.logout()
    authenticator.counter = 5  # a copy of the authenticator, behind the real one
    caplog.set_level("INFO", logger="timebank.security")
    response = sign_in(client, authenticator)
    assert response.status_code == 400 and response.get_json()["code"] == "passkey_counter_regressed"
    assert not signed_in(client)
    assert db.session.scalar(select(Passkey.sign_count).where(Passkey.user_id == person.id)) == 11
    assert any('"passkey.counter_regressed"' in r.getMessage() for r in caplog.records)


def test_an_unknown_passkey_and_bad_bodies_are_refused_without_a_500(client, person, auth):
    stranger = Authenticator()
    stranger.user_handle = bytes_to_base64url(b"nobody")
    auth.logout()
    assert sign_in(client, stranger).get_json()["code"] == "passkey_unknown"
    for body in (b"not json", b"[" * 100_000, b"[]", json.dumps({"credential": "x"}).encode(), json.dumps({"credential": {"id": 1}}).encode(),
                 json.dumps({"credential": {**stranger.get({"challenge": "x", "rpId": RP_ID}), "id": "a\u0000" * 1000}}).encode()):
        client.post("/passkeys/sign-in/options")
        response = client.post("/passkeys/sign-in/verify", data=body, content_type="application/json")
        assert response.status_code == 400, body[:20]
        assert response.get_json()["code"] in ("invalid_body", "passkey_refused")
    assert client.post("/passkeys/second-factor/verify", json={}).get_json()["code"] == "no_pending_sign_in"


def test_remove_and_rename_work_without_javascript(client, person, make_member):
    authenticator = Authenticator()
    register(client, authenticator, name="Old phone")
    passkey = db.session.scalar(select(Passkey).where(Passkey.user_id == person.id))
    page = client.get("/account/passkeys").get_data(as_text=True)
    assert "data-passkey-fallback" in page and 'data-passkey="register"' in page and "passkeys.js" in page
    response = client.post("/account/passkeys/rename", data={"passkey_id": passkey.id, "name": "Bad\nname"})
    assert response.status_code == 422 and "Bad" in response.get_data(as_text=True)
    response = client.post("/account/passkeys/rename", data={"passkey_id": passkey.id, "name": "Work phone"})
    assert response.status_code == 303
    assert db.session.get(Passkey, passkey.id).name == "Work phone"
    # Someone else's passkey is not theirs to remove.
    other, _account = make_member()
    theirs = Passkey(user_id=other.user_id, credential_id="theirs", public_key=b"k", user_handle="h", name="Theirs")
    db.session.add(theirs)
    db.session.commit()
    response = client.post("/account/passkeys/remove", data={"passkey_id": theirs.id}, follow_redirects=True)
    assert "We could not find that passkey." in response.get_data(as_text=True)
    assert db.session.get(Passkey, theirs.id) is not None
    response = client.post("/account/passkeys/remove", data={"passkey_id": passkey.id})
    assert response.status_code == 303
    assert db.session.get(Passkey, passkey.id) is None
    assert client.post("/account/passkeys/remove", data={"passkey_id": "99999999999999999999"}).status_code == 303


def test_the_sign_in_page_offers_a_passkey_only_to_scripts(client):
    page = client.get("/login").get_data(as_text=True)
    block = re.search(r'<div data-passkey="sign-in"[^>]*>', page).group(0)
    assert " hidden" in block and "passkeys.js" in page
    assert "<script>" not in page  # no inline script: the CSP allows 'self' only


def test_a_passkey_as_the_second_factor(client, person, auth):
    from timebank.auth import two_factor

    auth.logout()
    with client.session_transaction() as session:  # no passkey yet: not offered
        session[two_factor.PENDING] = {"user_id": person.id, "version": person.session_version, "until": 2**40, "next": "/"}
    assert 'data-passkey="second-factor"' not in client.get("/login/code").get_data(as_text=True)
    auth.login(person.email)
    authenticator = Authenticator()
    register(client, authenticator)
    auth.logout()
    with client.session_transaction() as session:  # the password step passed (as two_factor.begin leaves it)
        session[two_factor.PENDING] = {"user_id": person.id, "version": person.session_version, "until": 2**40, "next": "/statement"}
    assert 'data-passkey="second-factor"' in client.get("/login/code").get_data(as_text=True)
    options = client.post("/passkeys/second-factor/options").get_json()
    assert [c["id"] for c in options["allowCredentials"]] == [bytes_to_base64url(authenticator.credential_id)]
    response = client.post("/passkeys/second-factor/verify", json={"credential": authenticator.get(options, verified=False)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"redirect": "/statement"}
    assert signed_in(client)


def test_csrf_is_checked_and_the_page_gives_the_token(make_app, make_member):
    app = make_app(WTF_CSRF_ENABLED=True)
    membership, _account = make_member()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    assert client.post("/passkeys/sign-in/options").status_code == 400
    assert client.post("/passkeys/sign-in/options", headers={"X-CSRFToken": token}).status_code == 200


def test_erasure_takes_their_passkeys(app):
    assert Passkey.__table__ in _own_tables()
