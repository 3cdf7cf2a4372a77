"""Sending the email outbox: each message exactly once, with retries and backoff.

A worker claims a message with one UPDATE that only one worker can win (the row must still be
waiting and due, or its earlier claim must have lapsed), commits the claim, sends, then marks it
sent under its claim token. A failure is recorded on the row (the error, the attempt count) and
the message waits MAIL_RETRY_SECONDS, doubling up to MAIL_RETRY_MAX_SECONDS, before its next
try; a permanent refusal, or MAIL_MAX_ATTEMPTS tries, leaves it failed (kept, and listed by
`flask mail outbox`). If a worker dies after the mail server accepted a message but before it
is marked sent, the message goes again once its claim lapses (with the same Message-ID): no
mail server offers more than that.
"""
import logging
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from .. import mail
from ..extensions import db
from ..models import OutboxMessage, OutboxStatus
from ..models.types import utcnow
from .queue import enqueue, periodic, task

log = logging.getLogger(__name__)

#: How long a claim holds: far longer than sending one message can take (MAIL_SMTP_TIMEOUT per
#: step of the SMTP conversation).
CLAIM_FOR = timedelta(minutes=5)
SWEEP_BATCH = 200


@task
def deliver_mail(message_id: int) -> bool | None:
    """Send one message now (enqueued when the transaction that wrote it commits)."""
    return send_message(message_id)


@periodic(every_minutes=5)
def send_waiting_mail(now: datetime) -> str:
    """The sweep: send every message that is due (its retry time has come, its enqueue failed,
    or no worker was running when it was written)."""
    sent = failed = 0
    for message_id in due_messages(now):
        outcome = send_message(message_id, now=now)
        sent += outcome is True
        failed += outcome is False
    return f"{sent} sent, {failed} failed"


def due_messages(now: datetime, limit: int = SWEEP_BATCH) -> list[int]:
    ids = db.session.scalars(
        select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()
    return list(ids)


def send_message(message_id: int, *, now: datetime | None = None) -> bool | None:
    """Claim, send and mark one message. True when sent, False when this try failed, None when
    it was not ours to send (already sent, claimed by another worker, or not yet due)."""
    now = now or utcnow()
    token = _claim(message_id, now)
    if token is None:
        return None
    row = db.session.get(OutboxMessage, message_id)
    message = mail.message_for(row)
    attempts = row.attempts
    db.session.commit()  # hold no transaction while talking to the mail server
    try:
        mail.deliver(current_app._get_current_object(), message)
    except Exception as error:  # noqa: BLE001  (any failure is recorded and retried)
        retry_in = _record_failure(message_id, token, attempts, error)
        if retry_in is not None:
            _enqueue_retry(message_id, retry_in)
        return False
    _finish(message_id, token, status=OutboxStatus.SENT, sent_at=utcnow(), last_error=None)
    return True


def retry_delay(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["MAIL_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, config["MAIL_RETRY_MAX_SECONDS"]))


# -- helpers ---------------------------------------------------------------------------------


def _claimable(now: datetime):
    return or_(
        and_(OutboxMessage.status == OutboxStatus.WAITING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_until < now),
    )


def _claim(message_id: int, now: datetime) -> str | None:
    token = uuid.uuid4().hex
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, _claimable(now))
        .values(
            status=OutboxStatus.SENDING,
            claim_token=token,
            claimed_until=now + CLAIM_FOR,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return token if claimed == 1 else None


def _record_failure(message_id: int, token: str, attempts: int, error: Exception) -> timedelta | None:
    """Keep the error; schedule the next try, or give up. Returns the wait before the next try."""
    permanent = mail.is_permanent(error)
    give_up = permanent or attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]
    log.warning("email %s, attempt %s, failed%s: %s", message_id, attempts, " for good" if give_up else "", error)
    wait = None if give_up else retry_delay(attempts)
    _finish(
        message_id,
        token,
        status=OutboxStatus.FAILED if give_up else OutboxStatus.WAITING,
        next_attempt_at=utcnow() + (wait or timedelta(0)),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    return wait


def _finish(message_id: int, token: str, **values) -> None:
    """Update the row only if our claim still holds (if it lapsed, another worker owns it)."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
        .values(claim_token=None, claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _enqueue_retry(message_id: int, wait: timedelta) -> None:
    try:
        enqueue("deliver_mail", message_id, delay=wait.total_seconds())
    except Exception:  # noqa: BLE001  (the sweep finds it when it is due)
        log.exception("could not schedule the retry of email %s", message_id)
