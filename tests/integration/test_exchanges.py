"""The exchange workflow (services/exchanges.py) on both databases."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from timebank import errors
from timebank.extensions import db
from timebank.ledger import close_period, verify
from timebank.mail import sent_messages
from timebank.models import Confirmation, Entry, ExchangeStatus, Notification
from timebank.services.communities import create_organisation_account
from timebank.services.exchanges.auto_confirm import auto_confirm_due
from timebank.services.exchanges.confirm import cancel_exchange, confirm_exchange, decline_exchange
from timebank.services.exchanges.log import log_exchange
from timebank.services.exchanges.pending import pending_for


@pytest.fixture
def pair(make_member):
    a, a_account = make_member(kind="service_user", name="Alice")
    b, b_account = make_member(kind="professional", name="Bola")
    return a, a_account, b, b_account


def log(membership, partner_account, minutes=90, gave=True, days_ago=1, submission=None, **kw):
    today = membership.community.today()
    return log_exchange(
        membership,
        gave=gave,
        partner_account_id=partner_account.id,
        minutes=minutes,
        occurred_on=today - timedelta(days=days_ago),
        activity_id=None,
        note=kw.pop("note", None),
        submission_id=submission or uuid.uuid4().hex,
        **kw,
    )


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def test_logged_exchange_waits_for_the_other_member_then_posts(app, pair):
    a, a_account, b, b_account = pair
    exchange, created = log(a, b_account, minutes=90, gave=True)
    db.session.commit()
    assert created and exchange.status == ExchangeStatus.PENDING and entries() == 0
    to_confirm, awaiting = pending_for(b_account.id)
    assert [e.id for e in to_confirm] == [exchange.id] and awaiting == []
    assert [e.id for e in pending_for(a_account.id)[1]] == [exchange.id]
    note = db.session.scalar(select(Notification).where(Notification.user_id == b.user_id))
    assert note.kind == "exchange_logged_gave" and note.params["name"] == "Alice"

    confirm_exchange(exchange.id, b.user)
    db.session.commit()
    db.session.refresh(a_account)
    db.session.refresh(b_account)
    assert exchange.status == ExchangeStatus.POSTED and exchange.confirmation == Confirmation.MEMBER
    assert (a_account.balance, b_account.balance) == (90, -90)
    entry = db.session.get(Entry, exchange.entry_id)
    assert entry.confirmed_by_id == b.user_id and entry.recorded_by_id == a.user_id
    assert all(check.ok for check in verify())
    posted = db.session.scalars(select(Notification).where(Notification.kind == "exchange_posted")).all()
    assert {n.user_id for n in posted} == {a.user_id, b.user_id}
    assert {n.params["balance"] for n in posted} == {90, -90}


def test_emails_go_only_after_commit_and_say_the_new_balance(app, pair):
    a, a_account, b, b_account = pair
    exchange, _ = log(a, b_account, minutes=60)
    db.session.rollback()
    assert sent_messages(app) == []
    exchange, _ = log(a, b_account, minutes=60)
    db.session.commit()
    assert [m["To"] for m in sent_messages(app)] == [b.user.email]
    confirm_exchange(exchange.id, b.user)
    db.session.commit()
    bodies = {m["To"]: m.get_content() for m in sent_messages(app)[1:]}
    assert "balance is now 1 h" in bodies[a.user.email]
    assert "balance is now \u22121 h" in bodies[b.user.email]


def test_received_time_makes_the_partner_the_giver(app, pair):
    a, a_account, b, b_account = pair
    exchange, _ = log(a, b_account, minutes=30, gave=False)
    confirm_exchange(exchange.id, b.user)
    db.session.commit()
    db.session.refresh(a_account)
    assert exchange.giver_account_id == b_account.id and a_account.balance == -30


def test_a_repeated_submission_gives_the_same_exchange(app, pair):
    a, _, _, b_account = pair
    first, created = log(a, b_account, submission="same-form")
    second, again = log(a, b_account, submission="same-form")
    assert created and not again and first.id == second.id


def test_someone_else_reusing_a_submission_id_is_refused(app, pair, make_member):
    a, a_account, b, b_account = pair
    log(a, b_account, submission="same-form")
    with pytest.raises(errors.SubmissionConflict):
        log(b, a_account, submission="same-form")


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"minutes": 0}, errors.MinutesOutOfRange),
        ({"minutes": 24 * 60 + 1}, errors.MinutesOutOfRange),
        ({"days_ago": -1}, errors.FutureDate),
        ({"days_ago": 400}, errors.DateTooOld),
    ],
)
def test_bad_exchanges_are_refused(app, pair, kwargs, error):
    a, _, _, b_account = pair
    with pytest.raises(error):
        log(a, b_account, **kwargs)


def test_no_exchange_with_oneself_or_another_community(app, pair, make_member):
    from timebank.services.communities import create_community

    a, a_account, _, _ = pair
    with pytest.raises(errors.PartnerUnavailable):
        log(a, a_account)
    elsewhere = create_community("elsewhere", "Elsewhere")
    _, stranger = make_member(target=elsewhere)
    with pytest.raises(errors.PartnerUnavailable):
        log(a, stranger)


def test_dated_into_a_closed_month_is_refused_with_advice(app, pair):
    a, _, _, b_account = pair
    today = a.community.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    close_period(a.community_id, last_month, closed_by_id=None)
    with pytest.raises(errors.PeriodClosed, match="record it as a late entry"):
        log(a, b_account, days_ago=(today - last_month).days)


def test_decline_and_cancel(app, pair):
    a, a_account, b, b_account = pair
    declined, _ = log(a, b_account)
    decline_exchange(declined.id, b.user, "Not me")
    cancelled, _ = log(a, b_account)
    cancel_exchange(cancelled.id, a.user)
    db.session.commit()
    assert (declined.status, cancelled.status) == (ExchangeStatus.DECLINED, ExchangeStatus.CANCELLED)
    assert entries() == 0
    with pytest.raises(errors.ExchangeNotPending):
        confirm_exchange(declined.id, b.user)
    # Only the other side confirms or declines; only the logger cancels.
    other, _ = log(a, b_account)
    with pytest.raises(errors.NotFound):
        confirm_exchange(other.id, a.user)
    with pytest.raises(errors.NotFound):
        cancel_exchange(other.id, b.user)


def test_confirming_past_a_limit_is_refused_and_stays_pending(app, make_member):
    a, a_account = make_member()
    b, b_account = make_member(floor=-60)
    exchange, _ = log(a, b_account, minutes=90)
    with pytest.raises(errors.LimitExceeded):
        confirm_exchange(exchange.id, b.user)
    db.session.rollback()
    assert exchange.status == ExchangeStatus.PENDING and entries() == 0


def test_auto_confirm_posts_exchanges_past_the_community_days(app, community, make_member, now):
    a, a_account = make_member()
    b, b_account = make_member()
    c, c_account = make_member(floor=0)
    old, _ = log(a, b_account, minutes=60)
    too_poor, _ = log(a, c_account, minutes=60)
    fresh, _ = log(b, a_account, minutes=15)
    later = now + timedelta(days=community.auto_confirm_days, minutes=1)
    fresh.created_at = later - timedelta(days=1)
    posted, failed = auto_confirm_due(community, now=later)
    db.session.commit()
    assert (posted, failed) == (1, 1)
    assert old.status == ExchangeStatus.POSTED and old.confirmation == Confirmation.AUTO_TIMEOUT
    assert too_poor.status == ExchangeStatus.PENDING and "limit" in too_poor.last_error
    assert fresh.status == ExchangeStatus.PENDING
    assert all(check.ok for check in verify())


def test_community_that_auto_confirms_posts_at_once(app, community, make_member):
    community.auto_confirm_days = 0
    a, _ = make_member()
    _, b_account = make_member()
    exchange, _ = log(a, b_account, minutes=45)
    db.session.commit()
    assert exchange.status == ExchangeStatus.POSTED and entries() == 1


def test_time_with_an_organisation_is_confirmed_by_a_coordinator(app, community, make_member):
    a, _ = make_member()
    coordinator, _ = make_member(role="coordinator", kind="professional")
    clinic = create_organisation_account(community.id, "Health Centre", floor=None)
    exchange, _ = log(a, clinic, minutes=120, gave=True)
    db.session.commit()
    asked = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.user_id))
    assert asked.kind == "exchange_needs_coordinator"
    with pytest.raises(errors.NotFound):
        confirm_exchange(exchange.id, a.user)
    confirm_exchange(exchange.id, coordinator.user)
    db.session.commit()
    assert exchange.status == ExchangeStatus.POSTED


def test_auto_confirm_command_posts_what_is_due(app, runner, community, make_member, now):
    a, _ = make_member()
    _, b_account = make_member()
    exchange, _ = log(a, b_account, minutes=60)
    exchange.created_at = now - timedelta(days=community.auto_confirm_days + 1)
    db.session.commit()
    result = runner.invoke(args=["exchanges", "auto-confirm"])
    assert result.exit_code == 0, result.output
    assert "riverside: 1 posted" in result.output
    db.session.refresh(exchange)
    assert exchange.status == ExchangeStatus.POSTED and exchange.confirmation == Confirmation.AUTO_TIMEOUT
    again = runner.invoke(args=["exchanges", "auto-confirm", "--community", "riverside"])
    assert "riverside: 0 posted" in again.output and entries() == 1
    assert runner.invoke(args=["exchanges", "auto-confirm", "--community", "nowhere"]).exit_code == 1


def test_email_waits_for_the_real_commit_not_a_savepoint(app):
    from timebank import mail

    db.session.execute(select(func.count()).select_from(Entry))
    mail.queue(db.session, "someone@example.org", "Subject", "Body")
    with db.session.begin_nested():
        pass  # releasing a savepoint is not a commit
    assert sent_messages(app) == []
    try:
        with db.session.begin_nested():
            raise RuntimeError("a failed step inside the transaction")
    except RuntimeError:
        pass
    db.session.commit()
    assert [m["To"] for m in sent_messages(app)] == ["someone@example.org"]
    db.session.execute(select(func.count()).select_from(Entry))  # in a transaction, as services are
    mail.queue(db.session, "nobody@example.org", "Subject", "Body")
    db.session.rollback()
    db.session.commit()
    assert [m["To"] for m in sent_messages(app)] == ["someone@example.org"]
