"""Drawing people for the demo's entries without breaking any account's limits.

`Draws` keeps a running balance of every account, in the order the specs will be posted, and
only draws a giver who stays under their ceiling and a receiver who stays above their floor.
"""
import random

from .people import Person

TRIES = 8  # draws before giving up on one slot (the slot then falls back to another flow)


class Draws:
    def __init__(self, rng: random.Random, limits: dict[int, tuple[int | None, int | None]]):
        self.rng = rng
        self.floor = {account: floor for account, (floor, _) in limits.items()}
        self.ceiling = {account: ceiling for account, (_, ceiling) in limits.items()}
        self.balance = dict.fromkeys(limits, 0)

    def _group(self, kinds, cum, pools, host, minutes, fits, smallest=3, largest=10, exclude=()) -> list[Person]:
        """Distinct people for a session, drawn by kind, each of whom `fits(account, minutes)`."""
        size = self.rng.randint(smallest, largest)
        seen = ({host.account_id} if host else set()) | {p.account_id for p in exclude}
        chosen = []
        for _ in range(3 * size):
            if len(chosen) == size:
                break
            pool = pools[self.rng.choices(kinds, cum_weights=cum)[0]]
            if not pool:
                continue
            person = pool[self.rng.randrange(len(pool))]
            if person.account_id not in seen and fits(person.account_id, minutes):
                seen.add(person.account_id)
                chosen.append(person)
        return chosen

    def _pick(self, pool: list[Person], ok, prefer: int = 0) -> Person | None:
        """A person from the pool for whom `ok` holds. With `prefer` -1 (or +1), the lower (or
        higher) balance of two such people: as a broker would, matching those who owe time with
        requests and those with hours to spare with offers, so that balances stay in a healthy
        band instead of piling up at the floor and the ceiling."""
        found = None
        if pool:
            for _ in range(TRIES):
                person = pool[self.rng.randrange(len(pool))]
                if not ok(person):
                    continue
                if found is None:
                    found = person
                    if not prefer:
                        break
                else:
                    if prefer * (self.balance[person.account_id] - self.balance[found.account_id]) > 0:
                        found = person
                    break
        return found

    def _can_earn(self, account: int, minutes: int) -> bool:
        ceiling = self.ceiling[account]
        return ceiling is None or self.balance[account] + minutes <= ceiling

    def _can_spend(self, account: int, minutes: int) -> bool:
        floor = self.floor[account]
        return floor is None or self.balance[account] - minutes >= floor

    def _fits(self, account: int, minutes: int) -> bool:
        return self._can_earn(account, minutes) if minutes > 0 else self._can_spend(account, -minutes)
