"""The history's flows with the two organisations: their co-design and training sessions that
pay each participant, members giving them time (a patient panel, the health centre garden),
and members spending credits with them (a wellbeing class, a course)."""
from . import flows
from .draws import Draws


class OrganisationFlows(Draws):
    """Mixed into `history.History`, which keeps the pools, the accounts and `_spec`."""

    def _org_session(self, day):
        """An organisation's co-design or training session that pays each participant."""
        org = self.trust if self.rng.random() < 0.7 else self.health_centre
        minutes = self.rng.choices(flows.SESSION_UNITS, cum_weights=flows.SESSION_CUM)[0]
        people = self._group(flows.PAID_KINDS, flows.PAID_CUM, self.give_pool, None, minutes, self._can_earn, 4, 12)
        if not self._can_spend(org, minutes * len(people)):
            org = self.health_centre if org == self.trust else self.trust  # the other one's budget
        while len(people) >= 2 and not self._can_spend(org, minutes * len(people)):
            people.pop()
        if len(people) < 2:
            return None
        legs = ((org, -minutes * len(people)), *((p.account_id, minutes) for p in people))
        step = rung = None
        if self.rng.random() < 0.9:
            step, rung = self.rng.choice(flows.ORG_STEPS), self.rng.choice(flows.ORG_RUNGS)
        activity = self.rng.choice(flows.ORG_SESSION_ACTIVITIES)
        coordinator = self.coordinator
        return self._spec("group_session", day, legs, coordinator, coordinator, "in_person", activity, step, rung)

    def _org_pays(self, day):
        """A member gives time to an organisation (a patient panel, the health centre garden)."""
        minutes = self.rng.choices(flows.UNITS, cum_weights=flows.UNIT_CUM)[0]
        org = self.health_centre if self.rng.random() < 0.55 else self.trust
        if not self._can_spend(org, minutes):
            org = self.health_centre if org == self.trust else self.trust
            if not self._can_spend(org, minutes):
                return None
        kind = self.rng.choices(flows.PAID_KINDS, cum_weights=flows.PAID_CUM)[0]
        member = self._pick(self.give_pool[kind], lambda p: self._can_earn(p.account_id, minutes), -1)
        if member is None:
            return None
        x = self.rng.random()
        recorded, how = (member.user_id, "phone") if x < 0.3 else (self.coordinator, "paper" if x < 0.8 else "in_person")
        legs = ((member.account_id, minutes), (org, -minutes))
        return self._spec("exchange", day, legs, recorded, self.coordinator, how, self.rng.choice(flows.ORG_PAYS_ACTIVITIES))

    def _org_spend(self, day):
        """A member spends credits with an organisation (a wellbeing class, a course)."""
        minutes = self.rng.choices(flows.SESSION_UNITS, cum_weights=flows.SESSION_CUM)[0]
        org = self.health_centre if self.rng.random() < 0.6 else self.trust
        kind = self.rng.choices(flows.ATTENDEE_KINDS, cum_weights=flows.ATTENDEE_CUM)[0]
        member = self._pick(self.recv_pool[kind], lambda p: self._can_spend(p.account_id, minutes), 1)
        if member is None or not self._can_earn(org, minutes):
            return None
        legs = ((org, minutes), (member.account_id, -minutes))
        coordinator = self.coordinator
        activity = self.rng.choice(flows.ORG_SPEND_ACTIVITIES)
        return self._spec("exchange", day, legs, coordinator, coordinator, "in_person", activity)
