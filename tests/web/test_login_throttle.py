"""Throttling wrong passwords without locking out the owner (issue 11): per address, and per
account and address with a doubling wait; never for the account as a whole. The clock the
throttle reads is the app's `CLOCK`, so no test waits for a delay to pass."""
from datetime import timedelta

import pytest
from conftest import PASSWORD
from sqlalchemy import select

from timebank.auth.throttle import wait_seconds
from timebank.extensions import db
from timebank.models import AuditEvent

WRONG = "wrong password"


@pytest.fixture
def throttled(make_app, monkeypatch, now):
    """A client of an app with the limits on, and `move(seconds=...)` for its clock."""
    app = make_app(RATELIMIT_ENABLED=True)
    monkeypatch.setitem(app.config, "CLOCK", lambda: now)
    client = app.test_client()

    def move(**delta):
        monkeypatch.setitem(app.config, "CLOCK", lambda: now + timedelta(**delta))

    client.move = move
    return client


def attempt(client, email, address, password=WRONG):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


@pytest.mark.parametrize(
    "failures, wait", [(0, 0), (4, 0), (5, 1), (6, 2), (7, 4), (10, 32), (14, 512), (15, 900), (1000, 900)]
)
def test_the_wait_doubles_after_the_free_attempts_up_to_a_cap(failures, wait):
    assert wait_seconds(failures, free=5, cap=900) == wait


def test_ten_wrong_passwords_from_one_address_leave_the_owner_signing_in_from_another(throttled, make_member):
    member, _ = make_member()
    email = member.user.email
    statuses = [attempt(throttled, email, "10.0.0.1").status_code for _ in range(10)]
    assert statuses[:5] == [422] * 5, "the first wrong passwords are answered at once"
    assert set(statuses[5:]) <= {422, 429}
    response = attempt(throttled, email, "10.0.0.2", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_after_the_free_attempts_this_address_waits_even_with_the_right_password(throttled, make_member):
    member, _ = make_member()
    email = member.user.email
    for _ in range(5):
        assert attempt(throttled, email, "10.0.0.1").status_code == 422
    slowed = attempt(throttled, email, "10.0.0.1", PASSWORD)
    assert slowed.status_code == 429
    assert "Try again in 1 second." in slowed.get_data(as_text=True)
    assert int(slowed.headers["Retry-After"]) >= 1

    throttled.move(seconds=2)
    assert attempt(throttled, email, "10.0.0.1", PASSWORD).status_code == 302, "after the wait, the right password works"


def test_each_further_wrong_password_doubles_the_wait(throttled, make_member):
    member, _ = make_member()
    email = member.user.email
    elapsed = 0
    for n in range(1, 9):
        assert attempt(throttled, email, "10.0.0.1").status_code == 422, n
        wait = wait_seconds(n, free=5, cap=900)
        if wait:
            early = attempt(throttled, email, "10.0.0.1")
            assert early.status_code == 429 and f"Try again in {wait} second" in early.get_data(as_text=True)
            elapsed += wait
            throttled.move(seconds=elapsed)
    assert wait == 8


def test_the_right_password_starts_the_count_again(throttled, make_member):
    member, _ = make_member()
    email = member.user.email
    for _ in range(4):
        attempt(throttled, email, "10.0.0.1")
    assert attempt(throttled, email, "10.0.0.1", PASSWORD).status_code == 302
    throttled.post("/logout")
    for _ in range(4):
        assert attempt(throttled, email, "10.0.0.1").status_code == 422
    assert attempt(throttled, email, "10.0.0.1").status_code == 422, "four again, then a fifth: no wait yet"


def test_one_address_is_limited_whatever_the_accounts_it_tries(make_app, make_member):
    make_member()
    client = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute").test_client()
    codes = [attempt(client, f"person{n}@riverside.example", "10.0.0.1").status_code for n in range(1, 5)]
    assert codes == [422, 422, 422, 429]


def test_repeated_failures_reach_the_coordinators_audit_log(throttled, make_member):
    member, _ = make_member()
    for n in range(1, 11):
        attempt(throttled, member.user.email, f"10.0.1.{n}")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signin.repeated_failures")).all()
    assert [(e.community_id, e.subject_membership_id, e.details["failures"]) for e in events] == [
        (member.community_id, member.id, 5),
        (member.community_id, member.id, 10),
    ]
    coordinator, _ = make_member(role="coordinator")
    attempt(throttled, coordinator.user.email, "10.0.2.1", PASSWORD)
    page = throttled.get("/coordinate/audit")
    assert page.status_code == 200 and "signin.repeated_failures" in page.get_data(as_text=True)


def test_unknown_addresses_are_slowed_the_same_way(throttled):
    for _ in range(5):
        assert attempt(throttled, "nobody@riverside.example", "10.0.0.1").status_code == 422
    assert attempt(throttled, "nobody@riverside.example", "10.0.0.1").status_code == 429
