"""Safeguarding: DBS checks for most volunteers and professionals (three-yearly; a few expiring
within the month, one expired, one renewed), references, restrictions (one lifted once the
references came in), and the coordinator's private notes."""
import random
from datetime import date, datetime, timedelta
from functools import partial

from ..services import notes
from ..services import safeguarding as service
from .people import Person
from .phrases import CHECK_TYPES, GENERAL_NOTES, NOTES, QUIET_NOTE, RESTRICTIONS
from .script import Script, years_before
from .stage import Held, Stage

CHECK_SHARE, CHECK_CAP = 0.85, 80  # volunteers and professionals with a DBS check
RESTRICTION_CAP = 12
NOTE_CAP = 40
DBS_YEARS = 3  # the demo community renews DBS checks every three years


def plan_safeguarding(stage: Stage, rng: random.Random, script: Script) -> None:
    checkable = [p for p in stage.people if p.kind in CHECK_TYPES]
    count = min(len(checkable), max(1, round(len(checkable) * CHECK_SHARE)), CHECK_CAP)
    checked = sorted(rng.sample(checkable, count), key=lambda p: p.number)
    active = {p.number for p in stage.active}
    current = [p.number for p in checked if p.number in active]
    special = rng.sample(current, min(len(current), max(2, min(len(current) // 15, 10)) + 2))
    expiring, expired, renewed = set(special[:-2]), set(special[-2:-1]), set(special[-1:])
    today = stage.today
    for person in checked:
        check_type = rng.choice(CHECK_TYPES[person.kind])
        if person.number in expiring:  # a certificate they already had when they joined
            issued = years_before(today, DBS_YEARS) + timedelta(days=rng.randint(1, 28))
        elif person.number in expired or person.number in renewed:
            issued = years_before(today, DBS_YEARS) - timedelta(days=rng.randint(3, 40))
        else:
            issued = person.joined_on - timedelta(days=rng.randint(7, 120))
        recorded = script.moment(min(today, person.joined_on + timedelta(days=rng.randint(0, 14))))
        _plan_check(stage, rng, script, person, recorded, check_type, issued)
        if person.number in renewed:
            again = script.ago(8, 20)
            recorded = script.moment(min(today, again + timedelta(days=rng.randint(1, 5))))
            _plan_check(stage, rng, script, person, recorded, check_type, again)

    candidates = stage.active[1:]
    chosen = rng.sample(candidates, min(len(candidates), max(3, min(len(stage.people) // 30, RESTRICTION_CAP))))
    for i, person in enumerate(chosen):
        code, detail = RESTRICTIONS[i % len(RESTRICTIONS)]
        stage.restricted.add(person.number)
        made = script.moment(min(today, person.joined_on + timedelta(days=rng.randint(1, 30))))
        held = Held()
        mid = stage.mid(person)
        script.at(made, partial(_restrict, stage, held, mid, code, detail))
        if i == 0:  # the references came in: lifted
            script.at(script.later(made, 15 * 1440, 45 * 1440), partial(_lift, stage, held, mid))


def plan_notes(stage: Stage, rng: random.Random, script: Script) -> None:
    count = max(5, min(len(stage.people) // 8, NOTE_CAP))
    others = [p for p in stage.active[1:] if p.number not in stage.quiet_numbers]
    chosen = list(stage.quiet) + rng.sample(others, min(len(others), max(0, count - len(stage.quiet))))
    for person in chosen:
        quiet = person.number in stage.quiet_numbers
        bodies = [QUIET_NOTE] if quiet else rng.sample(list(NOTES[person.kind] + GENERAL_NOTES), rng.choice((1, 1, 2)))
        when = script.moment(min(stage.today, person.joined_on + timedelta(days=rng.randint(3, 40))))
        for body in bodies:
            if quiet:
                when = script.moment(script.ago(20, 50))
            script.at(when, partial(_note, stage, stage.mid(person), body))
            when = script.later(when, 10 * 1440, 60 * 1440)


def _plan_check(stage, rng, script, person: Person, recorded: datetime, check_type: str, issued: date) -> None:
    script.at(recorded, partial(
        _check, stage, stage.mid(person),
        check_type=check_type,
        reference=f"00{rng.randrange(10**10):010d}",
        issued_on=issued,
        expires_on=years_before(issued, -DBS_YEARS),
        references_received=rng.choices((0, 1, 2), weights=(10, 20, 70))[0],
    ))


def _check(stage: Stage, membership_id: int, *, now: datetime, **check) -> None:
    service.add_check(stage.actor, membership_id, **check, now=now)


def _restrict(stage: Stage, held: Held, membership_id: int, code: str, detail: str, *, now: datetime) -> None:
    held.value = service.add_restriction(stage.actor, membership_id, code=code, detail=detail, now=now)


def _lift(stage: Stage, held: Held, membership_id: int, *, now: datetime) -> None:
    service.lift_restriction(stage.actor, membership_id, held.value.id, now=now)


def _note(stage: Stage, membership_id: int, body: str, *, now: datetime) -> None:
    notes.add_note(stage.actor, membership_id, body, now=now)
