"""A. Participation: who takes part, how much, and whether they stay.

Choices METRICS.md leaves open:
- A1 has one definition for its count and its share: the active members are those active in T
  who are still registered on `to` (a member on `to`: joined by then, not pending, and not left
  on or before it), and the share is that count over the members registered on `to`. A member
  who left on the last day is in neither (before, the count kept them and the share did not).
- A2 counts every posted entry (exchanges, group sessions, organisation payments, donations to
  and grants from the pot), with the three flows shown apart; an entry's size is the minutes it
  moved (the sum of its positive postings).
- A5 cohorts are the members who joined in each of the 24 months up to `to`; "still active k
  months after joining" means an entry dated in or after the k-th month after the joining
  month, up to `to`. A mark that falls after `to` is not yet known (null).
- A6 counts a member's first entry of any kind; one dated before joining (imported history)
  counts as within 30 days.
"""
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from ..dates import add_months
from ..extensions import db
from ..models import Account, Listing, ListingType
from . import data
from .context import Context
from .stats import gini, rounded, share, top_share, weighted_median


def compute(ctx: Context) -> tuple[dict, dict]:
    figures, bases = {}, {}
    _a1(ctx, figures, bases)
    _a2(ctx, figures, bases)
    values = [ctx.G.get(a, 0) + ctx.R.get(a, 0) for a in ctx.active]
    figures["A3"] = {"top20_share": rounded(top_share(values)), "gini": rounded(gini(values))}
    bases["A3"] = (None, len(values))
    _a4(ctx, figures, bases)
    _a5(ctx, figures, bases)
    _a6(ctx, figures, bases)
    return figures, bases


def _a1(ctx, figures, bases) -> None:
    registered = ctx.registered
    active = ctx.active & registered
    window_start, window_end = ctx.window(90)
    rows = data.account_months(ctx.community.id, window_start, window_end, ctx.edge)
    active_90d = {account for (account, _, _), v in rows.items() if account in registered and v[0] + v[1] > 0}
    figures["A1"] = {
        "share": rounded(share(len(active), len(registered))),
        "share_90d": rounded(share(len(active_90d), len(registered))),
        "active": len(active),
        "registered": len(registered),
        "active_90d": len(active_90d),
    }
    bases["A1.share"] = (len(active), len(registered))
    bases["A1.share_90d"] = (len(active_90d), len(registered))
    bases["A1.active"] = (None, len(active))
    bases["A1.registered"] = (None, len(registered))
    bases["A1.active_90d"] = (None, len(active_90d))


def _a2(ctx, figures, bases) -> None:
    minutes = entries = 0
    sizes: dict[int, int] = defaultdict(int)
    monthly = {month: [0, 0] for month in ctx.months}
    by_flow = {flow: {"minutes": 0, "entries": 0} for flow in ("member", "organisation", "pot")}
    for (month, _kind, flow, _conf, _step, _rung, size), count in ctx.entries.items():
        minutes += size * count
        entries += count
        sizes[size] += count
        monthly[month][0] += size * count
        monthly[month][1] += count
        by_flow[flow]["minutes"] += size * count
        by_flow[flow]["entries"] += count
    active_by_month = _active_by_month(ctx)
    figures["A2"] = {
        "hours": round(minutes / 60, 2),
        "minutes": minutes,
        "entries": entries,
        "hours_per_active": rounded(share(minutes / 60, len(ctx.active)), 2),
        "median_minutes_per_entry": weighted_median(sizes),
        "monthly": [
            {"month": f"{month:%Y-%m}", "minutes": m, "entries": e, "active": len(active_by_month.get(month, ()))}
            for month, (m, e) in monthly.items()
        ],
        "by_flow": by_flow,
    }
    bases["A2"] = (None, len(ctx.active))
    for index, month in enumerate(monthly):
        bases[f"A2.monthly.{index}"] = (None, len(active_by_month.get(month, ())))


def _active_by_month(ctx) -> dict[date, set[int]]:
    out: dict[date, set[int]] = defaultdict(set)
    for (account, month, _), value in ctx.rows.items():
        if account in ctx.members.accounts and value[0] + value[1] > 0:
            out[month].add(account)
    return out


def _a4(ctx, figures, bases) -> None:
    start_at, end_at = ctx.start, ctx.end + timedelta(days=1)
    with_offer = set(
        db.session.scalars(
            select(Account.id)
            .join(Listing, Listing.membership_id == Account.membership_id)
            .where(
                Listing.community_id == ctx.community.id,
                Account.community_id == ctx.community.id,
                Listing.type == ListingType.OFFER,
                func.date(Listing.created_at) < end_at,
                or_(Listing.closed_at.is_(None), func.date(Listing.closed_at) >= start_at),
            )
            .distinct()
        )
    )
    gave = {account for account in with_offer if ctx.G.get(account, 0) > 0}
    figures["A4"] = rounded(share(len(gave), len(with_offer)))
    figures["A4_base"] = {"with_offer": len(with_offer), "gave": len(gave)}
    bases["A4"] = (len(gave), len(with_offer))
    bases["A4_base.with_offer"] = (None, len(with_offer))
    bases["A4_base.gave"] = (None, len(gave))



def _a5(ctx, figures, bases) -> None:
    last_month = ctx.end.replace(day=1)
    first_cohort = add_months(last_month, -23)
    cohorts: dict[date, list[int]] = defaultdict(list)
    for account, (joined, _left, status, _kind) in ctx.members.accounts.items():
        if status != "pending" and joined <= ctx.end and joined.replace(day=1) >= first_cohort:
            cohorts[joined.replace(day=1)].append(account)
    last_active: dict[int, date] = {}
    for (account, month, _), value in ctx.history.items():
        if value[2] and (account not in last_active or month > last_active[account]):
            last_active[account] = month
    out = []
    for index, month in enumerate(sorted(cohorts)):
        members = cohorts[month]
        row = {"cohort": f"{month:%Y-%m}", "joined": len(members)}
        bases[f"A5.{index}.joined"] = (None, len(members))
        for k in (3, 6, 12):
            mark = add_months(month, k)
            if mark > last_month:
                row[f"m{k}"] = None
                continue
            still = sum(1 for a in members if last_active.get(a) is not None and last_active[a] >= mark)
            row[f"m{k}"] = rounded(share(still, len(members)))
            bases[f"A5.{index}.m{k}"] = (still, len(members))
        out.append(row)
    figures["A5"] = out


def _a6(ctx, figures, bases) -> None:
    joined = [
        account for account, (joined_on, _l, status, _k) in ctx.members.accounts.items()
        if status != "pending" and ctx.start <= joined_on <= ctx.end
    ]
    firsts = ctx.first_days()
    quick = 0
    for account in joined:
        days = [d for d in firsts.get(account, (None, None)) if d is not None]
        joined_on = ctx.members.accounts[account][0]
        if days and min(days) <= joined_on + timedelta(days=30):
            quick += 1
    figures["A6"] = {"joined": len(joined), "first_within_30d": rounded(share(quick, len(joined)))}
    bases["A6.joined"] = (None, len(joined))
    bases["A6.first_within_30d"] = (quick, len(joined))
