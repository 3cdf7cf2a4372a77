"""Sending email, only once the transaction that caused it has committed.

Services call `queue(...)`; the message waits in the session until COMMIT and is dropped on
ROLLBACK, so nobody is told about an exchange that was never recorded.
"""
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from .models.types import utcnow

log = logging.getLogger(__name__)
OUTBOX = "timebank_outbox"


def queue(session: Session, to: str, subject: str, body: str) -> bool:
    """Queue a message to send when the session commits. False when mail is switched off."""
    if current_app.config["MAIL_BACKEND"] == "none":
        return False
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    session.info.setdefault(OUTBOX, []).append(message)
    return True


def sent_messages(app) -> list[EmailMessage]:
    """The messages the "memory" backend has sent (for tests)."""
    return app.extensions.setdefault("timebank_sent_mail", [])


def deliver(app, message: EmailMessage) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend == "memory":
        sent_messages(app).append(message)
    elif backend == "console":
        log.info("email to %s: %s\n%s", message["To"], message["Subject"], message.get_content())
    elif backend == "file":
        folder = Path(app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{utcnow():%Y%m%dT%H%M%S%f}.eml").write_bytes(bytes(message))
    elif backend == "smtp":
        with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=10) as smtp:
            if app.config["MAIL_USE_TLS"]:
                smtp.starttls()
            if app.config["MAIL_USERNAME"]:
                smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
            smtp.send_message(message)


@event.listens_for(Session, "after_commit")
def _send_outbox(session):
    if session.in_nested_transaction():
        return  # a savepoint was released; the real transaction has not committed yet
    messages = session.info.pop(OUTBOX, [])
    if not messages:
        return
    app = current_app._get_current_object()
    for message in messages:
        try:
            deliver(app, message)
        except OSError:  # a mail server being down must not undo or break the page
            log.exception("could not send email to %s", message["To"])


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session):
    if session.in_nested_transaction():
        return  # a savepoint was rolled back; what the outer transaction queued still stands
    session.info.pop(OUTBOX, None)
