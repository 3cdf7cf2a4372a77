"""The demo's people: a deterministic cast, written in bulk.

Members are inserted with Core `insert()` in chunks, because 10,000 members through the ORM
one by one (a uniqueness query and three flushes each) takes minutes. The rows carry exactly
the values `services.people.create_user` and `add_membership` would write: a user, an active
membership with its ref, a KindChange from nothing to the member's kind, and a member account
whose floor and ceiling are copied from the community's defaults.
"""
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from ..errors import InvalidInput
from ..extensions import db
from ..models import Account, AccountType, Community, KindChange, MemberKind, Membership, MembershipStatus, Role, User
from . import flows, names

CHUNK = 1000


@dataclass
class Person:
    number: int
    name: str
    kind: str
    joined_on: date
    #: "give" (only ever gives), "receive" (only ever receives) or None (both).
    mode: str | None
    #: How many tickets this person holds in the draws: a few members do most of the exchanging.
    tickets: int
    ref: str
    email: str = ""
    user_id: int = 0
    account_id: int = 0


def cast(rng: random.Random, count: int, start: date, end: date, used_refs: set[str]) -> list[Person]:
    """`count` members numbered in the order they joined; member01 is a founding service user
    who both gives and receives, so that the first demo login shows a rich history."""
    kinds = _kinds(count)
    rng.shuffle(kinds)
    kinds.insert(0, kinds.pop(kinds.index(flows.SU)))
    span = (end - start).days
    people = []
    used_names: set[str] = set()
    for i, kind in enumerate(kinds):
        if i == 0 or rng.random() < 0.55 or span < 28:
            joined = start + timedelta(days=0 if i == 0 else rng.randint(0, 13))
        else:
            joined = start + timedelta(days=rng.randint(14, span - 7))
        tickets = 5 if i == 0 else rng.choices((1, 2, 3, 5), weights=(40, 30, 20, 10))[0]
        people.append(Person(0, _name(rng, used_names), kind, joined, None, tickets, draw_ref(rng, used_refs)))
    people.sort(key=lambda p: p.joined_on)  # stable: member01 stays first
    _assign_modes(rng, people)
    width = max(2, len(str(count)))
    for number, person in enumerate(people, start=1):
        person.number = number
        person.email = f"member{number:0{width}d}@{names.EMAIL_DOMAIN}"
    return people


def insert_members(community: Community, people: list[Person], password_hash: str, now: datetime) -> None:
    """Write users, memberships, kind changes and accounts; fill in `user_id` and `account_id`."""
    taken = db.session.scalar(select(User.email).where(User.email.like(f"member%@{names.EMAIL_DOMAIN}")).limit(1))
    if taken is not None:
        raise InvalidInput(f"Someone already uses the email address {taken}; seed the demo into a fresh database.")
    kind_ids = dict(
        db.session.execute(select(MemberKind.code, MemberKind.id).where(MemberKind.community_id == community.id)).all()
    )
    users, memberships, changes, accounts = (m.__table__ for m in (User, Membership, KindChange, Account))
    for at in range(0, len(people), CHUNK):
        chunk = people[at : at + CHUNK]
        user_ids = _returning_ids(
            users,
            [{"email": p.email, "name": p.name, "password_hash": password_hash, "created_at": now} for p in chunk],
        )
        membership_ids = _returning_ids(
            memberships,
            [
                {
                    "user_id": user_id,
                    "community_id": community.id,
                    "role": str(Role.MEMBER),
                    "kind_id": kind_ids[p.kind],
                    "status": str(MembershipStatus.ACTIVE),
                    "ref": p.ref,
                    "joined_on": p.joined_on,
                    "created_at": now,
                }
                for p, user_id in zip(chunk, user_ids, strict=True)
            ],
        )
        db.session.execute(
            insert(changes),
            [
                {
                    "membership_id": membership_id,
                    "from_kind_id": None,
                    "to_kind_id": kind_ids[p.kind],
                    "changed_on": p.joined_on,
                    "changed_at": now,
                }
                for p, membership_id in zip(chunk, membership_ids, strict=True)
            ],
        )
        account_ids = _returning_ids(
            accounts,
            [
                {
                    "community_id": community.id,
                    "type": str(AccountType.MEMBER),
                    "membership_id": membership_id,
                    "floor": community.default_floor,
                    "ceiling": community.default_ceiling,
                    "limits_from_sequence": 0,
                    "balance": 0,
                    "sequence": 0,
                    "created_at": now,
                }
                for membership_id in membership_ids
            ],
        )
        for p, user_id, account_id in zip(chunk, user_ids, account_ids, strict=True):
            p.user_id, p.account_id = user_id, account_id


def _returning_ids(table, rows: list[dict]) -> list[int]:
    return list(
        db.session.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).scalars()
    )


def _kinds(count: int) -> list[str]:
    """Largest-remainder rounding of KIND_SHARES, so the mix is exact and every kind appears."""
    exact = [(kind, share * count) for kind, share in flows.KIND_SHARES]
    counts = {kind: int(value) for kind, value in exact}
    by_remainder = sorted(exact, key=lambda item: item[1] - int(item[1]), reverse=True)
    for kind, _ in by_remainder[: count - sum(counts.values())]:
        counts[kind] += 1
    for kind in flows.KINDS:  # small demos still show every kind
        if counts[kind] == 0:
            largest = max(counts, key=counts.get)
            counts[largest] -= 1
            counts[kind] += 1
    return [kind for kind in flows.KINDS for _ in range(counts[kind])]


def _assign_modes(rng: random.Random, people: list[Person]) -> None:
    """Some volunteers and professionals only give; some service users and carers only receive.
    Never member01, and never every member of a kind."""
    how_many = max(1, round(len(people) * flows.GIVE_ONLY_SHARE))
    for mode, kinds in (("give", (flows.VOL, flows.PRO)), ("receive", (flows.SU, flows.CARER))):
        eligible = [i for i, p in enumerate(people) if i > 0 and p.kind in kinds]
        for i in rng.sample(eligible, min(how_many, len(eligible) - 1)):
            people[i].mode = mode
            people[i].tickets = 1 if mode == "receive" else people[i].tickets


def _name(rng: random.Random, used: set[str]) -> str:
    """A full name, unique while the lists allow (real communities do have namesakes)."""
    for _ in range(8):
        name = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
        if name not in used:
            break
    used.add(name)
    return name


def draw_ref(rng: random.Random, used: set[str]) -> str:
    """Like `services.people.new_member_ref` ("m-" and ten hex digits), but from the RNG."""
    while True:
        ref = f"m-{rng.getrandbits(40):010x}"
        if ref not in used:
            used.add(ref)
            return ref
