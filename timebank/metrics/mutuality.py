"""B. Reciprocity and mutuality: do people both give and receive?

Choices METRICS.md leaves open:
- B2's five bins: [-1, -0.6), [-0.6, -0.2), [-0.2, 0.2], (0.2, 0.6], (0.6, 1].
- B3 and B4 use the member graph (members only; see framing 2). B4's minute share is the
  minutes on edges between members of the largest strongly connected component, over all
  minutes between members.
- B5 follows the members active in T. For each, the first entry in the community up to `to`
  is a give or a receive (both on one day: 0 days); the median is over those who have since
  had an entry in the other direction; "within 90 days" is over those whose first entry is at
  least 90 days before `to`, so that everyone counted had 90 days to reciprocate.
- B6's balances are at the end of `to`: everything given minus everything received up to then
  (reversed entries drop out, as everywhere), over members registered on `to`.
"""
from collections import defaultdict

import networkx as nx

from .context import Context
from .stats import balance_bin, gini, median, rounded, share

BEYOND_MINUTES = 25 * 60


def compute(ctx: Context) -> tuple[dict, dict]:
    figures, bases = {}, {}
    active = ctx.active
    two_way = [a for a in active if ctx.G.get(a, 0) > 0 and ctx.R.get(a, 0) > 0]
    figures["B1"] = rounded(share(len(two_way), len(active)))
    figures["B1_base"] = {"two_way": len(two_way), "active": len(active)}
    bases["B1"] = (len(two_way), len(active))
    bases["B1_base.two_way"] = (None, len(two_way))

    histogram = [0] * 5
    within = 0
    for account in active:
        g, r = ctx.G.get(account, 0), ctx.R.get(account, 0)
        b = (g - r) / (g + r)
        histogram[balance_bin(b)] += 1
        within += abs(b) <= 0.5
    figures["B2"] = {"histogram": histogram, "within_half": rounded(share(within, len(active)))}
    bases["B2.within_half"] = (within, len(active))
    for index, count in enumerate(histogram):
        bases[f"B2.histogram.{index}"] = (None, count)

    figures["B3"] = _b3(ctx.graph.number_of_nodes(), ctx.member_pairs)
    bases["B3"] = (None, ctx.graph.number_of_nodes())
    figures["B4"] = _b4(ctx.graph, ctx.member_pairs)
    bases["B4"] = (None, ctx.graph.number_of_nodes())
    _b5(ctx, figures, bases)
    _b6(ctx, figures, bases)
    figures["series"] = {"two_way_share": _two_way_by_month(ctx, bases)}
    return figures, bases


def _b3(n: int, w: dict[tuple[int, int], float]) -> dict:
    """On the collapsed graph: each ordered pair of members once, its minutes summed."""
    edges = len(w)
    if not edges:
        return {"r": None, "rho": None, "r_w": None}
    reciprocated = sum(1 for i, j in w if (j, i) in w)
    r = reciprocated / edges
    a = edges / (n * (n - 1))
    rho = (r - a) / (1 - a) if a < 1 else None
    mutual = sum(min(minutes, w[(j, i)]) for (i, j), minutes in w.items() if (j, i) in w)
    return {"r": rounded(r), "rho": rounded(rho), "r_w": rounded(share(mutual, sum(w.values())))}


def _b4(graph: nx.DiGraph, w: dict[tuple[int, int], float]) -> dict:
    if not graph.number_of_nodes():
        return {"member_share": None, "minute_share": None}
    largest = max(nx.strongly_connected_components(graph), key=len)
    inside = sum(minutes for (i, j), minutes in w.items() if i in largest and j in largest)
    return {
        "member_share": rounded(len(largest) / graph.number_of_nodes()),
        "minute_share": rounded(share(inside, sum(w.values()))),
    }


def _b5(ctx: Context, figures: dict, bases: dict) -> None:
    firsts = ctx.first_days()
    days, cohort_90, within_90 = [], 0, 0
    for account in ctx.active:
        first_given, first_received = firsts.get(account, (None, None))
        known = [d for d in (first_given, first_received) if d is not None]
        if not known:
            continue
        first = min(known)
        other = first_received if first == first_given else first_given
        if first_given is not None and first_received is not None and first_given == first_received:
            other = first
        waited = None if other is None else (other - first).days
        if waited is not None:
            days.append(waited)
        if (ctx.end - first).days >= 90:
            cohort_90 += 1
            within_90 += waited is not None and waited <= 90
    middle = median(days)
    figures["B5"] = {
        "median_days": None if middle is None else round(middle, 1),
        "within_90d": rounded(share(within_90, cohort_90)),
    }
    bases["B5.median_days"] = (None, len(days))
    bases["B5.within_90d"] = (within_90, cohort_90)


def _b6(ctx: Context, figures: dict, bases: dict) -> None:
    balance: dict[int, int] = defaultdict(int)
    for (account, _, _), value in ctx.history.items():
        balance[account] += value[0] - value[1]
    registered = ctx.registered
    beyond = sum(1 for account in registered if abs(balance.get(account, 0)) > BEYOND_MINUTES)
    figures["B6"] = {
        "beyond_25h": rounded(share(beyond, len(registered))),
        "gini_given": rounded(gini([ctx.G.get(a, 0) for a in ctx.active])),
        "gini_received": rounded(gini([ctx.R.get(a, 0) for a in ctx.active])),
    }
    bases["B6.beyond_25h"] = (beyond, len(registered))
    bases["B6.gini_given"] = (None, len(ctx.active))
    bases["B6.gini_received"] = (None, len(ctx.active))


def _two_way_by_month(ctx: Context, bases: dict) -> list[dict]:
    given, received = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for (account, month, _), value in ctx.rows.items():
        if account in ctx.members.accounts:
            given[month][account] += value[0]
            received[month][account] += value[1]
    out = []
    for index, month in enumerate(ctx.months):
        active = {a for a in set(given[month]) | set(received[month]) if given[month][a] + received[month][a] > 0}
        both = sum(1 for a in active if given[month][a] > 0 and received[month][a] > 0)
        out.append({"month": f"{month:%Y-%m}", "share": rounded(share(both, len(active))), "active": len(active)})
        bases[f"series.two_way_share.{index}"] = (both, len(active))
    return out
