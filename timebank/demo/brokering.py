"""Brokering, as the demo's coordinator does it: whom they would pick to help, and the
introductions they make and follow up (for `listings` and `matches`)."""
import random
from datetime import date, datetime

from ..models import ListingStatus
from ..services.brokering import matches as service
from .people import Person
from .skills import Skill
from .stage import Held, Stage


def pick_helper(stage: Stage, rng: random.Random, skill: Skill, not_these: set[int], by: date) -> Person | None:
    """Someone active, unrestricted and still exchanging, a member by `by`, as a coordinator
    would pick: mostly someone who says they have the skill."""
    candidates = [
        p for p in stage.busy
        if p.number not in not_these and p.number not in stage.restricted and p.mode != "receive"
        and p.joined_on <= by
    ]
    if not candidates:
        return None
    skilled = [p for p in candidates if skill in stage.skills.get(p.number, ())]
    if skilled and rng.random() < 0.8:
        return rng.choice(skilled)
    return rng.choice([p for p in candidates if p.kind in skill.kinds] or candidates)


def introduce(stage: Stage, match: Held, listing: Held, helper: Person, respect, *, now: datetime) -> None:
    match.value, _ = service.introduce(stage.actor, listing.value.id, stage.mid(helper), respect=respect, now=now)


def set_status(stage: Stage, match: Held, status: str, *, now: datetime) -> None:
    service.set_match_status(stage.actor, match.value.id, status, now=now)


def complete(match: Held, listing: Held, entry_id: int, *, now: datetime) -> None:
    """The exchange the match led to is in the ledger: the match is completed and the request
    closed (as posting the exchange from the match would have)."""
    service.complete_match(match.value, entry_id, now=now)
    listing.value.status, listing.value.closed_at = ListingStatus.CLOSED, now
    listing.value.updated_at = now
