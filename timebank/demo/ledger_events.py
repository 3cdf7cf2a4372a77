"""The coordinator's entries in the ledger's history, in the audit log: the exchanges they
recorded, payments by organisations, grants from the pot, reversals, and the month they
closed. The entries were posted in bulk (see `seed`); their audit events are added here, each
dated a little after its entry."""
import random
from collections import Counter
from datetime import timedelta
from functools import partial

from sqlalchemy import select

from ..extensions import db
from ..models import Entry, Posting, ReportingPeriod
from .script import Script
from .stage import Stage

HISTORY_EVENT_CAP = 30  # audit events for each kind of coordinator entry in the ledger
KINDS = (
    ("exchange.record", Entry.kind == "exchange", ("phone", "paper", "in_person")),
    ("pot.grant", Entry.kind == "grant", None),
    ("entry.reverse", Entry.kind == "reversal", None),
)


def plan_ledger_events(stage: Stage, rng: random.Random, script: Script) -> None:
    coordinator = stage.actor.user_id
    picked = []
    for action, kind, confirmations in KINDS:
        query = select(Entry).where(Entry.community_id == stage.cid, kind, Entry.recorded_by_id == coordinator)
        if confirmations:
            query = query.where(Entry.confirmation.in_(confirmations))
        query = query.order_by(Entry.id.desc()).limit(HISTORY_EVENT_CAP * 2)
        picked += [(action, entry) for entry in db.session.scalars(query)]
    originals = {e.reverses_id for action, e in picked if e.reverses_id}
    legs: dict[int, list[tuple[int, int]]] = {}
    for entry_id, account_id, minutes in db.session.execute(
        select(Posting.entry_id, Posting.account_id, Posting.minutes)
        .where(Posting.entry_id.in_([e.id for _, e in picked] + list(originals)))
        .order_by(Posting.entry_id, Posting.minutes.desc(), Posting.id)
    ):
        legs.setdefault(entry_id, []).append((account_id, minutes))
    member_of = stage.member_of
    done: Counter[str] = Counter()
    for action, entry in sorted(picked, key=lambda p: p[1].id):
        postings = legs[entry.id]
        members = [(member_of[a], m) for a, m in postings if a in member_of]
        if action == "exchange.record" and len(members) == 1:
            if members[0][1] < 0:
                continue  # a member spending credits with an organisation: no coordinator form for that
            action = "organisation.payment"
        if action == "exchange.record" and len(members) != 2:
            continue
        if done[action] >= HISTORY_EVENT_CAP:
            continue
        done[action] += 1
        when = script.moment(min(stage.today, entry.occurred_on + timedelta(days=rng.randint(0, 3))))
        minutes = max(m for _, m in postings)
        if action == "exchange.record":
            (giver, _), (receiver, _) = members
            record = partial(stage.record, coordinator, action, giver, "entry", entry.id,
                             receiver_membership_id=receiver, minutes=minutes, confirmation=entry.confirmation,
                             match_id=None)
        elif action == "entry.reverse":
            touched = [member_of[a] for a, _ in legs[entry.reverses_id] if a in member_of]
            record = partial(stage.record, coordinator, action, touched[0] if touched else None, "entry",
                             entry.reverses_id, reversal_entry_id=entry.id, dated=entry.occurred_on.isoformat(),
                             reason=entry.reason, limit_override=bool(entry.limit_override), members=touched)
        else:
            subject = next((mid for mid, m in members if m > 0), None)
            record = partial(stage.record, coordinator, action, subject, "entry", entry.id, minutes=minutes)
        script.at(when, record)
    for period in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.community_id == stage.cid)):
        script.at(period.closed_at, partial(
            stage.record, period.closed_by_id, "period.close", None, "reporting_period", period.id,
            month=period.month.strftime("%Y-%m"), seal=period.seal, entry_count=period.entry_count,
        ))
