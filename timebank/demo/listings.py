"""Offers and requests: open offers; requests waiting more than two weeks, new, introduced,
accepted, declined (and introduced again); and "I can help" replies."""
import random
from datetime import datetime, timedelta
from functools import partial

from ..models import MatchStatus
from ..services.listings import create_listing, offer_help
from .brokering import introduce, pick_helper, set_status
from .people import Person
from .phrases import HELP_MESSAGES
from .script import Script
from .skills import SKILLS
from .stage import Held, Stage

OFFER_CAP = 40
REQUEST_CAP = 40
REQUEST_STATES = ("waiting", "fresh", "introduced", "accepted", "declined", "retried")
REQUEST_WEIGHTS = (20, 15, 25, 20, 10, 10)
REQUEST_AGES = {"waiting": (15, 60), "fresh": (1, 12), "introduced": (4, 35), "accepted": (8, 45),
                "declined": (6, 40), "retried": (12, 50)}  # days ago, at least and at most
REQUESTER_KINDS = {"service_user": 50, "carer": 25, "volunteer": 13, "professional": 7}


def post_listing(stage: Stage, held: Held, person: Person, type_: str, title, description, activity, submission_id,
                 *, now: datetime) -> None:
    held.value, _ = create_listing(
        stage.membership(person), type_=type_, title=title, description=description,
        category_id=stage.activity[activity], submission_id=submission_id, now=now,
    )


def plan_offers(stage: Stage, rng: random.Random, script: Script) -> None:
    offerers = [p for p in stage.active if stage.skills.get(p.number)]
    count = min(len(offerers), max(8, min(len(stage.people) // 2, OFFER_CAP)))
    for i, person in enumerate(sorted(rng.sample(offerers, count), key=lambda p: p.number)):
        skill = rng.choice(stage.skills[person.number])
        day = script.ago(2, 150, not_before=person.joined_on)
        title, description = skill.offer
        script.at(script.moment(day, 8, 21), partial(
            post_listing, stage, Held(), person, "offer", title, description, skill.activity, f"demo-offer-{i + 1}",
        ))


def plan_requests(stage: Stage, rng: random.Random, script: Script) -> list[tuple]:
    """Returns the accepted ones (for an exchange logged from one): (match, requester, helper,
    skill, when the helper agreed)."""
    count = max(len(REQUEST_STATES), min(len(stage.people) // 2, REQUEST_CAP))
    states = list(REQUEST_STATES)
    rng.shuffle(states)
    states += rng.choices(REQUEST_STATES, weights=REQUEST_WEIGHTS, k=count - len(states))
    states.remove("accepted")
    states.insert(0, "accepted")  # member01's request: someone has agreed to help
    accepted, asked = [], set()
    for i, state in enumerate(states):
        person = stage.member01 if i == 0 else _requester(stage, rng, state)
        for _ in range(5):  # not the same request twice from one person
            skill = rng.choice(SKILLS)
            title, description = rng.choice(skill.requests)
            if (person.number, title) not in asked:
                break
        asked.add((person.number, title))
        day = script.ago(*REQUEST_AGES[state], not_before=person.joined_on)
        created = script.moment(day, 8, 21)
        listing = Held()
        script.at(created, partial(post_listing, stage, listing, person, "request", title, description, skill.activity,
                                   f"demo-request-{i + 1}"))
        offered = _plan_help_offers(stage, rng, script, listing, person, created, state)
        if state in ("waiting", "fresh"):
            continue
        respect = ("no_home_visits",) if skill.at_home else ()
        first = next((p for p in offered if p.number not in stage.restricted), None)
        introduced = script.later(created, 3 * 60, 4 * 1440)
        helper = first if first is not None and rng.random() < 0.6 else None
        helper = helper or pick_helper(stage, rng, skill, {person.number}, introduced.date())
        if helper is None:
            continue
        match = Held()
        script.at(introduced, partial(introduce, stage, match, listing, helper, respect))
        if state == "accepted":
            agreed = script.later(introduced, 60, 4 * 1440)
            script.at(agreed, partial(set_status, stage, match, MatchStatus.ACCEPTED))
            accepted.append((match, person, helper, skill, agreed))
        elif state in ("declined", "retried"):
            declined = script.later(introduced, 60, 5 * 1440)
            script.at(declined, partial(set_status, stage, match, MatchStatus.DECLINED))
            other = pick_helper(stage, rng, skill, {person.number, helper.number}, declined.date())
            if state == "retried" and other is not None:
                again = script.later(declined, 60, 4 * 1440)
                script.at(again, partial(introduce, stage, Held(), listing, other, respect))
    return accepted


def _requester(stage: Stage, rng: random.Random, state: str) -> Person:
    """Mostly service users and carers; a request waiting for weeks comes from someone who has
    been a member for weeks."""
    pool = stage.active[1:] or stage.active
    if state == "waiting":
        pool = [p for p in pool if p.joined_on <= stage.today - timedelta(days=20)] or pool
    return rng.choices(pool, weights=[REQUESTER_KINDS[p.kind] for p in pool])[0]


def _plan_help_offers(stage, rng, script, listing: Held, requester: Person, created: datetime, state: str):
    """"I can help" replies (only to requests other members can see); returns who replied."""
    if requester.number in stage.hidden or rng.random() > 0.45:
        return []
    pool = [
        p for p in stage.busy
        if p is not requester and p.number not in stage.hidden and p.mode != "receive"
        and p.joined_on <= created.date()
    ]
    helpers = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
    for helper in helpers:
        window = 2 * 60 if state not in ("waiting", "fresh") else 10 * 1440
        script.at(script.later(created, 20, window), partial(_offer_help, stage, listing, helper, rng.choice(HELP_MESSAGES)))
    return helpers


def _offer_help(stage: Stage, listing: Held, helper: Person, message: str | None, *, now: datetime) -> None:
    offer_help(stage.membership(helper), listing.value.id, message, now=now)
