"""As reported and as it stands now (METRICS.md, privacy rules: closed periods).

A closed period is served from the figures frozen when its last month closed ("as reported on
DATE"). The ledger can still change underneath it: an entry of the period reversed after the
freeze (the reversal is dated in an open month, but the original and its reversal both drop out
of the period's figures), or a late entry booked after the freeze with its service date in the
period. `restate` finds those changes and, only when there are some, recomputes the period now
and returns, beside the frozen figures, the headline figures that changed, with the reason:

    {"reported_at": ..., "as_of": ..., "changed": true,
     "reasons": {"reversed_entries", "reversed_minutes", "late_entries", "late_minutes"},
     "figures": {"A2.hours": {"reported": 120.0, "now": 118.5, "difference": -1.5}, ...},
     "suppressed": null}

It is None when the ledger has not changed since the freeze (nothing is recomputed then).

Privacy, for a funder's view: the frozen and the restated reports each go through the same
suppression (`privacy.suppress`), so a restated value of a hidden cell stays hidden, and a
difference is given only where both values are shown. The difference between the two is the
change's own figure (for A2 the minutes of the reversed and late entries), so when fewer than
threshold people (member accounts on the changed entries' postings) are behind the change, a
funder sees only that the ledger changed: the reasons and figures are withheld, with the reason
in `suppressed`. Only headline figures are restated (HEADLINE), never the tables.
"""
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Account, AccountType, Community, Entry, FrozenReport, Posting
from ..models.types import utcnow
from . import privacy

#: The figures restated beside a closed period's frozen ones (dotted paths into the report).
HEADLINE = (
    "A1.share",
    "A1.active",
    "A2.hours",
    "A2.entries",
    "B1",
    "C2.ratio",
    "D4.coordinator_share",
    "E1.central",
)


def changes(community_id: int, frozen: FrozenReport) -> tuple[dict, set[int]]:
    """The reasons (counts and minutes of reversed and late entries) and the member accounts
    on those entries' postings."""
    in_period = (
        Entry.community_id == community_id,
        Entry.occurred_on >= frozen.start,
        Entry.occurred_on <= frozen.end,
        Entry.reverses_id.is_(None),
    )
    reversal = aliased(Entry)
    reversed_after = (
        select(reversal.id).where(reversal.reverses_id == Entry.id, reversal.recorded_at > frozen.frozen_at).exists()
    )
    reversed_any = select(reversal.id).where(reversal.reverses_id == Entry.id).exists()
    groups = {
        "reversed": select(Entry.id).where(*in_period, Entry.recorded_at <= frozen.frozen_at, reversed_after),
        "late": select(Entry.id).where(*in_period, Entry.recorded_at > frozen.frozen_at, ~reversed_any),
    }
    reasons, people = {}, set()
    for name, ids in groups.items():
        count, minutes = db.session.execute(
            select(func.count(func.distinct(Posting.entry_id)), func.coalesce(func.sum(Posting.minutes), 0))
            .where(Posting.entry_id.in_(ids), Posting.minutes > 0)
        ).one()
        reasons[f"{name}_entries"] = int(count)
        reasons[f"{name}_minutes"] = int(minutes)
        people.update(db.session.scalars(
            select(Posting.account_id).distinct()
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.entry_id.in_(ids), Account.type == AccountType.MEMBER)
        ))
    return reasons, people


def value_at(report: dict, path: str):
    node = report
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def restate(community: Community, frozen: FrozenReport, *, suppress: bool, now: datetime | None = None) -> dict | None:
    """The restated headline figures of a frozen period, as the viewer may see them, or None
    when the ledger has not changed since the freeze."""
    from . import compute

    reasons, people = changes(community.id, frozen)
    if not reasons["reversed_entries"] and not reasons["late_entries"]:
        return None
    at = now or utcnow()
    out = {
        "reported_at": frozen.frozen_at.isoformat(timespec="seconds"),
        "as_of": at.isoformat(timespec="seconds"),
        "changed": True,
        "reasons": reasons,
        "figures": {},
        "suppressed": None,
    }
    threshold = community.suppression_threshold
    if suppress and privacy.small(len(people), threshold):
        out["reasons"] = None
        out["suppressed"] = privacy.reason(threshold)
        return out
    current = compute(community, frozen.start, frozen.end, now=at)
    if suppress:
        reported, now_view = privacy.suppress(frozen.figures, threshold), privacy.suppress(current, threshold)
    else:
        reported, now_view = privacy.strip(frozen.figures), privacy.strip(current)
    for path in HEADLINE:
        before, after = value_at(reported, path), value_at(now_view, path)
        if before == after:
            continue
        difference = None
        if isinstance(before, int | float) and isinstance(after, int | float):
            difference = round(after - before, 4)
        out["figures"][path] = {"reported": before, "now": after, "difference": difference}
    return out


def published(report: dict) -> dict:
    """A funder's report after all its suppression, with every restated figure whose path the
    report hides (itself or a part of it, as listed in `suppressed`) set to null on both sides:
    a value the published report hides is never given back as "as reported" or "now". For a
    report hidden by rules beyond the single report (consistent suppression across periods)."""
    restated = report.get("restated")
    hidden = report.get("suppressed") or {}
    if not restated or not restated.get("figures") or not hidden:
        return report
    for path in list(restated["figures"]):
        if any(path == key or path.startswith(key + ".") or key.startswith(path + ".") for key in hidden):
            restated["figures"][path] = {"reported": None, "now": None, "difference": None}
    return report
