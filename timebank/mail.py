"""Email, through an outbox: sent if and only if the transaction that caused it commits.

Services call `queue(...)`, which adds an `OutboxMessage` row to the session: it commits with
what caused it, and vanishes with it on ROLLBACK, so nobody is told about an exchange that was
never recorded. After COMMIT a task is enqueued to send each new message (timebank/tasks/
outbox.py); if that enqueue fails, or no worker is running, the periodic sweep finds the row
later. A mail server that is down delays mail; it never loses it.

Header values are built so that no stored value can break them (`header_text`, `to_header`):
a display name or subject holding a line break ("Sam\\r\\nBcc: x") becomes one line, both when
the message is queued and again when it is built from its row, so a row written before that
rule still sends rather than failing on every try.
"""
import logging
import smtplib
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path

from flask import current_app
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .input_rules import without_control_characters
from .models import OutboxMessage
from .models.types import utcnow

log = logging.getLogger(__name__)
#: The session's messages added in this transaction, to enqueue once it commits.
OUTBOX = "timebank_outbox"


def queue(session: Session, to: str, subject: str, body: str) -> bool:
    """Write a message to the outbox, to send once the session commits. False when mail is
    switched off."""
    if current_app.config["MAIL_BACKEND"] == "none":
        return False
    row = OutboxMessage(
        from_address=header_text(current_app.config["MAIL_FROM"]), to_address=header_text(to), subject=header_text(subject)[:300], body=body
    )
    session.add(row)
    session.info.setdefault(OUTBOX, []).append(row)
    return True


def header_text(value: str) -> str:
    """`value` as one line, safe in an email header: every control character a space."""
    return " ".join(without_control_characters(value or "").split())


def to_header(address: str) -> Address | str:
    """The To header for a bare address, built as an `Address` (which quotes what needs it)."""
    address = header_text(address)
    try:
        return Address(addr_spec=address)
    except (ValueError, IndexError, HeaderParseError):
        return address


def message_for(row: OutboxMessage) -> EmailMessage:
    message = EmailMessage()
    message["From"] = header_text(row.from_address)
    message["To"] = to_header(row.to_address)
    message["Subject"] = header_text(row.subject)
    # One Message-ID per outbox row: a message sent again after a crash is the same message.
    message["Message-ID"] = f"<outbox-{row.id}-{row.created_at:%Y%m%d%H%M%S}@timebank>"
    message.set_content(row.body)
    return message


def sent_messages(app) -> list[EmailMessage]:
    """The messages the "memory" backend has sent (for tests)."""
    return app.extensions.setdefault("timebank_sent_mail", [])


def deliver(app, message: EmailMessage) -> None:
    backend = app.config["MAIL_BACKEND"]
    if backend == "none":
        return  # switched off since the message was written
    if backend == "memory":
        sent_messages(app).append(message)
    elif backend == "console":
        log.info("email to %s: %s\n%s", message["To"], message["Subject"], message.get_content())
    elif backend == "file":
        folder = Path(app.config["MAIL_FILE_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{utcnow():%Y%m%dT%H%M%S%f}.eml").write_bytes(bytes(message))
    elif backend == "smtp":
        timeout = app.config.get("MAIL_SMTP_TIMEOUT", 10)
        with smtplib.SMTP(app.config["MAIL_SERVER"], app.config["MAIL_PORT"], timeout=timeout) as smtp:
            if app.config["MAIL_USE_TLS"]:
                smtp.starttls()
            if app.config["MAIL_USERNAME"]:
                smtp.login(app.config["MAIL_USERNAME"], app.config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")


def is_permanent(error: Exception) -> bool:
    """Whether the mail server refused this message for good (a 5xx about the recipients or
    the content), so that trying again cannot help. Anything else (the server down, a timeout,
    a 4xx, bad credentials) is worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return bool(error.recipients) and all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


@event.listens_for(Session, "after_commit")
def _send_outbox(session):
    if session.in_nested_transaction():
        return  # a savepoint was released; the real transaction has not committed yet
    rows = session.info.pop(OUTBOX, [])
    # A row added inside a savepoint that was rolled back has no identity: it was never written.
    ids = [identity[0] for identity in (inspect(row).identity for row in rows) if identity]
    if not ids:
        return
    from .tasks import enqueue

    for message_id in ids:
        try:
            enqueue("deliver_mail", message_id)
        except Exception:  # the queue being down must not break the page: the sweep sends it
            log.exception("could not enqueue email %s; the periodic sweep will send it", message_id)


@event.listens_for(Session, "after_rollback")
def _drop_outbox(session):
    if session.in_nested_transaction():
        return  # a savepoint was rolled back; what the outer transaction queued still stands
    session.info.pop(OUTBOX, None)
