"""The email outbox: a message is written with what caused it, sent by a task after commit,
retried with backoff when the mail server fails, and sent exactly once."""
import smtplib
import threading
from datetime import timedelta

import pytest
from conftest import utc_now
from sqlalchemy import func, select
from tasks_support import SmtpServer, free_port, smtp_settings

from timebank import mail
from timebank.extensions import db
from timebank.mail import sent_messages
from timebank.models import OutboxMessage, OutboxStatus
from timebank.tasks.outbox import send_message, send_waiting_mail

LATER = timedelta(hours=2)  # past any retry delay the tests meet


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def queue(to="someone@example.org", subject="Subject", body="Body"):
    db.session.execute(select(func.count()).select_from(OutboxMessage))  # in a transaction, as services are
    assert mail.queue(db.session, to, subject, body)


def sweep(now=None):
    """The periodic sweep's body, at `now` (it is not run through the once-per-period guard)."""
    return send_waiting_mail(now or utc_now() + LATER)


def test_a_message_is_written_with_its_transaction_and_sent_once_after_commit(app):
    queue()
    db.session.flush()
    assert sent_messages(app) == [], "nothing is sent before the commit"
    db.session.commit()
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None
    assert [m["To"] for m in sent_messages(app)] == ["someone@example.org"]
    assert sweep() == "0 sent, 0 failed" and len(sent_messages(app)) == 1


def test_a_rolled_back_message_is_never_written(app):
    queue()
    db.session.rollback()
    db.session.commit()
    assert outbox() == [] and sent_messages(app) == []


def test_mail_switched_off_writes_nothing(make_app):
    app = make_app(MAIL_BACKEND="none")
    with app.app_context():
        assert mail.queue(db.session, "someone@example.org", "Subject", "Body") is False
        db.session.commit()
        assert outbox() == []


def test_a_message_waits_when_the_queue_is_down_and_the_sweep_sends_it(app, monkeypatch):
    def queue_down(*args, **kwargs):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr("timebank.tasks.enqueue", queue_down)
    queue()
    db.session.commit()  # the page still works
    (row,) = outbox()
    assert row.status == OutboxStatus.WAITING and row.attempts == 0 and sent_messages(app) == []
    monkeypatch.undo()
    assert sweep() == "1 sent, 0 failed"
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and len(sent_messages(app)) == 1


def test_a_failure_is_recorded_and_retried_with_backoff(app, monkeypatch):
    failures = iter([OSError("connection refused"), OSError("connection refused")])
    real_deliver = mail.deliver

    def flaky(app_, message):
        error = next(failures, None)
        if error is not None:
            raise error
        real_deliver(app_, message)

    monkeypatch.setattr(mail, "deliver", flaky)
    before = utc_now()
    queue()
    db.session.commit()
    (row,) = outbox()
    assert row.status == OutboxStatus.WAITING and row.attempts == 1 and "connection refused" in row.last_error
    first_wait = row.next_attempt_at - before
    assert timedelta(seconds=app.config["MAIL_RETRY_SECONDS"]) <= first_wait
    assert sweep(utc_now()) == "0 sent, 0 failed", "not before its retry time"
    assert sweep(row.next_attempt_at + timedelta(seconds=1)) == "0 sent, 1 failed"
    (row,) = outbox()
    assert row.attempts == 2 and row.next_attempt_at - utc_now() > first_wait - timedelta(seconds=5), "the wait doubles"
    assert sweep() == "1 sent, 0 failed"
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and row.attempts == 3 and row.last_error is None
    assert len(sent_messages(app)) == 1


def test_a_permanent_refusal_or_too_many_attempts_leaves_it_failed_and_listed(make_app, monkeypatch):
    app = make_app(MAIL_MAX_ATTEMPTS=2)
    with app.app_context():
        def refuse(app_, message):
            if message["To"] == "gone@example.org":
                raise smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"no such user")})
            raise OSError("connection refused")

        monkeypatch.setattr(mail, "deliver", refuse)
        queue(to="gone@example.org")
        queue(to="later@example.org")
        db.session.commit()
        gone, later = outbox()
        assert gone.status == OutboxStatus.FAILED and gone.attempts == 1 and "no such user" in gone.last_error
        assert later.status == OutboxStatus.WAITING
        sweep()
        gone, later = outbox()
        assert later.status == OutboxStatus.FAILED and later.attempts == 2
        assert sweep() == "0 sent, 0 failed", "a failed message is not tried again"

        result = app.test_cli_runner().invoke(args=["mail", "outbox"])
        assert result.exit_code == 0, result.output
        assert "0 waiting, 0 sending, 0 sent, 2 failed" in result.output
        assert "Failed:" in result.output and "gone@example.org" in result.output and "no such user" in result.output


def test_the_outbox_command_lists_what_waits(app, runner, monkeypatch):
    monkeypatch.setattr(mail, "deliver", lambda app_, message: (_ for _ in ()).throw(OSError("connection refused")))
    queue(to="waiting@example.org")
    db.session.commit()
    result = runner.invoke(args=["mail", "outbox"])
    assert result.exit_code == 0, result.output
    assert "1 waiting" in result.output and "Waiting:" in result.output
    assert "waiting@example.org" in result.output and "OSError: connection refused" in result.output


@pytest.mark.real_commits  # two threads, two connections
def test_two_workers_send_a_message_once(app, monkeypatch):
    """Two workers take the same message at once: one claim wins, the other sends nothing."""
    monkeypatch.setattr("timebank.tasks.enqueue", lambda *a, **k: None)  # as if no worker ran yet
    queue()
    db.session.commit()
    message_id = outbox()[0].id
    db.session.rollback()  # hold no transaction (on SQLite, no write lock) while the workers run
    sending, release = threading.Event(), threading.Event()
    delivered = []

    def slow_deliver(app_, message):
        sending.set()
        release.wait(timeout=30)
        delivered.append(message["To"])

    monkeypatch.setattr(mail, "deliver", slow_deliver)
    outcomes = {}

    def worker(name):
        with app.app_context():
            outcomes[name] = send_message(message_id)

    first = threading.Thread(target=worker, args=("first",))
    first.start()
    assert sending.wait(timeout=30)
    worker("second")  # while the first holds the claim
    release.set()
    first.join(timeout=30)
    assert outcomes == {"first": True, "second": None}
    assert delivered == ["someone@example.org"]
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.claim_token is None


def test_a_lapsed_claim_is_taken_over(app, monkeypatch):
    """A worker that died mid-send leaves its claim; once it lapses another worker sends it."""
    monkeypatch.setattr("timebank.tasks.enqueue", lambda *a, **k: None)
    queue()
    db.session.commit()
    (row,) = outbox()
    row.status, row.claim_token, row.claimed_until, row.attempts = OutboxStatus.SENDING, "dead" * 8, utc_now(), 1
    db.session.commit()
    assert send_message(row.id, now=row.claimed_until - timedelta(seconds=1)) is None
    assert sweep() == "1 sent, 0 failed"
    (row,) = outbox()
    assert row.status == OutboxStatus.SENT and row.attempts == 2 and len(sent_messages(app)) == 1


def test_a_mail_server_that_is_down_delays_mail_and_never_loses_or_repeats_it(make_app):
    """Done when: stop the SMTP server, send mail, start it again: every message arrives once."""
    server = SmtpServer(free_port())
    app = make_app(**smtp_settings(server.port))
    with app.app_context():
        server.start()
        try:
            queue(to="first@example.org")
            db.session.commit()
            assert len(server.received) == 1

            server.stop()
            for n in range(3):
                queue(to=f"down{n}@example.org")
                db.session.commit()
            rows = outbox()
            assert [r.status for r in rows] == [OutboxStatus.SENT] + [OutboxStatus.WAITING] * 3
            assert all(r.attempts == 1 and r.last_error for r in rows[1:])
            assert sweep() == "0 sent, 3 failed", "still down: they wait again"

            server.start()
            assert sweep() == "3 sent, 0 failed"
            assert sweep() == "0 sent, 0 failed"
        finally:
            server.stop()
        assert all(r.status == OutboxStatus.SENT for r in outbox())
        ids = server.message_ids()
        assert len(ids) == 4 and set(ids.values()) == {1}, ids
        recipients = sorted(raw.decode().split("To: ", 1)[1].split("\n", 1)[0].strip() for raw in server.received)
        assert recipients == ["down0@example.org", "down1@example.org", "down2@example.org", "first@example.org"]


@pytest.mark.parametrize("code, permanent", [(550, True), (450, False)])
def test_only_a_5xx_refusal_is_permanent(code, permanent):
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (code, b"refused")})
    assert mail.is_permanent(refused) is permanent
    assert mail.is_permanent(OSError("connection refused")) is False
    assert mail.is_permanent(smtplib.SMTPDataError(554, b"rejected")) is True
