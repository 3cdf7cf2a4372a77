"""Members' profiles: skills and availability in their own words, contact preferences, a few
display names, and a few members who keep out of the directory. Written in one go, as the
members made them over the months (a profile keeps no date)."""
import random

from sqlalchemy import update

from ..extensions import db
from ..models import Membership
from .phrases import NICKNAMES
from .skills import AVAILABILITY, SKILLS
from .stage import Stage

PROFILE_SHARE, PROFILE_CAP = 0.75, 400
HIDDEN_CAP = 20  # members who are not in the directory


def write_profiles(stage: Stage, rng: random.Random) -> None:
    people = stage.people
    count = min(len(people), max(1, round(len(people) * PROFILE_SHARE)), PROFILE_CAP)
    chosen = [people[0], *rng.sample(people[1:], count - 1)]
    hidden_count = min(len(people) - 1, max(2, min(len(people) // 20, HIDDEN_CAP)))
    stage.hidden = {p.number for p in rng.sample(people[1:], hidden_count)}
    rows = []
    for person in chosen:
        options = [s for s in SKILLS if person.kind in s.kinds]
        skills = rng.sample(options, min(len(options), rng.choice((1, 2, 2, 3))))
        stage.skills[person.number] = skills
        text = "; ".join(s.phrase for s in skills)
        first, _, last = person.name.partition(" ")
        in_directory = person.number not in stage.hidden
        contact_by = rng.choices(("coordinator", "phone", "email"), weights=(45, 30, 25))[0]
        nickname = NICKNAMES.get(first) if rng.random() < 0.5 else None
        rows.append(
            {
                "id": stage.mid(person),
                "skills": text[0].upper() + text[1:] + ".",
                "availability": rng.choice(AVAILABILITY),
                "in_directory": in_directory,
                "contact_by": contact_by,
                "share_contact": in_directory and contact_by != "coordinator" and rng.random() < 0.6,
                # Ofcom's numbers for drama (07700 900000 to 900999): never anyone's phone.
                "phone": f"07700 900{rng.randrange(1000):03d}" if contact_by == "phone" or rng.random() < 0.3 else None,
                "display_name": f"{nickname} {last}" if nickname else None,
            }
        )
    profiled = {p.number for p in chosen}
    rows += [
        {"id": stage.mid(p), "skills": None, "availability": None, "in_directory": False,
         "contact_by": "coordinator", "share_contact": False, "phone": None, "display_name": None}
        for p in people if p.number in stage.hidden and p.number not in profiled
    ]
    db.session.execute(update(Membership), rows)
