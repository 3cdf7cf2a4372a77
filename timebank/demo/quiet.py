"""Members who joined early, exchanged a little, then went quiet (the dashboard's "no exchange
for 60 days"). They are left out of the history's draws; their few early exchanges are posted
here, dated then."""
import random
from datetime import date, timedelta

from ..ledger import EntrySpec, PostingSpec, post_entries
from . import flows
from .people import Person
from .script import Script
from .stage import Stage

QUIET_SHARE, QUIET_CAP = 0.06, 30
QUIET_FOR = 95  # their last exchange is at least this many days old
ACTIVITIES = (flows.BEFRIENDING, flows.COOKING, flows.GARDENING, flows.ARTS, flows.COMPUTER)


def pick_quiet(rng: random.Random, people: list[Person], today: date) -> list[Person]:
    eligible = [p for p in people[1:] if p.mode is None and p.joined_on <= today - timedelta(days=QUIET_FOR + 7)]
    count = min(len(eligible), max(1, min(round(len(people) * QUIET_SHARE), QUIET_CAP)))
    return sorted(rng.sample(eligible, count), key=lambda p: p.number) if count else []


def post_quiet_history(stage: Stage, rng: random.Random, script: Script) -> None:
    """The quiet members' few exchanges, early on, each recorded the evening after."""
    until = stage.today - timedelta(days=QUIET_FOR)
    partners = [p for p in stage.people if p.mode is None and p.number not in stage.quiet_numbers]
    for person in stage.quiet:
        start = max(person.joined_on, stage.open_from)
        if start > until or not partners:
            continue
        for _ in range(rng.choice((0, 1, 2, 2, 3))):
            day = start + timedelta(days=rng.randint(0, (until - start).days))
            partner = rng.choice(partners)
            minutes = rng.choice((30, 60, 60, 90, 120))
            gives = rng.random() < (0.7 if person.kind in (flows.VOL, flows.PRO) else 0.35)
            giver, receiver = (person, partner) if gives else (partner, person)
            if partner.joined_on > day or not (
                stage.fits(giver.account_id, minutes) and stage.fits(receiver.account_id, -minutes)
            ):
                continue
            stage.move((giver.account_id, minutes), (receiver.account_id, -minutes))
            spec = EntrySpec(
                community_id=stage.cid,
                kind="exchange",
                occurred_on=day,
                postings=(PostingSpec(giver.account_id, minutes), PostingSpec(receiver.account_id, -minutes)),
                recorded_by_id=giver.user_id,
                confirmed_by_id=receiver.user_id,
                confirmation="member",
                activity_id=stage.activity[rng.choice(ACTIVITIES)],
            )
            post_entries([spec], now=script.moment(day + timedelta(days=1), 17, 21))
            stage.counts["exchange"] += 1

