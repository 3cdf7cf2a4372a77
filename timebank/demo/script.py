"""The coordinator's side of the demo as a script: dated actions, planned first, then played.

Every scenario plans its actions with the seed's own `random.Random`, each at the time it
happened; `Script.play` then plays them in date order (in plan order on a tie), calling each
with `now`, the time it plays at, which it hands to the services it calls. So the audit log
reads in order and every rule of the services holds. An action plays inside a request from
the address it came from (the office, or an applicant's home), so that its audit events say
where it came from, as they would from a page. No email is sent: the demo's people are made
up. Nothing is dated today or later, except the member who leaves: so the demo depends on the
day it is seeded, never on the time of day.
"""
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import current_app

from .. import mail
from ..extensions import db
from ..models import Community

OFFICE = "192.0.2.10"  # documentation addresses (RFC 5737): where the coordinator works from
PUBLIC = "203.0.113."  # and where applicants apply from

#: An action: called with the time it plays at.
Action = Callable[..., object]


class Script:
    def __init__(self, rng: random.Random, community: Community, now: datetime):
        self.rng, self.now = rng, now
        self.today = community.today(now)
        # What the coordinator did, they did before today (see the module's docstring).
        self.latest = datetime.combine(self.today, time(0), ZoneInfo(community.timezone)).astimezone(UTC)
        self.latest -= timedelta(minutes=1)
        self.last_day = self.today - timedelta(days=1)
        self.actions: list[tuple[datetime, int, Action, str]] = []

    def at(self, when: datetime | None, action: Action, address: str = OFFICE) -> None:
        """Play `action(now=when)` at `when` (None: last, now)."""
        when = self.now if when is None else min(when, self.latest)
        self.actions.append((when, len(self.actions), action, address))

    def play(self) -> None:
        """Play the actions in date order, each from its address, sending no email."""
        app = current_app._get_current_object()
        config = app.config
        backend, config["MAIL_BACKEND"] = config["MAIL_BACKEND"], "none"
        try:
            played = sorted(self.actions, key=lambda a: (a[0], a[1]))
            for address, actions in groupby(played, key=lambda a: a[3]):  # one request per address in a row
                with app.test_request_context(method="POST", environ_base={"REMOTE_ADDR": address}):
                    for when, _, action, _ in actions:
                        action(now=when)
            db.session.flush()
        finally:
            config["MAIL_BACKEND"] = backend
            db.session.info.pop(mail.OUTBOX, None)

    # -- time ------------------------------------------------------------------------------

    def moment(self, day: date, first: int = 9, last: int = 17) -> datetime:
        """A time on `day` (yesterday at the latest) between `first` and `last` o'clock, UTC."""
        hour, minute = self.rng.randint(first, last), self.rng.randrange(60)
        moment = datetime.combine(min(day, self.last_day), time(hour, minute), UTC)
        return min(moment, self.latest)

    def later(self, when: datetime, least_minutes: int, most_minutes: int) -> datetime:
        """Some minutes after `when`, moved on to the next morning if that falls in the night,
        and (without going back before `when`) not after yesterday."""
        most_minutes = max(least_minutes, most_minutes)
        minutes = self.rng.randint(least_minutes, most_minutes)
        later = when + timedelta(minutes=minutes)
        if later.hour >= 21:
            later = datetime.combine(later.date() + timedelta(days=1), time(8, later.minute), UTC)
        elif later.hour < 8:
            later = datetime.combine(later.date(), time(8, later.minute), UTC)
        if later > self.latest:
            later = when + (self.latest - when) * (minutes / (most_minutes + 1)) if when < self.latest else self.latest
        return later

    def ago(self, least: int, most: int, not_before: date | None = None) -> date:
        day = self.today - timedelta(days=self.rng.randint(least, most))
        return max(day, not_before) if not_before else day


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (or later, if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
