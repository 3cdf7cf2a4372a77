"""Two-factor sign-in (issue 11): enrolling an authenticator app, the second step of signing
in, recovery codes, staff who must use it, and that no code or secret reaches a log.

Codes are made with pyotp at the app's own clock (`app.config["CLOCK"]`, moved by the tests),
so no test waits for a time step to pass."""
import logging
import re
from datetime import timedelta

import pyotp
import pytest
from conftest import PASSWORD
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import AuditEvent, RecoveryCode, TwoFactor
from timebank.services.people.erasure import _own_tables


class Clock:
    def __init__(self, start):
        self.at = start

    def __call__(self):
        return self.at

    def move(self, **delta):
        self.at += timedelta(**delta)


@pytest.fixture
def tick(app, monkeypatch, now):
    clock = Clock(now)
    monkeypatch.setitem(app.config, "CLOCK", clock)
    return clock


def code_at(secret: str, moment) -> str:
    return pyotp.TOTP(secret).at(moment)


def secret_on(page) -> str:
    found = re.search(r'<code id="two-factor-secret" class="secret">([A-Z2-7 ]+)</code>', page.get_data(as_text=True))
    assert found, "the secret is shown as text, grouped for typing"
    return found.group(1).replace(" ", "")


def codes_on(page) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", page.get_data(as_text=True))


def sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def enrol(client, tick) -> tuple[str, list[str]]:
    secret = secret_on(client.get("/account/two-factor"))
    done = client.post("/account/two-factor", data={"code": code_at(secret, tick())})
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    return secret, codes_on(done)


@pytest.fixture
def enrolled(app, client, make_member, tick):
    """A member with two-factor sign-in on, signed out: (email, secret, recovery codes)."""
    member, _ = make_member()
    sign_in(client, member.user.email)
    secret, codes = enrol(client, tick)
    client.post("/logout")
    tick.move(seconds=30)  # the next time step: the enrolment's code is used up
    return member.user.email, secret, codes


def test_enrolment_shows_a_qr_code_and_the_secret_and_the_first_code_confirms(app, client, make_member, tick):
    member, _ = make_member()
    sign_in(client, member.user.email)
    page = client.get("/account/two-factor")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'<svg role="img" aria-label="QR code for your authenticator app"[^>]*>.*<path', html, re.S), "an inline SVG"
    svg = html[html.index("<svg role"):html.index("</svg>")]
    assert "<img" not in html and "<script" not in svg, "drawn in the page, needing no script or image"
    assert "style=" not in svg and "<style" not in svg, "nothing the CSP (style-src 'self') would block"
    assert "no-store" in page.headers["Cache-Control"], "the secret is not cached"
    secret = secret_on(page)
    assert len(secret) == 32
    assert secret_on(client.get("/account/two-factor")) == secret, "the same secret until it is confirmed"

    wrong = client.post("/account/two-factor", data={"code": "000000" if code_at(secret, tick()) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert re.search(r'id="code-error">.*That code is not right', wrong.get_data(as_text=True)), "beside the field"
    assert db.session.get(TwoFactor, member.user_id) is None

    done = client.post("/account/two-factor", data={"code": code_at(secret, tick())})
    assert done.status_code == 200
    codes = codes_on(done)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert db.session.get(TwoFactor, member.user_id).secret == secret
    hashes = set(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == member.user_id)))
    assert len(hashes) == 10 and not {c.replace("-", "") for c in codes} & hashes, "only hashes are kept"
    assert "recovery codes left" in client.get("/account/two-factor").get_data(as_text=True), "now the settings page"
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_membership_id == member.id)))
    assert "two_factor.enabled" in actions, "coordinators see it in the audit log"


def test_the_profile_links_to_two_factor_sign_in(client, make_member):
    member, _ = make_member()
    sign_in(client, member.user.email)
    assert 'href="/account/two-factor"' in client.get("/profile").get_data(as_text=True)


def test_signing_in_asks_for_the_code_and_refuses_a_wrong_one_beside_the_field(app, client, enrolled, tick):
    email, secret, _ = enrolled
    first = sign_in(client, email)
    assert first.status_code == 303 and first.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302, "not signed in after the password alone"
    assert client.get("/login/code").status_code == 200

    right = code_at(secret, tick())
    wrong = client.post("/login/code", data={"code": "123456" if right != "123456" else "654321"})
    assert wrong.status_code == 422
    assert re.search(r'id="code-error">.*That code is not right', wrong.get_data(as_text=True))
    assert client.get("/").status_code == 302

    done = client.post("/login/code", data={"code": right})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_safe_next_survives_the_second_step(client, enrolled, tick):
    email, secret, _ = enrolled
    client.post("/login", data={"email": email, "password": PASSWORD, "next": "/profile"})
    done = client.post("/login/code", data={"code": code_at(secret, tick())})
    assert done.headers["Location"] == "/profile"


def test_a_code_works_once(app, client, enrolled, tick):
    email, secret, _ = enrolled
    code = code_at(secret, tick())
    sign_in(client, email)
    assert client.post("/login/code", data={"code": code}).status_code == 303
    client.post("/logout")
    sign_in(client, email)
    replayed = client.post("/login/code", data={"code": code})
    assert replayed.status_code == 422, "the same code, within its window, is refused"
    tick.move(seconds=30)
    assert client.post("/login/code", data={"code": code}).status_code == 422, "and an older one too"
    assert client.post("/login/code", data={"code": code_at(secret, tick())}).status_code == 303


def test_a_code_from_the_step_either_side_is_accepted(client, enrolled, tick):
    email, secret, _ = enrolled
    tick.move(seconds=60)  # past the enrolment's step, so the step before now is unused
    sign_in(client, email)
    assert client.post("/login/code", data={"code": code_at(secret, tick() - timedelta(seconds=30))}).status_code == 303
    client.post("/logout")
    sign_in(client, email)
    assert client.post("/login/code", data={"code": code_at(secret, tick() - timedelta(seconds=90))}).status_code == 422


def test_a_recovery_code_works_once(app, client, enrolled, tick):
    email, _, codes = enrolled
    sign_in(client, email)
    assert "Use a recovery code" in client.get("/login/code").get_data(as_text=True)
    done = client.post("/login/code?with=recovery", data={"recovery_code": codes[0].upper()})
    assert done.status_code == 303 and done.headers["Location"] == "/"
    client.post("/logout")
    sign_in(client, email)
    again = client.post("/login/code?with=recovery", data={"recovery_code": codes[0]})
    assert again.status_code == 422
    assert re.search(r'id="recovery_code-error">.*used already', again.get_data(as_text=True))
    assert client.post("/login/code?with=recovery", data={"recovery_code": codes[1]}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.used_at.is_not(None))) == 2


def test_the_pending_step_lasts_five_minutes(client, enrolled, tick):
    email, secret, _ = enrolled
    sign_in(client, email)
    tick.move(minutes=5, seconds=1)
    late = client.post("/login/code", data={"code": code_at(secret, tick())})
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_a_password_reset_does_not_skip_the_second_step(app, client, enrolled, tick):
    email, secret, _ = enrolled
    client.post("/password/forgot", data={"email": email})
    link = re.search(r"https?://\S+/password/reset/\S+", sent_messages(app)[0].get_content()).group(0)
    client.get(link)
    new = "Juniper-Cobalt-Harbour-7713"
    assert client.post("/password/reset", data={"new_password": new, "confirm": new}).status_code == 303
    after = sign_in(client, email, new)
    assert after.status_code == 303 and after.headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302


def test_turning_it_off_and_new_codes_ask_for_the_password_or_a_code(app, client, enrolled, tick):
    email, secret, old_codes = enrolled
    sign_in(client, email)
    client.post("/login/code", data={"code": code_at(secret, tick())})

    refused = client.post("/account/two-factor/recovery-codes", data={"codes-proof": "not my password"})
    assert refused.status_code == 422 and 'id="codes-proof-error"' in refused.get_data(as_text=True)
    made = client.post("/account/two-factor/recovery-codes", data={"codes-proof": PASSWORD})
    new_codes = codes_on(made)
    assert made.status_code == 200 and len(new_codes) == 10 and not set(new_codes) & set(old_codes)

    refused = client.post("/account/two-factor/off", data={"off-proof": "000000"})
    assert refused.status_code == 422 and db.session.scalar(select(func.count()).select_from(TwoFactor)) == 1
    tick.move(seconds=30)
    off = client.post("/account/two-factor/off", data={"off-proof": code_at(secret, tick())})
    assert off.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(TwoFactor)) == 0
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout")
    assert sign_in(client, email).headers["Location"] == "/", "one step again"


@pytest.mark.parametrize("policy, community_asks, forced", [(True, True, True), (False, True, False), (True, False, False)])
def test_staff_must_enrol_only_when_the_installation_and_the_community_ask(
    app, client, community, make_member, monkeypatch, tick, policy, community_asks, forced
):
    monkeypatch.setitem(app.config, "REQUIRE_STAFF_2FA", policy)
    community.staff_two_factor_required = community_asks
    db.session.commit()
    coordinator, _ = make_member(kind="professional", role="coordinator")
    signed_in = sign_in(client, coordinator.user.email)
    if not forced:
        assert signed_in.headers["Location"] == "/"
        assert client.get("/coordinate/").status_code == 200
        return
    assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/account/two-factor"
    for path in ("/", "/coordinate/", "/profile", "/account/password"):
        held = client.get(path)
        assert held.status_code == 303 and held.headers["Location"] == "/account/two-factor", path
    api = client.get("/api/v1/me")
    assert api.status_code == 403 and api.get_json()["code"] == "two_factor_enrolment_required"
    assert "Set it up now to go on" in client.get("/account/two-factor").get_data(as_text=True)
    enrol(client, tick)
    assert client.get("/coordinate/").status_code == 200, "free to go on once enrolled"
    assert client.post("/account/two-factor/off", data={"off-proof": PASSWORD}).status_code == 422, "and it stays on"


def test_staff_who_must_enrol_can_still_sign_out(app, client, make_member, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_STAFF_2FA", True)
    coordinator, _ = make_member(kind="professional", role="coordinator")
    sign_in(client, coordinator.user.email)
    out = client.post("/logout")
    assert out.status_code in (302, 303) and out.headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_wrong_codes_are_slowed_per_account_and_address_without_locking_the_account(make_app, make_member, now, monkeypatch):
    app = make_app(RATELIMIT_ENABLED=True)
    monkeypatch.setitem(app.config, "CLOCK", lambda: now)
    member, _ = make_member()
    email = member.user.email
    client = app.test_client()
    sign_in(client, email)
    secret, _ = enrol(client, lambda: now)
    client.post("/logout")
    monkeypatch.setitem(app.config, "CLOCK", lambda: now + timedelta(seconds=30))
    sign_in(client, email)
    right = code_at(secret, now + timedelta(seconds=30))
    wrong = "123456" if right != "123456" else "654321"
    statuses = [client.post("/login/code", data={"code": wrong}).status_code for _ in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    other = app.test_client()
    other.post("/login", data={"email": email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    done = other.post("/login/code", data={"code": right}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert done.status_code == 303 and done.headers["Location"] == "/", "another address still signs in"


def test_erasing_the_person_deletes_the_secret_and_codes(app):
    assert {"two_factor", "recovery_code"} <= {table.name for table in _own_tables()}


def test_no_code_or_secret_reaches_a_log(app, client, make_member, tick, caplog):
    caplog.set_level(logging.DEBUG)
    member, _ = make_member()
    sign_in(client, member.user.email)
    secret, codes = enrol(client, tick)
    client.post("/logout")
    tick.move(seconds=30)
    used = [code_at(secret, tick())]
    sign_in(client, member.user.email)
    client.post("/login/code", data={"code": "999999" if used[0] != "999999" else "888888"})
    client.post("/login/code", data={"code": used[0]})
    client.post("/logout")
    sign_in(client, member.user.email)
    client.post("/login/code?with=recovery", data={"recovery_code": codes[0]})
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in caplog.records)
    assert "two_factor.enabled" in text and "two_factor.recovery_code_used" in text and '"method": "totp"' in text
    for secret_value in [secret, *used, *codes, *(c.replace("-", "") for c in codes)]:
        assert secret_value not in text
