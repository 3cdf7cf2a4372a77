"""What needs a coordinator's attention, for the dashboard.

Each kind of alert is a set query over the whole community (never a query per member) that
returns the first few rows to show and, through a window count, how many there are in all; the
three about how members take part (quiet, only gave, only received) share one statement, so the
window's exchanges are added up once. The dashboard costs the same handful of queries for ten
members or ten thousand.

The kinds live in `participation` (how members take part, where the wording matters most) and
`waiting` (what waits on a coordinator); this module puts them together for the page.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ...models import Community
from ...models.types import utcnow
from ..exchanges.stuck import stuck
from .participation import ONLY_GAVE, ONLY_RECEIVED, QUIET, members_at_rest
from .sections import Section, section
from .waiting import checks, near_limits, open_month, pending, unmatched

#: How many of each kind the dashboard lists (it says how many more there are).
SHOWN = 10
#: Pending exchanges are chased after the community's auto-confirm days, or this many.
PENDING_DAYS = 7
CHECK_WARNING_DAYS = 30
UNMATCHED_DAYS = 14


@dataclass(frozen=True)
class Alerts:
    pending_days: int
    pending: Section
    quiet: Section
    only_gave: Section
    only_received: Section
    near_limits: Section
    checks: Section
    unmatched: Section
    #: Pending exchanges dated in a month that is now closed: each links to the page that resolves it.
    stuck: Section
    #: The most recent month that has ended and is still open (with entries in it or before), or None.
    open_month: date | None
    today: date

    @property
    def count(self) -> int:
        sections = (
            self.pending, self.quiet, self.only_gave, self.only_received, self.near_limits, self.checks, self.unmatched, self.stuck
        )
        return sum(s.total for s in sections) + (self.open_month is not None)


def dashboard_alerts(community: Community, *, now: datetime | None = None, shown: int = SHOWN) -> Alerts:
    now = now or utcnow()
    today = community.today(now)
    pending_days = community.auto_confirm_days or PENDING_DAYS
    at_rest = members_at_rest(community.id, today, shown)
    return Alerts(
        pending_days=pending_days,
        pending=section(pending(community.id, now - timedelta(days=pending_days)), shown),
        quiet=at_rest[QUIET],
        only_gave=at_rest[ONLY_GAVE],
        only_received=at_rest[ONLY_RECEIVED],
        near_limits=section(near_limits(community.id), shown),
        checks=section(checks(community.id, today + timedelta(days=CHECK_WARNING_DAYS)), shown),
        unmatched=section(unmatched(community.id, now - timedelta(days=UNMATCHED_DAYS)), shown),
        stuck=section(stuck(community.id), shown),
        open_month=open_month(community.id, today),
        today=today,
    )
