"""Exchanges waiting for confirmation: one past the auto-confirm days that could not be posted,
exchanges logged in the last days and waiting for the other side, and a few declined or
cancelled."""
import random
from datetime import date, datetime, timedelta
from functools import partial

from ..extensions import db
from ..models import User
from ..services.exchanges.auto_confirm import auto_confirm_due
from ..services.exchanges.confirm import cancel_exchange, decline_exchange
from ..services.exchanges.log import log_exchange
from ..services.exchanges.on_behalf import record_exchange
from .people import Person
from .phrases import DECLINE_REASONS
from .script import Script
from .skills import AD, SKILLS, Skill
from .stage import Held, Stage

PENDING_CAP = 20
DECIDED_CAP = 6  # declined, and cancelled, exchanges


def plan_overdue_exchange(stage: Stage, rng: random.Random, script: Script) -> set[int]:
    """One exchange past the auto-confirm days that could not be posted: it would take the
    receiver, whose balance is near their floor (after help in the weeks before, which the
    coordinator recorded, if need be), below it; so it waits, with the reason, for the
    coordinator (who might arrange a grant). Returns the accounts involved, to be left out of
    other postings."""
    days = stage.community.auto_confirm_days
    floor, balance = stage.floor, stage.balance
    candidates = [p for p in stage.busy[1:] if floor[p.account_id] is not None and p.mode != "give"]
    if not days or not candidates:
        return set()
    receiver = min(candidates, key=lambda p: (balance[p.account_id] - floor[p.account_id], p.number))
    logged = script.moment(script.ago(days + 2, days + 8))
    helped = logged.date() - timedelta(days=rng.randint(3, 8))
    involved = {receiver.account_id}
    room = balance[receiver.account_id] - floor[receiver.account_id]
    near = max(abs(floor[receiver.account_id]) // 10, 60)  # what the dashboard calls near
    for visit in range(4):  # help over the weeks before, recorded by the coordinator from phone calls
        minutes = min(180, ((room - near) // 15 + 1) * 15)
        if minutes <= 0:
            break
        # Weekly, or closer together when the weeks before reach into a closed month.
        day = max(helped - timedelta(days=7 * (3 - visit)), min(stage.open_from + timedelta(days=visit), helped))
        helpers = [
            p for p in stage.busy
            if p is not receiver and p.mode != "receive" and p.joined_on <= day and stage.fits(p.account_id, minutes)
        ]
        if not helpers or day < max(stage.open_from, receiver.joined_on):
            continue
        helper = rng.choice(helpers)
        skill = rng.choice(stage.skills.get(helper.number) or SKILLS)
        stage.move((helper.account_id, minutes), (receiver.account_id, -minutes))
        room -= minutes
        involved.add(helper.account_id)
        script.at(script.moment(day + timedelta(days=1)), partial(
            _record_exchange, stage, helper, receiver, minutes, day, skill, f"helped-{visit + 1}"
        ))
    minutes = (room // 15 + rng.randint(1, 4)) * 15
    givers = [
        p for p in stage.busy
        if p is not receiver and p.mode != "receive" and p.joined_on <= logged.date()
        and stage.fits(p.account_id, minutes)
    ]
    if minutes > 8 * 60 or not givers or receiver.joined_on > logged.date():
        return involved
    giver = rng.choice(givers)
    skill = rng.choice(stage.skills.get(giver.number) or SKILLS)
    occurred = max(logged.date() - timedelta(days=rng.randint(0, 2)), giver.joined_on)
    script.at(logged, partial(_log, stage, Held(), giver, True, receiver.account_id, minutes, occurred,
                              skill.activity, skill.done, "overdue"))
    tried = script.later(logged + timedelta(days=days), 60, 600)
    script.at(tried, partial(_auto_confirm, stage, receiver.account_id))
    return involved | {giver.account_id}


def plan_pending_exchanges(stage: Stage, rng: random.Random, script: Script, not_these: set[int],
                           accepted: list[tuple]) -> None:
    """member01 has one to confirm; one is time given to the health centre, for the coordinator
    to confirm; one came from an accepted introduction. All younger than the auto-confirm days,
    and each within both sides' limits, so that confirming one (or the auto-confirm, days from
    now) posts it."""
    days = min(stage.community.auto_confirm_days or 14, 14)
    pool = [p for p in stage.busy if p.account_id not in not_these]
    if len(pool) < 2:
        return
    reserved = dict(stage.balance)

    def fits(account: int, minutes: int) -> bool:
        after = reserved[account] + minutes
        floor, ceiling = stage.floor[account], stage.ceiling[account]
        return (floor is None or after >= floor) and (ceiling is None or after <= ceiling)

    def plan(logger: Person, partner: Person | None, account: int, gave: bool, minutes: int, logged: datetime,
             activity: str, note: str, key: str, *, holds_time: bool = True) -> tuple[Held, datetime] | None:
        """Log an exchange (not before both sides joined); returns it and when it was logged."""
        giver, receiver = (logger.account_id, account) if gave else (account, logger.account_id)
        if holds_time:
            if not (fits(giver, minutes) and fits(receiver, -minutes)):
                return None
            reserved[giver] += minutes
            reserved[receiver] -= minutes
        joined = max(logger.joined_on, partner.joined_on) if partner else logger.joined_on
        earliest = max(joined, stage.open_from)  # not before both joined, nor in a closed month
        if logged.date() < earliest:
            logged = script.moment(earliest, 8, 21)
        occurred = max(logged.date() - timedelta(days=rng.randint(0, 3)), earliest)
        held = Held()
        script.at(logged, partial(_log, stage, held, logger, gave, account, minutes, occurred, activity, note, key))
        return held, logged

    def pair(first: Person | None = None) -> tuple[Person, Person, bool] | None:
        """Who logs, with whom, and whether they gave: never a give-only member receiving."""
        logger = rng.choice([p for p in pool if p is not first])
        partner = first or rng.choice([p for p in pool if p is not logger])
        likely = first is not None or rng.random() < 0.6
        for gave in (likely, not likely):
            giver, receiver = (logger, partner) if gave else (partner, logger)
            if giver.mode != "receive" and receiver.mode != "give":
                return logger, partner, gave
        return None

    for i in range(max(4, min(len(stage.people) // 6, PENDING_CAP))):
        member01 = stage.member01 if i == 0 and stage.member01 in pool else None
        chosen = pair(member01)
        if chosen is None:
            continue
        logger, partner, gave = chosen
        skill = rng.choice(stage.skills.get((logger if gave else partner).number) or SKILLS)
        logged = script.moment(script.ago(1, days - 2), 8, 21)
        plan(logger, partner, partner.account_id, gave, rng.choice((30, 60, 60, 90, 120)), logged,
             skill.activity, skill.done, f"pending-{i + 1}")

    volunteers = [p for p in pool if p.mode != "receive" and fits(p.account_id, 180)]
    if volunteers:
        logged = script.moment(script.ago(1, days - 3))
        plan(rng.choice(volunteers), None, stage.health_centre.id, True, 180, logged, AD,
             "Welcome desk at the health centre's flu clinic", "organisation")

    for match, requester, helper, skill, agreed in accepted:
        if requester.account_id in not_these or helper.account_id in not_these or requester.mode == "give":
            continue
        logged = max(script.moment(script.ago(1, days - 3), 8, 21), agreed + timedelta(hours=2))
        if logged >= script.latest or logged < script.latest - timedelta(days=days - 2):
            continue
        planned = plan(helper, requester, requester.account_id, True, rng.choice((60, 90, 120)), logged,
                       skill.activity, skill.done, "match")
        if planned is not None:
            held, logged = planned
            script.at(logged, partial(_link_match, held, match))
            break

    for i in range(2 * max(2, min(len(stage.people) // 50, DECIDED_CAP))):
        chosen = pair()
        if chosen is None:
            continue
        logger, partner, gave = chosen
        skill = rng.choice(SKILLS)
        logged = script.moment(script.ago(4, 40), 8, 21)
        held, logged = plan(logger, partner, partner.account_id, gave, rng.choice((60, 90, 120)), logged,
                            skill.activity, skill.done, f"decided-{i + 1}", holds_time=False)
        if i % 2 == 0:
            reason = rng.choice(DECLINE_REASONS)
            script.at(script.later(logged, 4 * 60, 3 * 1440), partial(_decline, held, partner, reason))
        else:
            script.at(script.later(logged, 5, 600), partial(_cancel, held, logger))


def _record_exchange(stage: Stage, giver: Person, receiver: Person, minutes: int, occurred: date, skill: Skill,
                     key: str, *, now: datetime) -> None:
    record_exchange(
        stage.actor, giver_account_id=giver.account_id, receiver_account_id=receiver.account_id, minutes=minutes,
        occurred_on=occurred, activity_id=stage.activity[skill.activity], confirmation="phone", note=skill.done,
        submission_id=f"demo-recorded-{key}", now=now,
    )
    stage.counts["exchange"] += 1


def _auto_confirm(stage: Stage, account_id: int, *, now: datetime) -> None:
    auto_confirm_due(stage.community, account_id=account_id, now=now)


def _log(stage: Stage, held: Held, logger: Person, gave: bool, partner_account: int, minutes: int, occurred: date,
         activity: str, note: str, key: str, *, now: datetime) -> None:
    held.value, _ = log_exchange(
        stage.membership(logger), gave=gave, partner_account_id=partner_account, minutes=minutes,
        occurred_on=occurred, activity_id=stage.activity[activity], note=note,
        submission_id=f"demo-exchange-{key}", now=now,
    )


def _link_match(exchange: Held, match: Held, *, now: datetime) -> None:
    exchange.value.match_id = match.value.id


def _decline(exchange: Held, person: Person, reason: str, *, now: datetime) -> None:
    decline_exchange(exchange.value.id, db.session.get(User, person.user_id), reason, now=now)


def _cancel(exchange: Held, person: Person, *, now: datetime) -> None:
    cancel_exchange(exchange.value.id, db.session.get(User, person.user_id), now=now)
