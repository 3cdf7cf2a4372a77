"""Late entries (DESIGN.md section 3, I8): an exchange that happened in a closed month is booked
in an open one, keeping its service date; the closed month's seal still holds, and its report
shows the change as restated. On both databases."""
import uuid
from datetime import timedelta

import pytest
from conftest import months_ago
from sqlalchemy import select

from timebank import errors
from timebank.extensions import db
from timebank.ledger import exchange, post_entry, verify
from timebank.ledger.periods import compute_seal
from timebank.metrics import get_report
from timebank.models import Entry, ExchangeStatus, Notification, ReportingPeriod
from timebank.services.exchanges.confirm import confirm_exchange
from timebank.services.exchanges.log import log_exchange
from timebank.services.exchanges.on_behalf import confirm_on_behalf
from timebank.services.exchanges.stuck import cancel_for, decline_for, is_stuck, record_late, stuck
from timebank.services.periods import close_month

LAST_MONTH = months_ago(1)
END_OF_LAST_MONTH = months_ago(0) - timedelta(days=1)


@pytest.fixture
def world(make_member, community):
    community.backdate_days = 400
    a, a_account = make_member(kind="service_user", name="Alice")
    b, b_account = make_member(kind="professional", name="Bola")
    coordinator, _ = make_member(role="coordinator", name="Cleo")
    db.session.commit()
    return community, a, a_account, b, b_account, coordinator


def stuck_exchange(world, now, minutes=60):
    """Alice logs time she gave Bola last month; then last month is closed (and frozen)."""
    community, a, _a_account, _b, b_account, coordinator = world
    ex, _ = log_exchange(
        a, gave=True, partner_account_id=b_account.id, minutes=minutes, occurred_on=LAST_MONTH.replace(day=10),
        activity_id=None, note=None, submission_id=uuid.uuid4().hex, now=now,
    )
    close_month(community, LAST_MONTH, actor_id=coordinator.user_id, now=now)
    db.session.commit()
    return ex


def test_a_late_entry_keeps_its_date_is_booked_now_and_the_seal_holds(app, world, now, today):
    community, a, a_account, b, b_account, _ = world
    ex = stuck_exchange(world, now)
    period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.community_id == community.id))
    assert is_stuck(ex)
    assert [row.id for row in db.session.execute(stuck(community.id))] == [ex.id]
    with pytest.raises(errors.PeriodClosed):
        confirm_exchange(ex.id, b.user, now=now)  # an ordinary confirmation cannot book it there
    db.session.rollback()

    record_late(ex.id, b.user, now=now + timedelta(minutes=1))
    db.session.commit()
    entry = db.session.get(Entry, ex.entry_id)
    assert ex.status == ExchangeStatus.POSTED
    assert entry.occurred_on == LAST_MONTH.replace(day=10) and entry.booked_on == community.today(now + timedelta(minutes=1))
    assert compute_seal(community.id, LAST_MONTH) == (period.seal, period.entry_count)
    assert all(check.ok for check in verify(community.id)), [c.violations for c in verify(community.id) if not c.ok]
    assert {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "exchange_posted"))} == {
        a.user_id, b.user_id
    }
    # The closed month's report, for a coordinator: as reported, and restated by the late entry.
    report = get_report(community, LAST_MONTH, END_OF_LAST_MONTH, suppress=False)
    assert report["restated"]["changed"] and report["restated"]["reasons"]["late_entries"] == 1
    assert report["restated"]["reasons"]["late_minutes"] == 60
    assert report["restated"]["figures"]["A2.hours"]["difference"] == 1.0
    assert stuck_rows(community) == []


def stuck_rows(community):
    return list(db.session.execute(stuck(community.id)))


def test_only_a_late_entry_may_have_a_closed_service_month(app, world, now):
    community, _a, a_account, _b, b_account, _ = world
    stuck_exchange(world, now)
    plain = exchange(community.id, a_account.id, b_account.id, 30, LAST_MONTH.replace(day=3))
    with pytest.raises(errors.PeriodClosed):
        post_entry(plain, now=now)
    db.session.rollback()
    late = exchange(community.id, a_account.id, b_account.id, 30, LAST_MONTH.replace(day=3), late=True)
    entry, _ = post_entry(late, now=now)
    assert entry.booked_on is not None
    # In an open month the flag changes nothing: booked in its own month.
    open_one, _ = post_entry(exchange(community.id, a_account.id, b_account.id, 30, community.today(now), late=True), now=now)
    assert open_one.booked_on is None
    db.session.commit()
    assert all(check.ok for check in verify(community.id))


def test_a_coordinator_confirms_a_stuck_exchange_as_late_with_a_limit_override(app, world, now):
    community, a, a_account, b, b_account, coordinator = world
    b_account.floor = 0
    db.session.commit()
    ex = stuck_exchange(world, now, minutes=120)
    with pytest.raises(errors.LimitExceeded):
        confirm_on_behalf(coordinator, ex.id, "phone", now=now)
    db.session.rollback()
    with pytest.raises(errors.ReasonRequired):
        confirm_on_behalf(coordinator, ex.id, "phone", limit_override=True, reason=" ", now=now)
    db.session.rollback()
    confirm_on_behalf(coordinator, ex.id, "phone", limit_override=True, reason="Agreed with Bola by phone", now=now)
    db.session.commit()
    entry = db.session.get(Entry, ex.entry_id)
    assert entry.limit_override and entry.reason == "Agreed with Bola by phone" and entry.booked_on is not None
    assert all(check.ok for check in verify(community.id))


@pytest.mark.parametrize("act, status, kind", [
    (decline_for, ExchangeStatus.DECLINED, "exchange_declined_for"),
    (cancel_for, ExchangeStatus.CANCELLED, "exchange_cancelled_for"),
])
def test_a_coordinator_declines_or_cancels_on_behalf_telling_both(app, world, now, act, status, kind):
    from timebank.models import AuditEvent

    community, a, _a_account, b, _b_account, coordinator = world
    ex = stuck_exchange(world, now)
    with pytest.raises(errors.ReasonRequired):
        act(coordinator, ex.id, "  ", now=now)
    act(coordinator, ex.id, "Never happened", now=now)
    db.session.commit()
    assert ex.status == status and ex.entry_id is None
    told = db.session.scalars(select(Notification).where(Notification.kind == kind)).all()
    assert {n.user_id for n in told} == {a.user_id, b.user_id}
    assert all(n.params["reason"] == "Never happened" for n in told)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.target_type == "exchange", AuditEvent.target_id == ex.id))
    assert event.actor_id == coordinator.user_id and event.details["reason"] == "Never happened"
    with pytest.raises(errors.ExchangeNotPending):
        act(coordinator, ex.id, "Again", now=now)


def test_a_coordinator_records_a_late_entry_directly_only_when_asked(app, world, now):
    from timebank.services.exchanges.on_behalf import record_exchange

    community, _a, a_account, _b, b_account, coordinator = world
    stuck_exchange(world, now)
    args = dict(
        giver_account_id=a_account.id, receiver_account_id=b_account.id, minutes=45, occurred_on=LAST_MONTH.replace(day=20),
        activity_id=None, confirmation="paper", note=None,
    )
    with pytest.raises(errors.PeriodClosed, match="Record it as a late entry"):
        record_exchange(coordinator, submission_id="late-1", **args, now=now)
    db.session.rollback()
    entry, created = record_exchange(coordinator, submission_id="late-2", late=True, **args, now=now)
    db.session.commit()
    assert created and entry.occurred_on == LAST_MONTH.replace(day=20) and entry.booked_on is not None
    assert all(check.ok for check in verify(community.id))


def test_verify_finds_an_entry_booked_into_a_month_already_closed(app, world, now):
    """I8's new half: a late entry must be booked in a month that was open when it was recorded.
    Written past the ledger core, as tampering would be, and never committed."""
    from sqlalchemy import insert

    from timebank.models import Posting

    community, _a, a_account, _b, b_account, _ = world
    stuck_exchange(world, now)
    assert all(check.ok for check in verify(community.id))
    entry_id = db.session.execute(
        insert(Entry.__table__).returning(Entry.__table__.c.id),
        {
            "community_id": community.id, "kind": "exchange", "occurred_on": LAST_MONTH.replace(day=3),
            "booked_on": LAST_MONTH.replace(day=5), "recorded_at": now + timedelta(hours=1), "content_hash": "x" * 64,
            "limit_override": False,
        },
    ).scalar_one()
    db.session.execute(insert(Posting.__table__), [
        {"entry_id": entry_id, "account_id": a_account.id, "minutes": 5, "holder_kind": "service_user", "sequence": 900,
         "balance_after": 5},
        {"entry_id": entry_id, "account_id": b_account.id, "minutes": -5, "holder_kind": "professional", "sequence": 900,
         "balance_after": -5},
    ])
    (i8,) = [check for check in verify(community.id) if check.invariant == "I8"]
    assert any(f"entry {entry_id}: a late entry" in violation for violation in i8.violations)
    db.session.rollback()
