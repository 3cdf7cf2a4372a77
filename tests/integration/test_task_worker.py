"""Once through a real worker process: `flask tasks worker`'s consumer, a SQLite file database and
a SqliteHuey file queue. The mail server is down when the mail is written, and comes up later:
every message arrives exactly once."""
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import utc_now
from flask_migrate import upgrade
from sqlalchemy import select
from tasks_support import SmtpServer, free_port, smtp_settings, wait_until, worker_config

from timebank import create_app, mail
from timebank.extensions import db
from timebank.models import OutboxMessage, OutboxStatus
from timebank.tasks.outbox import send_waiting_mail

ROOT = Path(__file__).resolve().parents[2]

WORKER = """
import sys
sys.path.insert(0, "tests")
from tasks_support import smtp_settings, worker_config
from timebank import create_app
from timebank.cli.tasks import run_worker

database_url, queue_file, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
settings = smtp_settings(port, MAIL_RETRY_SECONDS=1, MAIL_RETRY_MAX_SECONDS=1, MAIL_MAX_ATTEMPTS=10_000)
app = create_app(worker_config(database_url, queue_file, **settings))
run_worker(app, workers=2, max_delay=0.2)
"""


def statuses() -> list[tuple[str, int]]:
    rows = db.session.execute(select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)).all()
    db.session.rollback()  # hold no transaction (on SQLite, the write lock) between polls
    return [tuple(row) for row in rows]


@pytest.fixture
def worker_app(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'timebank.sqlite'}"
    server = SmtpServer(free_port())
    settings = smtp_settings(server.port, MAIL_RETRY_SECONDS=1, MAIL_RETRY_MAX_SECONDS=1, MAIL_MAX_ATTEMPTS=10_000)
    app = create_app(worker_config(database_url, str(tmp_path / "tasks.sqlite"), **settings))
    with app.app_context():
        upgrade()
        yield app, server
        db.session.remove()
        db.engine.dispose()
    server.stop()


def test_a_real_worker_delivers_mail_once_after_the_mail_server_comes_back(worker_app):
    app, server = worker_app
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    queue_file = app.config["TASK_QUEUE_URL"].removeprefix("sqlite:///")
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, url, queue_file, str(server.port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        for n in range(3):
            assert mail.queue(db.session, f"person{n}@example.org", f"Message {n}", "Body")
            db.session.commit()  # enqueued on the SqliteHuey file for the worker
        # The server is down: the worker tries each message and records the failure.
        wait_until(lambda: all(attempts >= 1 for _, attempts in statuses()), what="the worker's first tries")
        # Waiting for the next try, or in it already (the worker retries every second): never
        # sent, never given up.
        assert all(status in (OutboxStatus.WAITING, OutboxStatus.SENDING) for status, _ in statuses())
        assert server.received == []

        server.start()
        wait_until(lambda: all(status == OutboxStatus.SENT for status, _ in statuses()), what="the messages to be sent")
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert worker.returncode == 0, output[-3000:]
    assert send_waiting_mail(utc_now() + timedelta(hours=2)) == "0 sent, 0 failed", "nothing is left to send"
    ids = server.message_ids()
    assert len(ids) == 3 and set(ids.values()) == {1}, (ids, output[-3000:])
