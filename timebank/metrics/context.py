"""Everything one report needs, loaded once, as plain Python values.

Notation follows METRICS.md: G_i and R_i are a member's minutes given and received in the
period, "active" means G_i + R_i > 0, and "registered" means a member (with a time account,
not pending) on `end`. The member graph has one node per active member and an edge i -> j
wherever minutes went from member i to member j.
"""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import networkx as nx

from ..dates import next_month
from ..ledger import rollups
from ..models import Community
from . import data


def months_between(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


@dataclass
class Context:
    community: Community
    start: date
    end: date

    def __post_init__(self):
        self._edges: dict = {}

    def edge(self, start: date, end: date, part: str):
        """The postings' sums for part-month days, each range and part summed once per report."""
        key = (start, end, part)
        if key not in self._edges:
            self._edges[key] = rollups.sums_between(self.community.id, start, end, parts={part})
        return self._edges[key]

    @cached_property
    def members(self) -> data.Members:
        return data.members(self.community.id)

    @cached_property
    def registered(self) -> set[int]:
        return self.members.registered(self.end)

    @cached_property
    def rows(self) -> dict:
        """(account, month, kind) -> [given, received, entries, first given, first received], in T."""
        return data.account_months(self.community.id, self.start, self.end, self.edge)

    @cached_property
    def history(self) -> dict:
        """The same, for every month up to `end` (member accounts only)."""
        accounts = self.members.accounts
        return {key: value for key, value in data.account_months(self.community.id, None, self.end, self.edge).items() if key[0] in accounts}

    def _totals(self, rows) -> tuple[dict[int, int], dict[int, int]]:
        given, received = defaultdict(int), defaultdict(int)
        accounts = self.members.accounts
        for (account, _, _), value in rows.items():
            if account in accounts:
                given[account] += value[0]
                received[account] += value[1]
        return given, received

    @cached_property
    def given_received(self) -> tuple[dict[int, int], dict[int, int]]:
        return self._totals(self.rows)

    @property
    def G(self) -> dict[int, int]:  # noqa: N802 (METRICS.md's notation)
        return self.given_received[0]

    @property
    def R(self) -> dict[int, int]:  # noqa: N802
        return self.given_received[1]

    @cached_property
    def active(self) -> set[int]:
        return {account for account in self.members.accounts if self.G.get(account, 0) + self.R.get(account, 0) > 0}

    @cached_property
    def kind_of(self) -> dict[int, str]:
        """Each active member's kind as snapshotted on their last posting in T."""
        latest: dict[int, tuple] = {}
        for (account, month, kind), value in self.rows.items():
            if account in self.active:
                last_day = max(d for d in (value[3], value[4], month) if d is not None)
                if account not in latest or last_day > latest[account][0]:
                    latest[account] = (last_day, kind)
        return {account: kind for account, (_, kind) in latest.items()}

    @cached_property
    def pair_flows(self) -> data.PairFlows:
        return data.pair_flows(self.community.id, self.start, self.end, self.edge)

    @cached_property
    def pairs(self) -> dict[tuple[int, int], float]:
        """(giver, receiver) -> minutes in T, every kind of account."""
        out: dict = defaultdict(float)
        for (giver, receiver, _, _), minutes in self.pair_flows.in_period():
            out[(giver, receiver)] += minutes
        return dict(out)

    @cached_property
    def member_pairs(self) -> dict[tuple[int, int], float]:
        """w_ij between members: (i, j) -> minutes from member i to member j in T."""
        accounts = self.members.accounts
        return {
            (giver, receiver): minutes
            for (giver, receiver), minutes in self.pairs.items()
            if minutes > 1e-9 and giver in accounts and receiver in accounts
        }

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The member graph (METRICS.md): active members, and an edge wherever minutes went.
        The minutes stay in `member_pairs`; the graph holds the ties and each member's kind."""
        graph = nx.DiGraph()
        graph.add_nodes_from((account, {"kind": self.kind_of.get(account, "")}) for account in self.active)
        graph.add_edges_from(self.member_pairs)
        return graph

    @cached_property
    def undirected(self) -> nx.Graph:
        """The member graph with directions ignored (ties only, no weights)."""
        graph = nx.Graph()
        graph.add_nodes_from(self.graph.nodes(data=True))
        graph.add_edges_from(self.graph.edges())
        return graph

    @cached_property
    def entries(self) -> dict[tuple, int]:
        """(month, kind, flow, confirmation, step, rung, size) -> entries in T."""
        return data.entry_buckets(self.community.id, self.start, self.end, self.edge)

    @cached_property
    def months(self) -> list[date]:
        return months_between(self.start, self.end)

    def first_days(self) -> dict[int, tuple[date | None, date | None]]:
        """Each member's first day giving and first day receiving, up to `end`."""
        firsts: dict[int, list] = {}
        for (account, _, _), value in self.history.items():
            current = firsts.setdefault(account, [None, None])
            for index, day in ((0, value[3]), (1, value[4])):
                if day is not None and (current[index] is None or day < current[index]):
                    current[index] = day
        return {account: (g, r) for account, (g, r) in firsts.items()}

    @property
    def days_before_end(self) -> int:
        return (self.end - self.start).days + 1

    def window(self, days: int) -> tuple[date, date]:
        return self.end - timedelta(days=days - 1), self.end
