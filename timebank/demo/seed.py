"""Seeding the demo community: people, organisations, and months of history.

Everything is drawn from one `random.Random(seed)`, so the same seed gives the same data (the
same ids, refs and postings in a fresh database). Entries go through the ledger core's batched
path, `post_entries`, in date order, one commit per batch, so the seed is bound by the core's
own speed and its memory stays flat. Every full month but the last is closed once its entries are
in (on 4 December: April to October closed, November left open, as by a coordinator who has not
yet closed last month), so that a funder, who reads closed months, complete quarters and years
only, lands on the last closed quarter and its summary compares it with the one before; nothing
is dated into a closed month afterwards. Each batch is recorded as of the evening of its last day,
and each month is closed (and its report frozen) on the 3rd of the next, so that the recorded
times read as a real history would.

Then `coordination.seed_coordination` adds what a coordinator works with: profiles, offers and
requests, matches, registers, pending exchanges, safeguarding, notes, applications and the
audit log.
"""
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from .. import metrics
from ..errors import InvalidInput
from ..extensions import db
from ..ledger import close_period, post_entries
from ..ledger.periods import next_month
from ..models import Account, ActivityCategory, Community, Role
from ..models.types import utcnow
from ..security import hash_password
from ..services.communities import create_community, create_organisation_account, pot_account
from ..services.people import add_membership, create_user
from . import names
from .activity_checks import seed_activity_checks
from .coordination import seed_coordination
from .expiry import seed_listing_expiry
from .history import History
from .late_entries import seed_late_entries
from .logged_later import seed_logged_later
from .messages import seed_conversations
from .people import cast, draw_ref, insert_members
from .quiet import pick_quiet
from .stuck import log_stuck, resolve_stuck

BATCH = 5000  # specs per post_entries call and per commit
HISTORY_MONTHS = 8  # full months before the current one; all but the last are closed
MEMBER_CEILING = 12000  # 200 hours, so that the busiest givers are not stopped in a big demo
TRUST_BUDGET = 25  # the trust may owe 25 minutes per demo entry (at least 100,000 minutes)


class DemoExists(InvalidInput):
    message = "The demo community already exists; seed into a fresh database to start again."


@dataclass
class Summary:
    community: str
    members: int
    first_email: str
    last_email: str
    start: date
    end: date
    closed: list[date] = field(default_factory=list)  # the months closed, oldest first
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def entries(self) -> int:
        return sum(self.counts.values())


def demo_exists() -> bool:
    return db.session.scalar(select(Community.id).where(Community.slug == names.COMMUNITY_SLUG)) is not None


def history_start(today: date) -> date:
    """The first day of the month HISTORY_MONTHS before this one."""
    return _months_before(today, HISTORY_MONTHS)


def last_to_close(today: date) -> date:
    """The last month the demo closes: the one before last month (last month is left open)."""
    return _months_before(today, 2)


def _months_before(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def seed_demo(
    *,
    members: int,
    exchanges: int,
    seed: int,
    password: str,
    progress: Callable[[int], None] = lambda n: None,
    batch_size: int = BATCH,
    now: datetime | None = None,
) -> Summary:
    """Create the demo community and its history as of `now`, committing as it goes."""
    if demo_exists():
        raise DemoExists()
    now = now or utcnow()
    rng = random.Random(seed)
    password_hash = hash_password(password)  # once: argon2 is slow on purpose
    community = create_community(names.COMMUNITY_SLUG, names.COMMUNITY_NAME, default_ceiling=MEMBER_CEILING)
    today = community.today(now)
    start = history_start(today)
    refs: set[str] = set()

    coordinator = create_user(names.COORDINATOR_EMAIL, names.COORDINATOR_NAME, password_hash=password_hash, now=now)
    coordinating = add_membership(
        coordinator, community, Role.COORDINATOR, "professional", joined_on=start, ref=draw_ref(rng, refs), now=now
    )
    funder = create_user(names.FUNDER_EMAIL, names.FUNDER_NAME, password_hash=password_hash, now=now)
    add_membership(funder, community, Role.FUNDER, None, joined_on=start, ref=draw_ref(rng, refs), now=now)
    health_centre = create_organisation_account(community.id, names.HEALTH_CENTRE, floor=None, now=now)
    trust_floor = -max(100_000, TRUST_BUDGET * exchanges)
    trust = create_organisation_account(community.id, names.MENTAL_HEALTH_TRUST, floor=trust_floor, now=now)
    people = cast(rng, members, start, today, refs)
    insert_members(community, people, password_hash, now)
    db.session.commit()
    quiet = pick_quiet(rng, people, today)  # left out of the draws: they went quiet early on
    quiet_numbers = {p.number for p in quiet}

    history = History(
        rng,
        community.id,
        [p for p in people if p.number not in quiet_numbers],
        coordinator_id=coordinator.id,
        pot_id=pot_account(community.id).id,
        organisations=(health_centre.id, trust.id),
        activities=dict(
            db.session.execute(
                select(ActivityCategory.name, ActivityCategory.id).where(ActivityCategory.community_id == community.id)
            ).all()
        ),
        limits={
            row.id: (row.floor, row.ceiling)
            for row in db.session.execute(
                select(Account.id, Account.floor, Account.ceiling).where(Account.community_id == community.id)
            )
        },
        start=start,
        end=today,
        total=exchanges,
        auto_confirm_days=community.auto_confirm_days or 0,
    )
    stuck: list[int] = []
    closed = _post_history(history, batch_size, progress, community.id, coordinator.id, now,
                           last_to_close(today), stuck)
    extra = seed_coordination(
        rng,
        community,
        coordinating,
        people,
        quiet,
        organisations=(health_centre, trust),
        open_from=history.open_from,
        refs=refs,
        password_hash=password_hash,
        now=now,
    )
    seed_listing_expiry(random.Random(seed), community, member_email=people[0].email, now=now)
    seed_activity_checks(community, today=today)
    seed_late_entries(community, coordinating, now=now)
    seed_logged_later(community, member_email=people[0].email, now=now)
    # Last: its report is the newest event in the audit log, which must read in time order.
    seed_conversations(random.Random(seed), community, member_email=people[0].email, now=now)
    resolve_stuck(community, stuck, now=now)  # now, beside the other last events
    db.session.commit()
    return Summary(
        community=community.name,
        members=members,
        first_email=people[0].email,
        last_email=people[-1].email,
        start=start,
        end=today,
        closed=closed,
        counts=dict(history.counts + extra),
    )


def _post_history(history: History, batch_size: int, progress, community_id: int, closer_id: int,
                  now: datetime, close_until: date, stuck: list[int]) -> list[date]:
    """Post the history in date order; flush at every month's end (so later months can reverse
    earlier entries) and close each month up to `close_until` as soon as its last entry is in.
    Before the last of them closes, two exchanges are logged in it and left waiting: they are
    stuck once it closes (their ids go in `stuck`; see `demo.stuck`)."""
    buffer = []

    def flush():
        if buffer:
            last = max(spec.occurred_on for spec in buffer)
            results = post_entries(buffer, now=min(_evening_of(last), now))
            db.session.commit()
            history.remember(buffer, results)
            progress(len(buffer))
            buffer.clear()

    closed: list[date] = []
    for day, quota in history.schedule():
        if day.day == 1 and day != history.start:
            flush()
            month = history.open_from
            if month <= close_until:
                if month == close_until:
                    stuck.extend(log_stuck(community_id, history.people, month, now=now))
                    db.session.commit()
                closing = datetime.combine(day + timedelta(days=2), time(10), UTC)
                closing = min(closing, now)
                close_period(community_id, month, closed_by_id=closer_id, now=closing)
                metrics.freeze_closed(db.session.get(Community, community_id), month, now=closing)
                db.session.commit()
                closed.append(month)
                history.open_from = next_month(month)
        for spec in history.entries(day, quota):
            buffer.append(spec)
            if len(buffer) >= batch_size:
                flush()
    flush()
    return closed


def _evening_of(day: date) -> datetime:
    """When entries dated up to `day` were recorded: that evening (the caller keeps it to now)."""
    return datetime.combine(day, time(20), UTC)
