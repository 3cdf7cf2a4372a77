"""Helpers for the task-queue tests: a local SMTP server (aiosmtpd), free ports, bounded polls,
and an app with a real (not immediate) queue for a worker process."""
import socket
import time
from collections import Counter

from aiosmtpd.controller import Controller

import config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """A mail server on 127.0.0.1:`port` that keeps what it receives, and can be stopped and
    started again on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.received: list[bytes] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.received.append(envelope.original_content or envelope.content)
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> Counter:
        ids = Counter()
        for raw in self.received:
            for line in raw.decode(errors="replace").splitlines():
                if line.lower().startswith("message-id:"):
                    ids[line.split(":", 1)[1].strip()] += 1
        return ids


def smtp_settings(port: int, **extra) -> dict:
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_SMTP_TIMEOUT": 5, **extra}


def worker_config(database_url: str, queue_file: str, **extra):
    """A testing config with a real SqliteHuey queue in `queue_file`, for a worker process."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TASK_QUEUE_IMMEDIATE": False,
        "TASK_QUEUE_URL": f"sqlite:///{queue_file}",
        **extra,
    }
    return type("WorkerTesting", (config.Testing,), settings)


def wait_until(condition, *, timeout: float = 180.0, interval: float = 0.1, what: str = "the condition"):
    """Poll `condition()` until it is true; fail (not hang) when `timeout` passes first. The
    bound only stops a broken test: nothing is asserted about how long it took."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(interval)
