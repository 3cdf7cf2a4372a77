"""E. Value, and G. Co-production.

E1 values the time people put in: the minutes of exchanges and group sessions in T (not
credits moved to or from the pot), times the community's low, central and high hourly rates.
It is the value of time given, not an outcome. G1 sums entries that carry a co-production step
or a ladder rung.
"""
from ..models import CoproductionStep, LadderRung
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
    for name, table in (("steps", steps), ("rungs", rungs)):
        for key, cell in table.items():
            if cell["entries"]:
                # Entries, not people, are what a cell counts; an entry has two people or more.
                bases[f"G1.{name}.{key}"] = (None, cell["entries"])
    return figures, bases

