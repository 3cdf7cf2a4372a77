"""Requests that led to an exchange already in the ledger: the request, the introduction, the
helper's yes, and the match completed by that exchange."""
import random
from datetime import timedelta
from functools import partial

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Account, AccountType, Entry, MatchStatus, Posting
from .brokering import complete, introduce, set_status
from .listings import post_listing
from .script import Script
from .skills import REQUEST_ACTIVITIES, SKILLS
from .stage import Held, Stage

COMPLETED_CAP = 25


def plan_completed_matches(stage: Stage, rng: random.Random, script: Script) -> None:
    today = stage.today
    lo, hi = max(stage.open_from, today - timedelta(days=150)), today - timedelta(days=4)
    giver, receiver = aliased(Posting), aliased(Posting)
    giver_account, receiver_account = aliased(Account), aliased(Account)
    reversal = aliased(Entry)
    activity_ids = {stage.activity[a]: a for a in REQUEST_ACTIVITIES}
    rows = db.session.execute(
        select(Entry.id, Entry.occurred_on, Entry.activity_id, giver.account_id, receiver.account_id)
        .join(giver, and_(giver.entry_id == Entry.id, giver.minutes > 0))
        .join(giver_account, and_(giver_account.id == giver.account_id, giver_account.type == AccountType.MEMBER))
        .join(receiver, and_(receiver.entry_id == Entry.id, receiver.minutes < 0))
        .join(
            receiver_account,
            and_(receiver_account.id == receiver.account_id, receiver_account.type == AccountType.MEMBER),
        )
        .where(
            Entry.community_id == stage.cid,
            Entry.kind == "exchange",
            Entry.confirmation.in_(("member", "auto_timeout")),
            Entry.occurred_on.between(lo, hi),
            Entry.activity_id.in_(list(activity_ids)),
            ~exists().where(reversal.reverses_id == Entry.id),
        )
        .order_by(Entry.id.desc())
        .limit(COMPLETED_CAP * 25)
    ).all()
    by_account = {p.account_id: p for p in stage.busy}
    rows = [r for r in rows if r[3] in by_account and r[4] in by_account]
    count = min(len(rows), max(4, min(len(stage.people) // 4, COMPLETED_CAP)))
    for n, (entry_id, day, activity_id, giver_id, receiver_id) in enumerate(
        sorted(rng.sample(rows, count), key=lambda r: r[0])
    ):
        helper, requester = by_account[giver_id], by_account[receiver_id]
        skill = rng.choice([s for s in SKILLS if stage.activity[s.activity] == activity_id])
        title, description = rng.choice(skill.requests)
        start = max(day - timedelta(days=rng.randint(3, 14)), helper.joined_on, requester.joined_on)
        span = max(1, (day - start).days) * 1440
        created = script.moment(start, 8, 12)
        introduced = script.later(created, 120, span // 3)
        agreed = script.later(introduced, 60, span // 3)
        done = max(script.moment(day, 18, 21), agreed + timedelta(minutes=30))
        listing, match = Held(), Held()
        respect = ("no_home_visits",) if skill.at_home and helper.number not in stage.restricted else ()
        script.at(created, partial(post_listing, stage, listing, requester, "request", title, description,
                                   skill.activity, f"demo-matched-{n + 1}"))
        script.at(introduced, partial(introduce, stage, match, listing, helper, respect))
        script.at(agreed, partial(set_status, stage, match, MatchStatus.ACCEPTED))
        script.at(done, partial(complete, match, listing, entry_id))
