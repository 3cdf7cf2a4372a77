"""C. Blurred roles: who gives to whom, by kind of member.

Kinds are those snapshotted on each posting (C1, C2, C3). Where a figure needs one kind per
member (C4, and the people counted behind each C1 cell for the privacy rules), it is the kind on
the member's last posting in T. C3 counts a member as a professional (or a service user) when
they held that kind on a posting in T, and looks at what they received (gave) while holding it.
"""
import math
import warnings
from collections import defaultdict

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import ORGANISATION_KIND, POT_KIND, KindChange, MemberKind, Membership
from . import data
from .context import Context
from .stats import rounded, share

SERVICE_USER, PROFESSIONAL = "service_user", "professional"
NOT_PEOPLE = {ORGANISATION_KIND, POT_KIND}


def kind_labels(community) -> dict[str, str]:
    labels = {kind.code: kind.label for kind in community.kinds}
    labels[ORGANISATION_KIND] = "Organisation"
    labels[POT_KIND] = "Community pot"
    return labels


def compute(ctx: Context) -> tuple[dict, dict]:
    figures, bases = {}, {}
    codes = list(kind_labels(ctx.community))
    flows = data.kind_flows(ctx.community.id, ctx.start, ctx.end, ctx.edge)
    matrix = {a: {b: round(flows.get((a, b), 0.0)) for b in codes} for a in codes}
    figures["C1"] = matrix
    people = _people_per_cell(ctx)
    for a in codes:
        for b in codes:
            if matrix[a][b]:
                bases[f"C1.{a}.{b}"] = (None, len(people.get((a, b), ())))

    up, down = flows.get((SERVICE_USER, PROFESSIONAL), 0.0), flows.get((PROFESSIONAL, SERVICE_USER), 0.0)
    figures["C2"] = {
        "ratio": rounded(share(up, down)),
        "symmetric": rounded(share(min(up, down), max(up, down))),
    }
    bases["C2"] = (None, min(len(people.get((SERVICE_USER, PROFESSIONAL), ())), len(people.get((PROFESSIONAL, SERVICE_USER), ()))))

    held = defaultdict(lambda: [0, 0])
    for (account, _, kind), value in ctx.rows.items():
        if account in ctx.members.accounts:
            held[(account, kind)][0] += value[0]
            held[(account, kind)][1] += value[1]
    professionals = [v for (_, kind), v in held.items() if kind == PROFESSIONAL and v[0] + v[1] > 0]
    service_users = [v for (_, kind), v in held.items() if kind == SERVICE_USER and v[0] + v[1] > 0]
    receiving = sum(1 for v in professionals if v[1] > 0)
    giving = sum(1 for v in service_users if v[0] > 0)
    figures["C3"] = {
        "professionals_receiving": rounded(share(receiving, len(professionals))),
        "service_users_giving": rounded(share(giving, len(service_users))),
    }
    bases["C3.professionals_receiving"] = (receiving, len(professionals))
    bases["C3.service_users_giving"] = (giving, len(service_users))

    figures["C4"] = rounded(_assortativity(ctx.graph))
    bases["C4"] = (None, ctx.graph.number_of_nodes())
    figures["C5"] = _kind_changes(ctx, bases)
    return figures, bases


def _people_per_cell(ctx: Context) -> dict[tuple[str, str], set[int]]:
    """The members behind each cell of C1, by the kinds on their postings (organisations and
    the pot are not people)."""
    cells: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (giver, receiver, giver_kind, receiver_kind), minutes in ctx.pair_flows.in_period():
        if minutes > 1e-9:
            cells[(giver_kind, receiver_kind)].update(
                account for account, kind in ((giver, giver_kind), (receiver, receiver_kind)) if kind not in NOT_PEOPLE
            )
    return cells


def _assortativity(graph: nx.DiGraph) -> float | None:
    if graph.number_of_edges() == 0 or len({kind for _, kind in graph.nodes(data="kind")}) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all edges within one kind: 0/0
        value = nx.attribute_assortativity_coefficient(graph, "kind")
    return None if value is None or math.isnan(value) else float(value)


def _kind_changes(ctx: Context, bases: dict) -> list[dict]:
    from_kind, to_kind = aliased(MemberKind), aliased(MemberKind)
    counts: dict[tuple[str, str], set[int]] = defaultdict(set)
    for membership_id, source, target in db.session.execute(
        select(KindChange.membership_id, from_kind.code, to_kind.code)
        .join(Membership, Membership.id == KindChange.membership_id)
        .outerjoin(from_kind, from_kind.id == KindChange.from_kind_id)
        .join(to_kind, to_kind.id == KindChange.to_kind_id)
        .where(
            Membership.community_id == ctx.community.id,
            KindChange.changed_on >= ctx.start,
            KindChange.changed_on <= ctx.end,
            KindChange.from_kind_id.is_not(None),
        )
    ):
        counts[(source, target)].add(membership_id)
    out = []
    for index, ((source, target), people) in enumerate(sorted(counts.items())):
        out.append({"from": source, "to": target, "members": len(people)})
        bases[f"C5.{index}.members"] = (None, len(people))
    return out
