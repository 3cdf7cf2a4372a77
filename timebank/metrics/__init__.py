"""The reciprocity report (METRICS.md), as one dict: see docs/report-format.md.

`get_report` is what every view calls (the report page, its CSVs, report.json, the programme
view, the API). A period whose months are all closed and whose figures were frozen when the
last of them closed is served from those frozen figures; any other period is computed now
from the monthly rollups (and, for part months, the postings).
"""
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..dates import next_month
from ..extensions import db
from ..ledger.periods import closed_months
from ..models import Community, Entry, FrozenReport
from ..models.types import utcnow
from . import mutuality, networks, participation, privacy, restated, roles, value
from .context import Context, months_between

SECTIONS = (participation, mutuality, roles, networks, value)


def compute(community: Community, start: date, end: date, *, now: datetime | None = None) -> dict:
    """The whole report, unsuppressed, with the counts of people behind each figure."""
    ctx = Context(community, start, end)
    report = {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "community": {"slug": community.slug, "name": community.name},
        "status": {"live": True, "frozen_at": None, "computed_at": (now or utcnow()).isoformat(timespec="seconds")},
        "threshold": community.suppression_threshold,
        "suppressed": {},
        "kinds": roles.kind_labels(community),
    }
    bases: dict = {}
    for section in SECTIONS:
        figures, section_bases = section.compute(ctx)
        report.update(figures)
        bases.update(section_bases)
    report["corrections"] = {"reversed_entries": _reversed_count(community.id, start, end)}
    report[privacy.BASES] = {path: list(base) for path, base in bases.items()}
    return report


def get_report(
    community: Community, start: date, end: date, *, suppress: bool, raw: bool = False, with_restated: bool = True
) -> dict:
    """The report a viewer may see: suppressed for funders, whole for coordinators. `raw`: with
    the counts of people behind each figure and nothing hidden yet, for a funder's report
    (`funder_periods.get_funder_report` hides what the rules across periods require).
    `with_restated=False` leaves out the restated figures (for the month reports a funder's
    report is checked against, which are never shown)."""
    frozen = db.session.scalar(
        select(FrozenReport).where(FrozenReport.community_id == community.id, FrozenReport.start == start, FrozenReport.end == end)
    )
    if frozen is not None:
        report = dict(frozen.figures)
        report["status"] = {**report["status"], "live": False, "frozen_at": frozen.frozen_at.isoformat(timespec="seconds")}
    else:
        report = compute(community, start, end)
        open_months = set(months_between(start, end)) - closed_months(community.id)
        report["status"]["live"] = bool(open_months)
    report["restated"] = restated.restate(community, frozen, suppress=suppress) if frozen is not None and with_restated else None
    report["threshold"] = community.suppression_threshold
    if raw:
        return report
    if suppress:
        return privacy.suppress(report, community.suppression_threshold)
    return privacy.strip(report)


def freeze_closed(community: Community, month: date, *, now: datetime | None = None) -> list[FrozenReport]:
    """Freeze the figures of the periods that `month`'s closing completes: the month itself,
    its quarter when all three months are closed, and its year when all twelve are."""
    closed = closed_months(community.id) | {month}
    periods = [(month, next_month(month))]
    quarter_start = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    quarter = months_between(quarter_start, date(quarter_start.year, quarter_start.month + 2, 1))
    if month == quarter[-1] and set(quarter) <= closed:
        periods.append((quarter_start, next_month(month)))
    year = months_between(date(month.year, 1, 1), date(month.year, 12, 1))
    if month.month == 12 and set(year) <= closed:
        periods.append((year[0], next_month(month)))
    frozen = []
    for start, after in periods:
        end = date.fromordinal(after.toordinal() - 1)
        exists = db.session.scalar(
            select(FrozenReport.id).where(FrozenReport.community_id == community.id, FrozenReport.start == start, FrozenReport.end == end)
        )
        if exists is None:
            at = now or utcnow()
            report = FrozenReport(community_id=community.id, start=start, end=end, frozen_at=at,
                                  figures=compute(community, start, end, now=at))
            db.session.add(report)
            frozen.append(report)
    db.session.flush()
    return frozen


def _reversed_count(community_id: int, start: date, end: date) -> int:
    """Entries dated in the period that have been reversed (they and their reversals drop out)."""
    reversal = aliased(Entry)
    return db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.community_id == community_id,
            Entry.occurred_on >= start,
            Entry.occurred_on <= end,
            select(reversal.id).where(reversal.reverses_id == Entry.id).exists(),
        )
    )
