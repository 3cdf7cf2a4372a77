"""D. Networks: member accounts only (framing 2), on the member graph.

Choices METRICS.md leaves open:
- D2 is the average clustering of the undirected member graph, as networkx's
  `average_clustering` defines it (members with fewer than two partners count as 0); D3's ties are the undirected ties of that graph, "between" when the two members' kinds
  (on their last posting in T) differ.
- D4 is over exchanges and group sessions (the time people give each other; pot and
  organisation transfers are always recorded by a coordinator): entries confirmed by phone, on
  paper, in person or recorded by a coordinator, and entries that a coordinator's match led to.
- D5's partners are distinct members exchanged with in T, in either direction. A new partner
  is a pair of members whose first exchange ever falls in that quarter and on or after `from`;
  each new pair is a new partner for both, divided by the members active in the quarter (within
  T). The rollups are monthly, so when `from` is not the 1st, the days of its month before it
  are read from the postings: a pair that exchanged on those days first met before T.
- D6 follows requests opened in T: matched when a match for the request led to an exchange
  (recorded up to now), and the days from the request to that exchange's date.
"""
from collections import defaultdict
from datetime import date, timedelta

import networkx as nx
from sqlalchemy import func, select

from ..dates import as_date
from ..extensions import db
from ..models import Entry, Listing, ListingType, Match
from .context import Context
from .stats import median, rounded, share

COORDINATOR_CONFIRMATIONS = {"phone", "paper", "in_person", "recorder"}
TIME_KINDS = {"exchange", "group_session"}


def compute(ctx: Context) -> tuple[dict, dict]:
    figures, bases = {}, {}
    graph, undirected = ctx.graph, ctx.undirected
    n = graph.number_of_nodes()
    if n:
        components = list(nx.weakly_connected_components(graph))
        figures["D1"] = {"components": len(components), "largest_share": rounded(max(map(len, components)) / n)}
        figures["D2"] = rounded(average_clustering(undirected))
    else:
        figures["D1"] = {"components": 0, "largest_share": None}
        figures["D2"] = None
    bases["D1"] = bases["D2"] = bases["D3"] = (None, n)
    external = sum(1 for i, j in undirected.edges if undirected.nodes[i]["kind"] != undirected.nodes[j]["kind"])
    internal = undirected.number_of_edges() - external
    figures["D3"] = rounded(share(external - internal, external + internal))
    _d4(ctx, figures, bases)
    _d5(ctx, figures, bases)
    _d6(ctx, figures, bases)
    return figures, bases


def average_clustering(graph: nx.Graph) -> float:
    """networkx's `average_clustering` of a simple undirected graph (members with fewer than two
    partners count as 0), counting each member's triangles by intersecting neighbour sets built
    once: networkx rebuilds a neighbour's set for every edge, which at 10k members and a few
    hundred thousand ties takes seconds, not a fraction of one."""
    neighbours = {node: set(adjacent) - {node} for node, adjacent in graph.adjacency()}
    total = 0.0
    for mine in neighbours.values():
        degree = len(mine)
        if degree < 2:
            continue
        links = sum(len(mine & neighbours[other]) for other in mine)  # each triangle twice
        total += links / (degree * (degree - 1))
    return total / len(neighbours) if neighbours else 0.0


def _d4(ctx: Context, figures: dict, bases: dict) -> None:
    time_entries = coordinated = 0
    for (_month, kind, _flow, confirmation, _step, _rung, _size), count in ctx.entries.items():
        if kind in TIME_KINDS:
            time_entries += count
            coordinated += count if confirmation in COORDINATOR_CONFIRMATIONS else 0
    matched = db.session.scalar(
        select(func.count(Match.id))
        .join(Entry, Entry.id == Match.entry_id)
        .where(
            Match.community_id == ctx.community.id,
            Entry.occurred_on >= ctx.start,
            Entry.occurred_on <= ctx.end,
            ~select(Entry.id).where(Entry.reverses_id == Match.entry_id).correlate(Match).exists(),
        )
    )
    figures["D4"] = {
        "coordinator_share": rounded(share(coordinated, time_entries)),
        "matched_share": rounded(share(matched, time_entries)),
    }
    bases["D4"] = (None, len(ctx.active))


def _quarter(month: date) -> str:
    return f"{month.year}-Q{(month.month - 1) // 3 + 1}"


def _d5(ctx: Context, figures: dict, bases: dict) -> None:
    degrees = [degree for _, degree in ctx.undirected.degree()]
    accounts = ctx.members.accounts
    new_by_quarter: dict[str, int] = defaultdict(int)
    first_ties: dict[tuple[int, int], date] = {}
    for (giver, receiver, _, _), (_, _, month) in ctx.pair_flows.rows.items():
        pair = (min(giver, receiver), max(giver, receiver))
        if month is not None and (pair not in first_ties or month < first_ties[pair]):
            first_ties[pair] = month
    first_month = ctx.start.replace(day=1)
    met_before = set()
    if ctx.start > first_month:
        for (giver, receiver, _, _, _), (_, entries) in ctx.edge(first_month, ctx.start - timedelta(days=1), "pairs").pairs.items():
            if entries:
                met_before.add((min(giver, receiver), max(giver, receiver)))
    for (a, b), month in first_ties.items():
        if a in accounts and b in accounts and month >= first_month and (a, b) not in met_before:
            new_by_quarter[_quarter(month)] += 2
    active_by_quarter: dict[str, set[int]] = defaultdict(set)
    for (account, month, _), value in ctx.rows.items():
        if account in accounts and value[0] + value[1] > 0:
            active_by_quarter[_quarter(month)].add(account)
    quarters = sorted({_quarter(month) for month in ctx.months})
    figures["D5"] = {
        "median_partners": median(degrees),
        "max_partners": max(degrees) if degrees else None,
        "new_partners_per_quarter": [
            {"quarter": q, "value": rounded(share(new_by_quarter.get(q, 0), len(active_by_quarter.get(q, ()))), 2)}
            for q in quarters
        ],
    }
    bases["D5.median_partners"] = (None, len(degrees))
    bases["D5.max_partners"] = (None, len(degrees))
    for index, q in enumerate(quarters):
        bases[f"D5.new_partners_per_quarter.{index}.value"] = (None, len(active_by_quarter.get(q, ())))


def _d6(ctx: Context, figures: dict, bases: dict) -> None:
    start_at, end_at = ctx.start, ctx.end + timedelta(days=1)
    requests = db.session.execute(
        select(Listing.id, func.date(Listing.created_at)).where(
            Listing.community_id == ctx.community.id,
            Listing.type == ListingType.REQUEST,
            func.date(Listing.created_at) >= start_at,
            func.date(Listing.created_at) < end_at,
        )
    ).all()
    opened = {listing_id: as_date(day) for listing_id, day in requests}
    first_exchange: dict[int, date] = {}
    if opened:
        for listing_id, occurred_on in db.session.execute(
            select(Match.listing_id, func.min(Entry.occurred_on))
            .join(Entry, Entry.id == Match.entry_id)
            .where(Match.listing_id.in_(list(opened)))
            .group_by(Match.listing_id)
        ):
            first_exchange[listing_id] = occurred_on
    waits = [max(0, (first_exchange[i] - opened[i]).days) for i in first_exchange]
    middle = median(waits)
    figures["D6"] = {
        "requests": len(opened),
        "matched_share": rounded(share(len(first_exchange), len(opened))),
        "median_days": None if middle is None else round(middle, 1),
    }
    bases["D6.requests"] = (None, len(opened))
    bases["D6.matched_share"] = (len(first_exchange), len(opened))
    bases["D6.median_days"] = (None, len(waits))

