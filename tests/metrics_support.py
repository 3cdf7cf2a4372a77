"""Helpers for the report-figure tests: building small ledgers through the real ledger code,
and an independent recomputation of figures from the CSV export alone (METRICS.md).

Nothing here reads `timebank.metrics`: the expected values come from the definitions.
"""
import csv
import io
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from conftest import months_ago

from timebank.extensions import db
from timebank.ledger import EntrySpec, PostingSpec, post_entry, reverse_entry
from timebank.models import Confirmation, Role
from timebank.services.communities import create_community, create_organisation_account, pot_account
from timebank.services.people import add_membership, create_user, member_account

PASSWORD = "correct horse battery"
#: Shares and indices are published to 4 decimals: a published value is within 0.00005 of the
#: exact one.
TOLERANCE = 5.001e-5
_people = itertools.count(1)
_communities = itertools.count(1)


#: The report period used by most hand-built tests: two whole months that ended last month
#: but one, so every date in it (and a few weeks after it) is in the past.
START = months_ago(3)
END = months_ago(1) - timedelta(days=1)


def day(k: int) -> date:
    """The k-th day of the period (0 is START)."""
    return START + timedelta(days=k)


def approx(value, expected, tol=1e-6) -> bool:
    if expected is None or value is None:
        return value is expected
    return math.isclose(value, expected, rel_tol=tol, abs_tol=tol)


def gini(values) -> float | None:
    """The plain Gini coefficient: sum |x_i - x_j| over all ordered pairs / (2 n^2 mean)."""
    values = list(values)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return None
    return sum(abs(x - y) for x in values for y in values) / (2 * n * total)


@dataclass
class Book:
    """A community and its ledger, built through the ledger core. Accounts have no floor or
    ceiling (unless asked), so any random ledger can be posted."""

    community: object
    accounts: dict = field(default_factory=dict)  # account id -> membership (None for org / pot)
    entries: list = field(default_factory=list)

    @classmethod
    def new(cls, slug: str | None = None, **settings) -> "Book":
        slug = slug or f"book-{next(_communities)}"
        community = create_community(slug, slug.title(), **settings)
        db.session.commit()
        return cls(community)

    @property
    def cid(self) -> int:
        return self.community.id

    def person(self, kind="volunteer", *, joined: date | None = None, role=Role.MEMBER, floor=None):
        n = next(_people)
        user = create_user(f"m{n}@{self.community.slug}.example", f"Member {n}", PASSWORD)
        membership = add_membership(user, self.community, role=role, kind_code=kind, joined_on=joined or date(2025, 1, 1))
        account = member_account(membership.id)
        account.floor, account.ceiling = floor, None
        db.session.commit()
        self.accounts[account.id] = membership
        return account

    def organisation(self, name="Riverside Clinic"):
        account = create_organisation_account(self.cid, name, floor=None)
        db.session.commit()
        self.accounts[account.id] = None
        return account

    def pot(self):
        return pot_account(self.cid)

    def post(self, postings, on: date, kind="exchange", **kw):
        kw.setdefault("confirmation", Confirmation.MEMBER)
        spec = EntrySpec(
            community_id=self.cid,
            kind=kind,
            occurred_on=on,
            postings=tuple(PostingSpec(a.id if hasattr(a, "id") else a, m) for a, m in postings),
            **kw,
        )
        entry, _ = post_entry(spec)
        db.session.commit()
        self.entries.append(entry.id)
        return entry.id

    def give(self, giver, receiver, minutes: int, on: date, kind="exchange", **kw) -> int:
        """`giver` gave `minutes` to `receiver`."""
        return self.post([(giver, minutes), (receiver, -minutes)], on, kind=kind, **kw)

    def group(self, givers: dict, receivers: dict, on: date, **kw) -> int:
        """One entry with several givers and receivers: {account: minutes} each side."""
        postings = [(a, m) for a, m in givers.items()] + [(a, -m) for a, m in receivers.items()]
        return self.post(postings, on, kind=kw.pop("kind", "group_session"), **kw)

    def reverse(self, entry_id: int, on: date | None = None) -> int:
        reversal, _ = reverse_entry(self.cid, entry_id, reason="logged by mistake", actor_id=None, occurred_on=on)
        db.session.commit()
        return reversal.id


def report(community, start=START, end=END, *, suppress=False) -> dict:
    from timebank.metrics import get_report

    db.session.expire_all()
    return get_report(community, start, end, suppress=suppress)


#: Keys that describe the report rather than the ledger's figures.
NOT_FIGURES = {"status", "corrections", "community", "period", "suppressed", "computed_at", "threshold", "kinds"}


def figures(rep: dict) -> dict:
    return {k: v for k, v in rep.items() if k not in NOT_FIGURES}


def assert_close(actual, expected, path="report"):
    """Deep comparison: floats to within the report's rounding (shares have 4 decimals),
    everything else equal."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not a dict"
        assert actual.keys() == expected.keys(), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_close(actual[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=False)):
            assert_close(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) and isinstance(actual, int | float) and not isinstance(actual, bool):
        assert math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE), f"{path}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


# -- an independent recomputation from the CSV export ---------------------------------------


def read_export(text: str, community_slug: str | None = None) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if community_slug is not None:
        rows = [r for r in rows if r["community"] == community_slug]
    return rows


def account_key(row: dict) -> tuple:
    if row["account_type"] == "member":
        return ("member", row["member_ref"])
    return (row["account_type"], row["account_id"])


def kind_of(row: dict) -> str:
    if row["account_type"] == "organisation":
        return "organisation"
    if row["account_type"] == "pot":
        return "pot"
    return row["member_kind"]


@dataclass
class Recomputed:
    given: dict  # member ref -> minutes
    received: dict
    w: dict  # (giver key, receiver key) -> minutes (fractional), all accounts
    flow: dict  # giver kind -> receiver kind -> minutes (fractional)
    entries: int
    minutes: int

    @property
    def active(self) -> set:
        return {m for m in set(self.given) | set(self.received) if self.given.get(m, 0) + self.received.get(m, 0) > 0}

    @property
    def member_w(self) -> dict:
        return {(i, j): m for (i, j), m in self.w.items() if i[0] == "member" and j[0] == "member" and m > 0}

    def B1(self):
        active = self.active
        if not active:
            return None
        both = [m for m in active if self.given.get(m, 0) > 0 and self.received.get(m, 0) > 0]
        return len(both) / len(active)

    def B3(self):
        w = self.member_w
        n, edges = len(self.active), set(w)
        if not edges:
            return {"r": None, "rho": None, "r_w": None}
        r = sum(1 for (i, j) in edges if (j, i) in edges) / len(edges)
        a = len(edges) / (n * (n - 1))
        rho = None if a == 1 else (r - a) / (1 - a)
        r_w = sum(min(m, w.get((j, i), 0)) for (i, j), m in w.items()) / sum(w.values())
        return {"r": r, "rho": rho, "r_w": r_w}

    def graph(self):
        import networkx as nx

        graph = nx.DiGraph()
        graph.add_nodes_from(("member", m) for m in self.active)
        graph.add_edges_from(self.member_w)
        return graph

    def D1(self):
        import networkx as nx

        graph = self.graph()
        if graph.number_of_nodes() == 0:
            return {"components": 0, "largest_share": None}
        components = list(nx.weakly_connected_components(graph))
        return {
            "components": len(components),
            "largest_share": max(len(c) for c in components) / graph.number_of_nodes(),
        }

    def C1(self):
        """Unrounded flows; the report rounds each cell to the nearest minute."""
        return {a: dict(row) for a, row in self.flow.items()}


def recompute(rows: list[dict], start: date, end: date) -> Recomputed:
    """Figures from export rows alone: entries dated in [start, end], a reversed entry and its
    reversal both left out, each receiver's minutes split across an entry's givers in
    proportion to what each gave (METRICS.md, notation)."""
    by_entry: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_entry[row["entry_id"]].append(row)
    given, received = defaultdict(int), defaultdict(int)
    w = defaultdict(float)
    flow = defaultdict(lambda: defaultdict(float))
    entries = minutes_total = 0
    for postings in by_entry.values():
        first = postings[0]
        if first["reverses_entry_id"] or first["reversed_by_entry_id"]:
            continue
        if not (start <= date.fromisoformat(first["occurred_on"]) <= end):
            continue
        entries += 1
        givers = [(p, int(p["minutes"])) for p in postings if int(p["minutes"]) > 0]
        receivers = [(p, -int(p["minutes"])) for p in postings if int(p["minutes"]) < 0]
        total = sum(m for _, m in givers)
        minutes_total += total
        for p, m in givers:
            if p["account_type"] == "member":
                given[p["member_ref"]] += m
        for p, m in receivers:
            if p["account_type"] == "member":
                received[p["member_ref"]] += m
        for (g, gm), (r, rm) in itertools.product(givers, receivers):
            share = rm * gm / total
            w[(account_key(g), account_key(r))] += share
            flow[kind_of(g)][kind_of(r)] += share
    return Recomputed(dict(given), dict(received), dict(w), flow, entries, minutes_total)


#: The pot's kind as written on postings and in the export. docs/report-format.md keys the
#: pot's row and column of C1 "pot"; test_metrics_hand checks that key. The comparisons here
#: accept either, so that a naming slip does not hide a wrong number.
RAW_POT = "community_pot"


def normalised_c1(c1: dict) -> dict:
    rename = lambda k: "pot" if k == RAW_POT else k  # noqa: E731
    return {rename(a): {rename(b): v for b, v in (row or {}).items()} for a, row in (c1 or {}).items()}


def assert_c1_matches(reported: dict, exact: dict, path="C1"):
    """Each reported cell is the exact flow rounded to the nearest minute; cells absent from
    the report carry no minutes."""
    reported = normalised_c1(reported)
    for a, row in exact.items():
        for b, minutes in row.items():
            if minutes == 0:
                continue
            value = (reported.get(a) or {}).get(b)
            assert value is not None, f"{path}.{a}.{b} missing, expected {minutes}"
            assert isinstance(value, int), f"{path}.{a}.{b} = {value!r} is not whole minutes"
            assert abs(value - minutes) <= 0.5 + 1e-6, f"{path}.{a}.{b} = {value}, exact flow {minutes}"
    for a, row in reported.items():
        for b, value in (row or {}).items():
            if not exact.get(a, {}).get(b):
                assert value in (0, None), f"{path}.{a}.{b} = {value}, but nothing flowed"
