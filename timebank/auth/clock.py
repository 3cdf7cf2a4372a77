"""The time as sign-in, sessions and throttling see it: the real time, unless a test puts a
clock of its own in `app.config["CLOCK"]` (a callable returning an aware datetime), so that no
test has to wait for a session or a delay to run out."""
from datetime import datetime

from flask import current_app

from ..models.types import utcnow


def now() -> datetime:
    return current_app.config.get("CLOCK", utcnow)()


def timestamp() -> int:
    return int(now().timestamp())
