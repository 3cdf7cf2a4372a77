"""A stateful property test of the ledger core against a plain-Python model.

Hypothesis drives a sequence of operations (exchanges, group sessions, overrides, reversals,
retries with idempotency keys, conflicting reuse of a key, closing months) on a handful of
accounts, some with tight limits. The model predicts each outcome, including every refusal, and
after every step all of the ledger's invariants are checked: `verify()` of the example's
community is clean, balances and sequences equal the model's, and a refused operation changed
nothing.

Each example runs in a fresh community of its own, on the test's database (SQLite, then
PostgreSQL).
"""

import dataclasses
import itertools
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from timebank import ledger
from timebank.errors import (
    AlreadyReversed,
    CannotReverseReversal,
    IdempotencyConflict,
    LimitExceeded,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotFinished,
)
from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, rules
from timebank.models import Account, Entry, ReportingPeriod
from timebank.services.communities import create_community, create_organisation_account, pot_account
from timebank.services.people import add_membership, create_user, member_account

#: (kind, floor, ceiling) of the member accounts; the organisation (floor 0) and pot (no limits) join them.
MEMBERS = [
    ("service_user", -60, 120),
    ("carer", -120, 60),
    ("volunteer", -600, 6000),
    ("professional", None, None),
]
KEYS = ["k1", "k2", "k3"]
MAX_MONTHS_BACK = 4


def month_back(today: date, n: int) -> date:
    index = today.year * 12 + today.month - 1 - n
    return date(index // 12, index % 12 + 1, 1)


class Refused(Exception):
    """The model's prediction that the core refuses, with the error class expected."""


@dataclasses.dataclass
class ModelEntry:
    id: int
    postings: tuple[tuple[int, int], ...]
    occurred_on: date
    is_reversal: bool


def make_machine(backend):
    numbers = itertools.count(1)

    class LedgerMachine(RuleBasedStateMachine):
        @initialize()
        def open_community(self):
            db.session.rollback()
            n = next(numbers)
            community = create_community(f"prop-{backend[:2]}-{n}", f"Property {n}")
            self.community_id = community.id
            self.today = community.today()
            self.months = [month_back(self.today, k) for k in range(MAX_MONTHS_BACK + 1)]
            accounts = []
            for i, (kind, floor, ceiling) in enumerate(MEMBERS):
                user = create_user(f"p{n}-{i}@prop.example", f"Person {i}")
                membership = add_membership(user, community, kind_code=kind, joined_on=self.months[-1])
                account = member_account(membership.id)
                account.floor, account.ceiling = floor, ceiling
                accounts.append(account)
            accounts.append(create_organisation_account(community.id, "Clinic"))  # floor 0
            accounts.append(pot_account(community.id))
            db.session.commit()
            self.ids = [a.id for a in accounts]
            self.limits = {a.id: (a.floor, a.ceiling) for a in accounts}
            self.balance = dict.fromkeys(self.ids, 0)
            self.sequence = dict.fromkeys(self.ids, 0)
            self.entries: list[ModelEntry] = []
            self.reversed: set[int] = set()
            self.closed: set[date] = set()
            self.keys: dict[str, tuple[EntrySpec, int]] = {}

        # -- the model -------------------------------------------------------------------

        def breaches(self, postings, override):
            if override:
                return set()
            found = set()
            for account_id, minutes in postings:
                floor, ceiling = self.limits[account_id]
                after = self.balance[account_id] + minutes
                if minutes < 0 and floor is not None and after < floor:
                    found.add(account_id)
                if minutes > 0 and ceiling is not None and after > ceiling:
                    found.add(account_id)
            return found

        def predict(self, spec: EntrySpec):
            """What the core must do with `spec`: ("replay", entry_id), ("post", None) or raise Refused."""
            # A key already used settles it first: a retry returns its entry even if its month
            # has closed since, and other content under that key is a conflict.
            if spec.idempotency_key in self.keys:
                stored, entry_id = self.keys[spec.idempotency_key]
                if rules.content_hash(stored) != rules.content_hash(spec):
                    raise Refused(IdempotencyConflict)
                return ("replay", entry_id)
            if rules.month_of(spec.occurred_on) in self.closed:
                raise Refused(PeriodClosed)
            if spec.reverses_id is not None:
                original = next(e for e in self.entries if e.id == spec.reverses_id)
                if original.is_reversal:
                    raise Refused(CannotReverseReversal)
                if original.id in self.reversed:
                    raise Refused(AlreadyReversed)
            postings = [(p.account_id, p.minutes) for p in spec.postings]
            if self.breaches(postings, spec.limit_override):
                raise Refused(LimitExceeded)
            return ("post", None)

        def apply(self, entry_id, spec):
            postings = tuple((p.account_id, p.minutes) for p in spec.postings)
            for account_id, minutes in postings:
                self.balance[account_id] += minutes
                self.sequence[account_id] += 1
            self.entries.append(ModelEntry(entry_id, postings, spec.occurred_on, spec.reverses_id is not None))
            if spec.reverses_id is not None:
                self.reversed.add(spec.reverses_id)
            if spec.idempotency_key is not None:
                self.keys[spec.idempotency_key] = (spec, entry_id)

        def state_in_db(self):
            rows = db.session.execute(
                select(Account.id, Account.balance, Account.sequence).where(Account.community_id == self.community_id)
            ).all()
            entries = db.session.scalar(
                select(func.count()).select_from(Entry).where(Entry.community_id == self.community_id)
            )
            return sorted(rows), entries

        def submit(self, spec: EntrySpec, call=None):
            """Run `call` (by default post_entry(spec)) and compare with the model's prediction."""
            call = call or (lambda: ledger.post_entry(spec))
            try:
                outcome, replay_of = self.predict(spec)
            except Refused as refusal:
                (expected,) = refusal.args
                before = self.state_in_db()
                with pytest.raises(expected) as raised:
                    call()
                db.session.rollback()
                assert self.state_in_db() == before, "a refused operation changed the ledger"
                if expected is LimitExceeded:
                    postings = [(p.account_id, p.minutes) for p in spec.postings]
                    assert {b.account_id for b in raised.value.breaches} == self.breaches(postings, False)
                if expected is PeriodClosed:
                    assert raised.value.month == rules.month_of(spec.occurred_on)
                return None
            entry, replayed = call()
            db.session.commit()
            if outcome == "replay":
                assert (entry.id, replayed) == (replay_of, True)
                return entry
            assert replayed is False
            assert sorted((p.account_id, p.minutes) for p in entry.postings) == sorted(
                (p.account_id, p.minutes) for p in spec.postings
            )
            self.apply(entry.id, spec)
            return entry

        def day(self, months_back, day_of_month):
            month = self.months[months_back]
            if months_back == 0:
                return month.replace(day=min(day_of_month, self.today.day))
            return month.replace(day=day_of_month)

        # -- the operations --------------------------------------------------------------

        @rule(
            giver=st.integers(0, len(MEMBERS) + 1),
            receiver=st.integers(0, len(MEMBERS) + 1),
            minutes=st.integers(1, 120),
            months_back=st.integers(0, MAX_MONTHS_BACK),
            day_of_month=st.integers(1, 28),
            kind=st.sampled_from(["exchange", "donation", "grant", "adjustment"]),
            key=st.sampled_from([None, *KEYS]),
        )
        def exchange(self, giver, receiver, minutes, months_back, day_of_month, kind, key):
            if giver == receiver:
                return
            spec = ledger.exchange(
                self.community_id,
                self.ids[giver],
                self.ids[receiver],
                minutes,
                self.day(months_back, day_of_month),
                kind=kind,
                idempotency_key=key,
            )
            self.submit(spec)

        @rule(
            host=st.integers(0, len(MEMBERS) + 1),
            guests=st.lists(st.tuples(st.integers(0, len(MEMBERS) + 1), st.integers(1, 90)), min_size=2, max_size=4),
            months_back=st.integers(0, MAX_MONTHS_BACK),
            day_of_month=st.integers(1, 28),
        )
        def group_session(self, host, guests, months_back, day_of_month):
            chosen = {}
            for guest, minutes in guests:
                if guest != host:
                    chosen.setdefault(guest, minutes)
            if len(chosen) < 1:
                return
            spec = EntrySpec(
                community_id=self.community_id,
                kind="group_session",
                occurred_on=self.day(months_back, day_of_month),
                postings=(
                    PostingSpec(self.ids[host], sum(chosen.values())),
                    *(PostingSpec(self.ids[g], -m) for g, m in chosen.items()),
                ),
            )
            self.submit(spec)

        @rule(
            giver=st.integers(0, len(MEMBERS) + 1),
            receiver=st.integers(0, len(MEMBERS) + 1),
            minutes=st.integers(60, 300),
        )
        def override(self, giver, receiver, minutes):
            """A coordinator's reasoned override, dated today: goes through whatever the limits."""
            if giver == receiver:
                return
            spec = ledger.exchange(
                self.community_id,
                self.ids[giver],
                self.ids[receiver],
                minutes,
                self.today,
                limit_override=True,
                reason="agreed by the coordinator",
            )
            self.submit(spec)

        @precondition(lambda self: self.entries)
        @rule(which=st.integers(0, 10_000))
        def reverse(self, which):
            original = self.entries[which % len(self.entries)]
            occurred_on = self.today if rules.month_of(original.occurred_on) in self.closed else original.occurred_on
            spec = EntrySpec(
                community_id=self.community_id,
                kind="reversal",
                occurred_on=occurred_on,
                postings=tuple(PostingSpec(a, -m) for a, m in original.postings),
                reverses_id=original.id,
                reason="a mistake",
            )
            entry = self.submit(
                spec,
                call=lambda: ledger.reverse_entry(self.community_id, original.id, reason="a mistake", actor_id=None),
            )
            if entry is not None:
                assert entry.occurred_on == occurred_on and entry.reverses_id == original.id

        @precondition(lambda self: self.keys)
        @rule(which=st.integers(0, 10_000))
        def retry(self, which):
            key = sorted(self.keys)[which % len(self.keys)]
            spec, entry_id = self.keys[key]
            entry = self.submit(spec)
            assert entry is not None and entry.id == entry_id

        @precondition(lambda self: self.keys)
        @rule(which=st.integers(0, 10_000), extra=st.integers(1, 30))
        def reuse_key_for_other_content(self, which, extra):
            spec, _ = self.keys[sorted(self.keys)[which % len(self.keys)]]
            giver, receiver = spec.postings
            other = dataclasses.replace(
                spec,
                postings=(
                    PostingSpec(giver.account_id, giver.minutes + extra),
                    PostingSpec(receiver.account_id, receiver.minutes - extra),
                ),
            )
            self.submit(other)

        @rule(months_back=st.integers(0, MAX_MONTHS_BACK))
        def close_month(self, months_back):
            month = self.months[months_back]
            if months_back == 0:
                expected = PeriodNotFinished
            elif month in self.closed:
                expected = PeriodAlreadyClosed
            else:
                expected = None
            if expected is not None:
                before = self.state_in_db()
                with pytest.raises(expected):
                    ledger.close_period(self.community_id, month, closed_by_id=None)
                db.session.rollback()
                assert self.state_in_db() == before
                return
            period = ledger.close_period(self.community_id, month, closed_by_id=None)
            db.session.commit()
            assert period.entry_count == sum(1 for e in self.entries if rules.month_of(e.occurred_on) == month)
            self.closed.add(month)

        # -- after every step ------------------------------------------------------------

        @invariant()
        def ledger_agrees_with_the_model(self):
            failures = [(c.invariant, c.violations) for c in ledger.verify(self.community_id) if not c.ok]
            assert not failures, failures
            rows, entries = self.state_in_db()
            assert {r.id: r.balance for r in rows} == self.balance
            assert {r.id: r.sequence for r in rows} == self.sequence
            assert {i: ledger.balance(i) for i in self.ids} == self.balance
            assert entries == len(self.entries)
            assert sum(self.balance.values()) == 0
            reversed_in_db = set(
                db.session.scalars(
                    select(Entry.reverses_id).where(
                        Entry.community_id == self.community_id, Entry.reverses_id.is_not(None)
                    )
                )
            )
            assert reversed_in_db == self.reversed
            closed_in_db = set(
                db.session.scalars(
                    select(ReportingPeriod.month).where(ReportingPeriod.community_id == self.community_id)
                )
            )
            assert closed_in_db == self.closed

        def teardown(self):
            db.session.rollback()

    return LedgerMachine


def test_the_ledger_keeps_its_invariants_under_any_sequence_of_operations(app, backend):
    run_state_machine_as_test(
        make_machine(backend),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
        ),
    )
