"""The demo community as the coordinator's scenarios see it, once the history is posted.

Who is who (the coordinator, the organisations, the members and what each can do, who went
quiet, who is suspended, who leaves), and every account's balance and limits as the ledger
has them, kept up to date as the scenarios plan entries, so that each fits.
"""
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import Account, AccountType, ActivityCategory, Community, MemberKind, Membership
from ..services import audit
from .people import Person
from .skills import Skill


@dataclass
class Held:
    """What an action made, for the actions after it (a listing, a match, an exchange...)."""

    value: object = None


class Stage:
    def __init__(
        self,
        community: Community,
        coordinator: Membership,
        people: list[Person],
        quiet: list[Person],
        *,
        organisations: tuple[Account, Account],
        open_from: date,
        today: date,
        refs: set[str],
        password_hash: str,
    ):
        self.community, self.actor, self.cid = community, coordinator, community.id
        self.people, self.quiet = people, quiet
        self.quiet_numbers = {p.number for p in quiet}
        self.health_centre, self.trust = organisations
        self.open_from, self.today, self.refs, self.password_hash = open_from, today, refs, password_hash
        self.counts: Counter[str] = Counter()
        self.activity = dict(
            db.session.execute(
                select(ActivityCategory.name, ActivityCategory.id).where(ActivityCategory.community_id == self.cid)
            ).all()
        )
        self.kind_id = dict(
            db.session.execute(select(MemberKind.code, MemberKind.id).where(MemberKind.community_id == self.cid)).all()
        )
        self.balance, self.floor, self.ceiling, self.member_of = {}, {}, {}, {}
        for row in db.session.execute(
            select(Account.id, Account.balance, Account.floor, Account.ceiling, Account.membership_id).where(
                Account.community_id == self.cid
            )
        ):
            self.balance[row.id], self.floor[row.id], self.ceiling[row.id] = row.balance, row.floor, row.ceiling
            if row.membership_id is not None:
                self.member_of[row.id] = row.membership_id
        self.pot = db.session.scalar(
            select(Account.id).where(Account.community_id == self.cid, Account.type == AccountType.POT)
        )
        #: Filled in by the scenarios: what members can do, who keeps out of the directory,
        #: who has a restriction.
        self.skills: dict[int, list[Skill]] = {}
        self.hidden: set[int] = set()
        self.restricted: set[int] = set()
        self.taken_names = {p.name for p in people}
        self.member01 = people[0]
        self.leaver = self.suspended = None
        self.active = self.busy = people

    def choose_people(self, rng: random.Random) -> None:
        """One member to suspend and one who leaves (never member01, the demo's member login);
        the rest stay active. `busy` are the active members who still exchange."""
        regular = [p for p in self.people[1:] if p.mode is None and p.number not in self.quiet_numbers]
        settled = [p for p in regular if p.joined_on <= self.today - timedelta(days=60)] or regular
        in_credit = [p for p in settled if self.balance[p.account_id] > 0]
        self.leaver = rng.choice(in_credit or settled) if settled else None
        others = [p for p in regular if p is not self.leaver]
        self.suspended = rng.choice(others) if others else None
        away = {p.number for p in (self.leaver, self.suspended) if p is not None}
        self.active = [p for p in self.people if p.number not in away]
        self.busy = [p for p in self.active if p.number not in self.quiet_numbers]

    # -- balances (what the ledger will accept) --------------------------------------------

    def fits(self, account: int, minutes: int) -> bool:
        after = self.balance[account] + minutes
        floor, ceiling = self.floor[account], self.ceiling[account]
        return (floor is None or after >= floor) and (ceiling is None or after <= ceiling)

    def move(self, *legs: tuple[int, int]) -> None:
        for account, minutes in legs:
            self.balance[account] += minutes

    # -- who ---------------------------------------------------------------------------------

    def mid(self, person: Person) -> int:
        return self.member_of[person.account_id]

    def membership(self, person: Person) -> Membership:
        return db.session.get(Membership, self.mid(person))

    def record(self, actor_id, action, subject, target_type=None, target_id=None, *, now: datetime, **details) -> None:
        """An audit event for something done outside the services (at `now`)."""
        audit.record(self.cid, actor_id, action, subject_membership_id=subject, target_type=target_type,
                     target_id=target_id, now=now, **details)
