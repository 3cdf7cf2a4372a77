"""The demo's script plays its actions in date order, each told its time and made from its address."""
import random
from datetime import UTC, datetime, timedelta

from flask import current_app, request

from timebank.demo.script import OFFICE, Script

NOW = datetime(2026, 3, 18, 10, 30, tzinfo=UTC)


class Community:
    timezone = "Europe/London"

    def today(self, now=None):
        return (now or NOW).date()


def test_actions_play_in_date_order_with_their_time_and_address_and_send_no_mail(app):
    script = Script(random.Random(1), Community(), NOW)
    played = []

    def action(label, *, now):
        played.append((label, now, request.remote_addr, current_app.config["MAIL_BACKEND"]))

    backend = app.config["MAIL_BACKEND"]
    script.at(NOW - timedelta(days=1), lambda now: action("second", now=now), "203.0.113.7")
    script.at(NOW - timedelta(days=3), lambda now: action("first", now=now))
    script.at(NOW - timedelta(days=1), lambda now: action("third, on a tie", now=now))
    script.play()

    assert played == [
        ("first", NOW - timedelta(days=3), OFFICE, "none"),
        ("second", NOW - timedelta(days=1), "203.0.113.7", "none"),
        ("third, on a tie", NOW - timedelta(days=1), OFFICE, "none"),
    ]
    assert app.config["MAIL_BACKEND"] == backend
