"""E. Value, and G. Co-production.

E1 values the time people put in: the minutes of exchanges and group sessions in T (not
credits moved to or from the pot), times the community's low, central and high hourly rates.
It is the value of time given, not an outcome. G1 sums entries that carry a co-production step
or a ladder rung; each cell's base (for the privacy rules) is the number of people behind it:
the member accounts on the postings of its entries (organisations and the pot are not people).
"""
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import ORGANISATION_KIND, POT_KIND, CoproductionStep, Entry, LadderRung, Posting
from .context import Context
from .networks import TIME_KINDS


def compute(ctx: Context) -> tuple[dict, dict]:
    figures, bases = {}, {}
    time_minutes = 0
    steps = {step.value: {"minutes": 0, "entries": 0} for step in CoproductionStep}
    rungs = {rung.value: {"minutes": 0, "entries": 0} for rung in LadderRung}
    for (_month, kind, _flow, _conf, step, rung, size), count in ctx.entries.items():
        if kind in TIME_KINDS:
            time_minutes += size * count
        for value, table in ((step, steps), (rung, rungs)):
            if value in table:
                table[value]["minutes"] += size * count
                table[value]["entries"] += count
    hours = time_minutes / 60
    community = ctx.community
    figures["E1"] = {
        "hours": round(hours, 2),
        "low": round(hours * community.value_rate_low / 100, 2),
        "central": round(hours * community.value_rate_central / 100, 2),
        "high": round(hours * community.value_rate_high / 100, 2),
        "currency": community.currency,
    }
    bases["E1"] = (None, len(ctx.active))
    figures["G1"] = {"steps": steps, "rungs": rungs}
    people = _people_per_cell(ctx)
    for name, table in (("steps", steps), ("rungs", rungs)):
        for key, cell in table.items():
            if cell["entries"]:
                bases[f"G1.{name}.{key}"] = (None, len(people.get((name, key), ())))
    return figures, bases


def _people_per_cell(ctx: Context) -> dict[tuple[str, str], set[int]]:
    """("steps" or "rungs", code) -> the member accounts on the postings of the entries counted
    in that cell (dated in T, neither a reversal nor reversed)."""
    reversal = aliased(Entry)
    rows = db.session.execute(
        select(Entry.coproduction_step, Entry.ladder_rung, Posting.account_id)
        .join(Posting, Posting.entry_id == Entry.id)
        .where(
            Entry.community_id == ctx.community.id,
            Entry.occurred_on >= ctx.start,
            Entry.occurred_on <= ctx.end,
            (Entry.coproduction_step.is_not(None)) | (Entry.ladder_rung.is_not(None)),
            Entry.reverses_id.is_(None),
            ~select(reversal.id).where(reversal.reverses_id == Entry.id).exists(),
            Posting.holder_kind.not_in((ORGANISATION_KIND, POT_KIND)),
        )
        .distinct()
    )
    cells: dict[tuple[str, str], set[int]] = defaultdict(set)
    for step, rung, account in rows:
        if step:
            cells[("steps", step)].add(account)
        if rung:
            cells[("rungs", rung)].add(account)
    return cells

