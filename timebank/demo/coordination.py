"""The coordinator's side of the demo: what a coordinator signing in as coordinator@demo.example
finds after months of running the timebank.

Members' profiles (skills, availability, who is in the directory); open offers and requests,
some waiting for a match, some with "I can help" replies; introductions in every state, the
completed ones linked to the exchange they led to; registers of group sessions; exchanges
waiting for confirmation (and a few declined or cancelled); DBS checks, references,
restrictions and private notes; applications and an invitation; a suspended member and one who
left; and the audit log of all of it, dated when it happened.

Each scenario is a module with a plain function that takes the community as the scenarios see
it (`stage.Stage`), the seed's `random.Random` and the `script.Script` it adds dated actions
to; the script then plays them in date order through the services, each told its time (see
`script`). Rows that no service makes from the past (the register of a session already in the
ledger, an application, an invitation) are written directly with the values the services would
write. The scenarios run in a fixed order, drawing from the one generator, so the same seed
makes the same demo.

Every count is bounded (see each module's *_CAP constants), so a demo of 10,000 members costs
about the same here as one of 100.
"""
import random
from collections import Counter
from datetime import date, datetime

from ..models import Account, Community, Membership
from .joining import plan_applications, plan_approvals, plan_invitation
from .leaving import plan_suspension_and_leaving
from .ledger_events import plan_ledger_events
from .listings import plan_offers, plan_requests
from .matches import plan_completed_matches
from .pending import plan_overdue_exchange, plan_pending_exchanges
from .people import Person
from .profiles import write_profiles
from .quiet import post_quiet_history
from .safeguarding import plan_notes, plan_safeguarding
from .script import Script
from .sessions import plan_new_sessions, plan_registers
from .stage import Stage


def seed_coordination(
    rng: random.Random,
    community: Community,
    coordinator: Membership,
    people: list[Person],
    quiet: list[Person],
    *,
    organisations: tuple[Account, Account],
    open_from: date,
    refs: set[str],
    password_hash: str,
    now: datetime,
) -> Counter:
    """Add the coordinator-facing demo as of `now` (flushed, not committed); returns the entries
    it posted by kind."""
    script = Script(rng, community, now)
    stage = Stage(
        community, coordinator, people, quiet, organisations=organisations, open_from=open_from,
        today=script.today, refs=refs, password_hash=password_hash,
    )
    post_quiet_history(stage, rng, script)
    stage.choose_people(rng)
    write_profiles(stage, rng)
    plan_approvals(stage, rng, script)
    plan_safeguarding(stage, rng, script)
    plan_notes(stage, rng, script)
    plan_offers(stage, rng, script)
    accepted = plan_requests(stage, rng, script)
    plan_completed_matches(stage, rng, script)
    plan_registers(stage, rng, script)
    overdue = plan_overdue_exchange(stage, rng, script)
    plan_new_sessions(stage, rng, script, overdue)
    plan_pending_exchanges(stage, rng, script, overdue, accepted)
    plan_ledger_events(stage, rng, script)
    plan_applications(stage, rng, script)
    plan_invitation(stage, rng, script)
    plan_suspension_and_leaving(stage, rng, script)
    script.play()
    return stage.counts
