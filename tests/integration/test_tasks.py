"""The task queue in immediate mode: periodic auto-confirm (once per period, safe to run twice at
once), the retention purge, and the once-per-period guard itself."""
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from conftest import utc_now
from sqlalchemy import func, select

from timebank.extensions import db
from timebank.models import (
    Confirmation,
    Entry,
    Exchange,
    ExchangeStatus,
    FormSubmission,
    IdempotencyRecord,
    OutboxMessage,
    OutboxStatus,
    PeriodicRun,
)
from timebank.services.exchanges.log import log_exchange
from timebank.tasks import run_periodic
from timebank.tasks.queue import period_start


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(Entry))


def log(membership, partner_account, minutes=60):
    exchange, _ = log_exchange(
        membership,
        gave=True,
        partner_account_id=partner_account.id,
        minutes=minutes,
        occurred_on=membership.community.today() - timedelta(days=1),
        activity_id=None,
        note=None,
        submission_id=uuid.uuid4().hex,
    )
    return exchange


def due_and_fresh(community, make_member):
    """One exchange past the auto-confirm days, one logged a day ago."""
    a, a_account = make_member()
    b, b_account = make_member()
    old, fresh = log(a, b_account, 60), log(b, a_account, 15)
    old.created_at = utc_now() - timedelta(days=community.auto_confirm_days, minutes=5)
    fresh.created_at = utc_now() - timedelta(days=1)
    ids = old.id, fresh.id
    db.session.commit()  # and no new transaction: on SQLite it would hold the write lock
    return ids


def status(exchange_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Exchange, exchange_id).status


def test_the_periodic_auto_confirm_posts_due_exchanges_once(app, community, make_member):
    old, fresh = due_and_fresh(community, make_member)
    now = utc_now()
    assert run_periodic("auto_confirm", now) == "riverside: 1 posted"
    assert status(old) == ExchangeStatus.POSTED and status(fresh) == ExchangeStatus.PENDING
    assert db.session.get(Exchange, old).confirmation == Confirmation.AUTO_TIMEOUT and entries() == 1

    assert run_periodic("auto_confirm", now) is None, "once per period"
    assert run_periodic("auto_confirm", now + timedelta(minutes=15)) == "riverside: 0 posted"
    assert entries() == 1
    runs = db.session.scalars(select(PeriodicRun).order_by(PeriodicRun.id)).all()
    assert [(r.job, r.outcome) for r in runs] == [("auto_confirm", "riverside: 1 posted"), ("auto_confirm", "riverside: 0 posted")]
    assert all(r.finished_at is not None for r in runs)


def test_the_worker_task_runs_in_immediate_mode(app, community, make_member):
    old, _fresh = due_and_fresh(community, make_member)
    app.extensions["timebank_tasks"]["auto_confirm"]()  # what the worker's scheduler enqueues
    assert status(old) == ExchangeStatus.POSTED and entries() == 1


@pytest.mark.real_commits  # two threads, two connections
def test_running_the_auto_confirm_twice_at_once_posts_nothing_twice(app, community, make_member):
    old, _fresh = due_and_fresh(community, make_member)
    now = utc_now()
    db.session.rollback()  # hold no transaction (on SQLite, no write lock) while the workers run
    start = threading.Barrier(2)
    outcomes = []

    def worker():
        with app.app_context():
            start.wait(timeout=30)
            outcomes.append(run_periodic("auto_confirm", now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes, key=str) == [None, "riverside: 1 posted"]
    assert status(old) == ExchangeStatus.POSTED and entries() == 1
    assert db.session.scalar(select(func.count()).select_from(PeriodicRun)) == 1


def test_a_repeat_of_the_auto_confirm_outside_the_guard_posts_nothing_twice(app, runner, community, make_member):
    """The CLI runs it without the period guard: the exchange is no longer pending, and its
    ledger idempotency key would refuse a second entry anyway."""
    old, _fresh = due_and_fresh(community, make_member)
    assert run_periodic("auto_confirm") == "riverside: 1 posted"
    assert "riverside: 0 posted" in runner.invoke(args=["exchanges", "auto-confirm"]).output
    assert entries() == 1
    entry = db.session.scalar(select(Entry))
    assert entry.idempotency_key == f"exchange:{old}"


def test_each_community_commits_on_its_own(app, community, make_member, monkeypatch):
    from timebank.services.communities import create_community

    create_community("hillside", "Hillside Timebank")
    db.session.commit()
    old, _fresh = due_and_fresh(community, make_member)
    import timebank.tasks.jobs as jobs

    real = jobs.auto_confirm_due

    def broken_in_hillside(community_, **kwargs):
        if community_.slug == "hillside":
            raise RuntimeError("hillside is broken")
        return real(community_, **kwargs)

    monkeypatch.setattr(jobs, "auto_confirm_due", broken_in_hillside)
    outcome = run_periodic("auto_confirm")
    assert outcome == "riverside: 1 posted; hillside: failed (see the log)"
    assert status(old) == ExchangeStatus.POSTED


def test_the_purge_removes_only_old_guards_against_repeats(app, community, make_member):
    member, _ = make_member()
    user_id = member.user_id
    now = utc_now()
    old = now - timedelta(days=app.config["RETENTION_DAYS"] + 1)
    recent = now - timedelta(days=1)
    for n, when in enumerate((old, recent)):
        db.session.add(FormSubmission(user_id=user_id, submission_id=f"form-{n}", result_url="/", created_at=when))
        db.session.add(
            IdempotencyRecord(user_id=user_id, key=f"key-{n}", fingerprint="f" * 64, status="done", created_at=when)
        )
        db.session.add(
            OutboxMessage(
                from_address="a@example.org", to_address="b@example.org", subject="s", body="b",
                status=OutboxStatus.SENT, created_at=when, sent_at=when,
            )
        )
    waiting = OutboxMessage(
        from_address="a@example.org", to_address="c@example.org", subject="s", body="b",
        status=OutboxStatus.FAILED, created_at=old, next_attempt_at=old,
    )
    db.session.add(waiting)
    db.session.add(PeriodicRun(job="auto_confirm", period_start=now - timedelta(days=30), started_at=now - timedelta(days=30)))
    db.session.commit()

    outcome = run_periodic("purge_old_records", now)
    assert outcome == "1 form submissions, 1 idempotency keys, 1 sent emails, 1 periodic runs"
    assert db.session.scalars(select(FormSubmission.submission_id)).all() == ["form-1"]
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["key-1"]
    assert sorted(db.session.scalars(select(OutboxMessage.to_address))) == ["b@example.org", "c@example.org"], (
        "a failed message is kept"
    )
    assert db.session.scalars(select(PeriodicRun.job)).all() == ["purge_old_records"]


def test_periods_start_on_the_hour_and_at_midnight():
    at = datetime(2026, 12, 4, 13, 44, 59, tzinfo=UTC)
    assert period_start(at, 15) == datetime(2026, 12, 4, 13, 30, tzinfo=UTC)
    assert period_start(at, 5) == datetime(2026, 12, 4, 13, 40, tzinfo=UTC)
    assert period_start(at, 1440) == datetime(2026, 12, 4, tzinfo=UTC)


def test_the_tasks_commands_run_a_job_and_show_the_last_runs(app, runner, community, make_member):
    due_and_fresh(community, make_member)
    first = runner.invoke(args=["tasks", "run", "auto_confirm"])
    assert first.exit_code == 0 and first.output.strip() == "riverside: 1 posted", first.output
    again = runner.invoke(args=["tasks", "run", "auto_confirm"])
    assert again.exit_code == 0 and "already ran in this period" in again.output
    runs = runner.invoke(args=["tasks", "runs"])
    assert runs.exit_code == 0 and "auto_confirm" in runs.output and "riverside: 1 posted" in runs.output
    unknown = runner.invoke(args=["tasks", "run", "nothing"])
    assert unknown.exit_code == 1 and "the jobs are auto_confirm, expire_listings, purge_old_records, send_waiting_mail, sweep_past_retention, weekly_digest" in unknown.output
