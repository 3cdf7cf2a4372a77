"""The demo's history: entries drawn day by day, each within its accounts' floors and ceilings.

The generator keeps its own running balance of every account, in the order the specs will be
posted, so the ledger core (which refuses a whole batch if one posting breaches a limit) never
has to: a receiver is drawn only if they can afford the time, a giver only while under their
ceiling. Specs are yielded one at a time and nothing is kept but the balances and a short queue
of entries that may later be reversed, so memory stays flat however long the history.
"""
import random
from collections import Counter, deque
from datetime import date, timedelta

from ..ledger.rules import EntrySpec, PostingSpec
from . import flows, names
from .organisation_flows import OrganisationFlows
from .people import Person

DONOR_CUSHION = 600  # members donate only what leaves them at least this much
GRANT_BELOW = 600  # the pot makes grants to members whose balance is below this
REVERSIBLE_EVERY = 31  # one exchange in about this many (by entry id) may be reversed later
#: People keep exchanging with the same few partners and go to the same groups, as they do in
#: real timebanks: the chance that a peer exchange (or a seat in a group) goes to someone
#: already known, and how many regular partners (or group members) anyone keeps.
REPEAT = 0.92
CIRCLE = 8
GROUP = 12


class History(OrganisationFlows):
    def __init__(
        self,
        rng: random.Random,
        community_id: int,
        people: list[Person],
        *,
        coordinator_id: int,
        pot_id: int,
        organisations: tuple[int, int],
        activities: dict[str, int],
        limits: dict[int, tuple[int | None, int | None]],
        start: date,
        end: date,
        total: int,
        auto_confirm_days: int,
    ):
        super().__init__(rng, limits)
        self.community_id, self.people = community_id, people
        self.coordinator, self.pot = coordinator_id, pot_id
        self.health_centre, self.trust = organisations
        self.activities = activities
        self.activity_names = {activity_id: name for name, activity_id in activities.items()}
        self.start, self.end, self.total = start, end, total
        self.auto_cutoff = end - timedelta(days=auto_confirm_days)
        #: Entries may be dated on or after this day (moved on when a month is closed).
        self.open_from = start
        self.counts: Counter[str] = Counter()
        self.give_pool = {kind: [] for kind in flows.KINDS}
        self.recv_pool = {kind: [] for kind in flows.KINDS}
        self.regular: list[Person] = []
        self.restricted = {p.account_id for p in people if p.mode}
        self.candidates: deque = deque(maxlen=500)
        self.circle: dict[int, list[Person]] = {}
        self.groups: dict[int, list[Person]] = {}
        self._joined = 0
        self._followup: EntrySpec | None = None
        self._draw = {name: getattr(self, f"_{name}") for name, _ in flows.MIX}
        self._mix_names = [name for name, _ in flows.MIX]

    # -- the calendar -----------------------------------------------------------------------

    def schedule(self):
        """(day, how many entries) for every day, quieter at weekends and busier as the
        programme grows; the quotas add up to `total` exactly."""
        days = (self.end - self.start).days + 1
        weights = []
        for i in range(days):
            day = self.start + timedelta(days=i)
            weights.append(flows.WEEKDAY_FACTOR[day.weekday()] * (0.55 + 0.45 * i / max(1, days - 1)))
        whole, running, done = sum(weights), 0.0, 0
        for i, weight in enumerate(weights):
            running += weight
            target = round(self.total * running / whole)
            yield self.start + timedelta(days=i), target - done
            done = target

    def entries(self, day: date, quota: int):
        """Yield about `quota` specs dated `day` (or, for reversals, the original's day)."""
        self._admit(day)
        produced = attempts = 0
        while produced < quota and attempts < 4 * quota:
            attempts += 1
            flow = self.rng.choices(self._mix_names, cum_weights=flows.MIX_CUM)[0]
            if not self.counts["reversal"] and self.candidates:
                flow = "reversal"  # every demo, however small, shows a correction
            spec = self._draw[flow](day) or self._org_pays(day)
            if spec is None:
                continue
            yield spec
            produced += 1
            if self._followup is not None:
                yield self._followup
                produced += 1
                self._followup = None

    def remember(self, specs, results) -> None:
        """After a batch is posted: keep some plain exchanges between members who both give
        and receive as candidates for a later reversal (never one that would give a give-only
        member a negative posting, or a receive-only member a positive one)."""
        for spec, posted in zip(specs, results, strict=True):
            if spec.kind != "exchange" or posted.entry_id % REVERSIBLE_EVERY:
                continue
            if any(p.account_id in self.restricted for p in spec.postings):
                continue
            legs = tuple((p.account_id, p.minutes) for p in spec.postings)
            activity = self.activity_names.get(spec.activity_id)
            self.candidates.append((posted.entry_id, spec.occurred_on, legs, activity))

    def _admit(self, day: date) -> None:
        """Members join the draws on the day they joined the community."""
        while self._joined < len(self.people) and self.people[self._joined].joined_on <= day:
            person = self.people[self._joined]
            self._joined += 1
            tickets = [person] * person.tickets
            if person.mode != "receive":
                self.give_pool[person.kind].extend(tickets)
            if person.mode != "give":
                self.recv_pool[person.kind].extend(tickets)
            if person.mode is None:
                self.regular.extend(tickets)

    # -- the flows --------------------------------------------------------------------------

    def _peer(self, day):
        giver_kind, receiver_kind, _, activities = self.rng.choices(flows.PAIRS, cum_weights=flows.PAIR_CUM)[0]
        minutes = self.rng.choices(flows.UNITS, cum_weights=flows.UNIT_CUM)[0]
        giver = self._pick(self.give_pool[giver_kind], lambda p: self._can_earn(p.account_id, minutes), -1)
        if giver is None:
            return None
        can_receive = lambda p: p is not giver and p.mode != "give" and self._can_spend(p.account_id, minutes)  # noqa: E731
        receiver = None
        if self.rng.random() < REPEAT:
            receiver = self._pick(self.circle.get(giver.account_id, []), can_receive)
        if receiver is None:
            receiver = self._pick(self.recv_pool[receiver_kind], can_receive, 1)
        if receiver is None:
            return None
        self._know(giver, receiver)
        recorded, confirmed, how = self._confirmation(day, giver.user_id, receiver.user_id)
        legs = ((giver.account_id, minutes), (receiver.account_id, -minutes))
        return self._spec("exchange", day, legs, recorded, confirmed, how, self.rng.choice(activities))

    def _session(self, day):
        """A member-led group session: the facilitator earns what the attendees spend."""
        minutes = self.rng.choices(flows.SESSION_UNITS, cum_weights=flows.SESSION_CUM)[0]
        kind = self.rng.choices(flows.FACILITATOR_KINDS, cum_weights=flows.FACILITATOR_CUM)[0]
        host = self._pick(self.give_pool[kind], lambda p: self._can_earn(p.account_id, 2 * minutes))
        if host is None:
            return None
        attendees = self._regulars(host, minutes)
        attendees += self._group(
            flows.ATTENDEE_KINDS, flows.ATTENDEE_CUM, self.recv_pool, host, minutes, self._can_spend,
            smallest=max(0, 3 - len(attendees)), largest=max(0, 5 - len(attendees)), exclude=attendees,
        )
        while len(attendees) >= 2 and not self._can_earn(host.account_id, minutes * len(attendees)):
            attendees.pop()
        if len(attendees) < 2:
            return None
        legs = ((host.account_id, minutes * len(attendees)), *((p.account_id, -minutes) for p in attendees))
        group = self.groups.setdefault(host.account_id, [])
        group.extend(p for p in attendees if p not in group)
        del group[:-GROUP]
        step = rung = None
        if self.rng.random() < 0.5:
            step, rung = self.rng.choice(flows.MEMBER_STEPS), self.rng.choice(flows.MEMBER_RUNGS)
        if self.rng.random() < 0.6:
            recorded, how = host.user_id, "in_person"
        else:
            recorded, how = self.coordinator, "paper"
        activity = self.rng.choice(flows.SESSION_ACTIVITIES)
        return self._spec("group_session", day, legs, recorded, self.coordinator, how, activity, step, rung)

    def _know(self, a: Person, b: Person) -> None:
        """a and b become regular partners (each keeps the most recent CIRCLE)."""
        for one, other in ((a, b), (b, a)):
            circle = self.circle.setdefault(one.account_id, [])
            if other not in circle:
                circle.append(other)
                if len(circle) > CIRCLE:
                    circle.pop(0)

    def _regulars(self, host: Person, minutes: int) -> list[Person]:
        """The host's regular group members who come this time and can spend the time."""
        group = self.groups.get(host.account_id, [])
        return [p for p in group if self.rng.random() < 0.8 and self._can_spend(p.account_id, minutes)]

    def _donation(self, day):
        """A member with hours to spare gives some to the community pot."""
        minutes = self.rng.choices(flows.GIFT_UNITS, cum_weights=flows.GIFT_CUM)[0]
        donor = self._pick(self.regular, lambda p: self.balance[p.account_id] - minutes >= DONOR_CUSHION, 1)
        if donor is None or not self._can_spend(donor.account_id, minutes):
            return None
        legs = ((donor.account_id, -minutes), (self.pot, minutes))
        note = self.rng.choice(names.DONATION_NOTES)
        return self._spec("donation", day, legs, donor.user_id, donor.user_id, "recorder", note=note)

    def _grant(self, day):
        """The pot grants hours (never more than it holds) to a member who is running low."""
        minutes = self.rng.choices(flows.GIFT_UNITS, cum_weights=flows.GIFT_CUM)[0]
        if self.balance[self.pot] < minutes:
            return None
        member = self._pick(
            self.regular,
            lambda p: self.balance[p.account_id] < GRANT_BELOW and self._can_earn(p.account_id, minutes),
            -1,
        )
        if member is None:
            return None
        legs = ((self.pot, -minutes), (member.account_id, minutes))
        note = self.rng.choice(names.GRANT_NOTES)
        coordinator = self.coordinator
        return self._spec("grant", day, legs, coordinator, coordinator, "recorder", note=note)

    def _reversal(self, day):
        """A coordinator undoes an earlier exchange of a month still open with its mirror image,
        dated on the original's day, and sometimes records the right one. (Not one of a closed
        month: that would change a frozen report, and a funder's quarter would then hide the
        figures that no longer add up to its months'.)"""
        while self.candidates:
            entry_id, when, legs, activity = self.candidates.popleft()
            if when < self.open_from:
                continue
            mirrored = tuple((account, -minutes) for account, minutes in legs)
            if not all(self._fits(account, minutes) for account, minutes in mirrored):
                continue
            dated = when
            reason = self.rng.choice(names.REVERSAL_REASONS)
            coordinator = self.coordinator
            spec = self._spec(
                "reversal", dated, mirrored, coordinator, coordinator, "recorder", activity,
                reverses_id=entry_id, reason=reason,
            )
            (giver, given), (receiver, _) = legs
            minutes = self.rng.choices(flows.UNITS, cum_weights=flows.UNIT_CUM)[0]
            corrected = reason.startswith("Wrong number") and minutes != given
            if corrected and self._fits(giver, minutes) and self._fits(receiver, -minutes):
                legs = ((giver, minutes), (receiver, -minutes))
                self._followup = self._spec("exchange", dated, legs, coordinator, coordinator, "phone", activity)
            return spec
        return None

    # -- helpers ----------------------------------------------------------------------------

    def _confirmation(self, day, giver: int, receiver: int) -> tuple[int, int | None, str]:
        """Who logged a peer exchange and how it was confirmed: mostly the other member in
        the app; some by the coordinator (phone, paper, in person); some by the timeout, but
        only once the community's auto-confirm days have passed."""
        x, coordinator = self.rng.random(), self.coordinator
        if x < 0.10 and day <= self.auto_cutoff:
            return giver, None, "auto_timeout"
        if x < 0.80:
            return (giver, receiver, "member") if x < 0.55 else (receiver, giver, "member")
        if x < 0.88:
            return giver, coordinator, "phone"
        if x < 0.95:
            return coordinator, coordinator, "paper"
        return coordinator, coordinator, "in_person"

    def _spec(self, kind, day, legs, recorded, confirmed, how, activity=None, step=None, rung=None, **extra):
        for account, minutes in legs:
            self.balance[account] += minutes
        self.counts[kind] += 1
        return EntrySpec(
            community_id=self.community_id,
            kind=kind,
            occurred_on=day,
            postings=tuple(PostingSpec(account, minutes) for account, minutes in legs),
            recorded_by_id=recorded,
            confirmed_by_id=confirmed,
            confirmation=how,
            activity_id=self.activities[activity] if activity else None,
            coproduction_step=step,
            ladder_rung=rung,
            **extra,
        )
