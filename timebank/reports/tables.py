"""The report's tables, built once from the report dict for both the page and the CSV files, so
that a table on the page, its CSV and report.json always hold the same numbers.

A cell knows whether its value is there, hidden by the privacy rules (its key path is listed in
the report's `suppressed`) or missing because it could not be computed (`null` and not listed).
"""
import io
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import csv_safe
from ..metrics.privacy import CHANGED

OK, SUPPRESSED, MISSING = "ok", "suppressed", "null"
#: The balance index's five bins, from -1 to 1 (METRICS.md, B2).
BINS = ((-1.0, -0.6), (-0.6, -0.2), (-0.2, 0.2), (0.2, 0.6), (0.6, 1.0))
STEPS = ("identify", "ideas", "do_together", "did_it_work")
RUNGS = ("coercion", "educating", "informing", "consultation", "engagement", "co_design", "co_production")
STEP_LABELS = {
    "identify": _l("Identify problems"),
    "ideas": _l("Ideas for change"),
    "do_together": _l("Do it together"),
    "did_it_work": _l("Did it work?"),
}
RUNG_LABELS = {
    "coercion": _l("Coercion"),
    "educating": _l("Educating"),
    "informing": _l("Informing"),
    "consultation": _l("Consultation"),
    "engagement": _l("Engagement"),
    "co_design": _l("Co-design"),
    "co_production": _l("Co-production"),
}
DIMENSION_LABELS = {"steps": _l("Step"), "rungs": _l("Rung")}
METRIC_KEY = re.compile(r"^([A-G])(\d+)(_base)?$")
#: Fields that name an item of a list (a month, a cohort, a change of kind) in a key path.
ITEM_KEYS = ("month", "quarter", "cohort", "from", "to")


@dataclass(frozen=True)
class Cell:
    value: object
    state: str = OK
    #: how the page shows it: text, minutes, count, share, number
    fmt: str = "text"
    #: what the page shows for a code (a kind, a step); the CSV keeps the code
    label: str | None = None
    #: hidden because the period changed since it was reported, not for its few people
    changed: bool = False


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    fmt: str = "text"


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)


# -- reading the report ----------------------------------------------------------------------


def is_suppressed(report: dict, path: str) -> bool:
    return hidden_reason(report, path) is not None


def hidden_reason(report: dict, path: str) -> str | None:
    """Why the figure at `path` (or the part of the report holding it) is hidden, or None."""
    hidden = report.get("suppressed") or {}
    parts = path.split(".")
    return next((hidden[key] for n in range(1, len(parts) + 1) if (key := ".".join(parts[:n])) in hidden), None)


def hidden_text(report: dict, path: str) -> str:
    """What a reader sees for a hidden figure: its few people, or (across funder periods) that
    it no longer adds up to its months since an entry was reversed (`privacy.CHANGED`)."""
    if hidden_reason(report, path) == CHANGED:
        return _("hidden: it changed after the period was reported")
    return _("fewer than %(n)d people", n=report.get("threshold") or 5)


def lookup(report: dict, path: str):
    """The value at a key path ("B3.rho", "C1.carer.volunteer"); None if any step is missing."""
    value = report
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


def cell(report: dict, path: str, value=..., fmt: str = "number", alias: str | None = None) -> Cell:
    """The value at `path`. An item of a list may be named in `suppressed` by its position
    ("A5.0.m3") or by its month or cohort ("A5.2025-01.m3"): `alias` is the other form."""
    if value is ...:
        value = lookup(report, path)
    if value is None:
        why = hidden_reason(report, path) or (hidden_reason(report, alias) if alias is not None else None)
        return Cell(None, SUPPRESSED if why else MISSING, fmt, changed=why == CHANGED)
    return Cell(value, OK, fmt)


def part_months(report: dict) -> dict[str, str]:
    """The months of a series that the period covers only in part ("2026-12": "to 4 Dec"): the
    first when the period starts after the 1st, the last when it ends before the month does."""
    start, end = (date.fromisoformat(report["period"][key]) for key in ("from", "to"))
    notes = {}
    if start.day != 1:
        notes[start.strftime("%Y-%m")] = _("from %(date)s", date=format_date(start, "d MMM"))
    if (end + timedelta(days=1)).day != 1:
        month = end.strftime("%Y-%m")
        notes[month] = (_("%(start)s to %(end)s", start=format_date(start, "d"), end=format_date(end, "d MMM"))
                        if month in notes else _("to %(date)s", date=format_date(end, "d MMM")))
    return notes


def month_cell(month: str, parts: dict[str, str]) -> Cell:
    """A month of a series; on the page a part month says so ("2026-12, part month: to 4 Dec")."""
    if month in parts:
        return Cell(month, label=_("%(month)s, part month: %(note)s", month=month, note=parts[month]))
    return Cell(month)


def kind_label(report: dict, code: str) -> str:
    return (report.get("kinds") or {}).get(code) or code.replace("_", " ").capitalize()


# -- the tables ------------------------------------------------------------------------------


def monthly(report: dict) -> Table:
    table = Table("monthly", _("Time exchanged each month"), [
        Column("month", _("Month")), Column("minutes", _("Time"), "minutes"), Column("entries", _("Entries"), "count"),
    ])
    parts = part_months(report)
    for index, item in enumerate(lookup(report, "A2.monthly") or []):
        base, alias = f"A2.monthly.{item['month']}", f"A2.monthly.{index}"
        table.rows.append([
            month_cell(item["month"], parts),
            cell(report, f"{base}.minutes", item.get("minutes"), "minutes", f"{alias}.minutes"),
            cell(report, f"{base}.entries", item.get("entries"), "count", f"{alias}.entries"),
        ])
    return table


FLOW_LABELS = {
    "member": _l("Between members"),
    "organisation": _l("With an organisation"),
    "pot": _l("With the community pot"),
}


def flows(report: dict) -> Table:
    """A2 by kind of account: members with members, with an organisation, with the pot."""
    table = Table("flows", _("Time by kind of account"), [
        Column("flow", _("Exchanges")), Column("minutes", _("Time"), "minutes"), Column("entries", _("Entries"), "count"),
    ])
    found = lookup(report, "A2.by_flow")
    for flow in [*FLOW_LABELS, *sorted(set(found or ()) - set(FLOW_LABELS))]:
        base = f"A2.by_flow.{flow}"
        item = None if found is None else found.get(flow, {"minutes": 0, "entries": 0})
        table.rows.append([
            Cell(flow, label=str(FLOW_LABELS.get(flow, flow))),
            cell(report, f"{base}.minutes", None if item is None else item.get("minutes"), "minutes"),
            cell(report, f"{base}.entries", None if item is None else item.get("entries"), "count"),
        ])
    return table


def bin_label(index: int) -> str:
    low, high = BINS[index]
    return _("%(low)s to %(high)s", low=f"{low:+.1f}".replace("-", "\u2212"), high=f"{high:+.1f}".replace("-", "\u2212"))


def histogram(report: dict) -> Table:
    table = Table("histogram", _("Members by balance index"), [
        Column("bin", _("Balance index")), Column("lower", _("From"), "number"), Column("upper", _("To"), "number"),
        Column("members", _("Members"), "count"),
    ])
    counts = lookup(report, "B2.histogram")
    for index, (low, high) in enumerate(BINS):
        value = counts[index] if isinstance(counts, list) and index < len(counts) else None
        table.rows.append([
            Cell(bin_label(index)), Cell(low, fmt="number"), Cell(high, fmt="number"),
            cell(report, f"B2.histogram.{index}", value, "count"),
        ])
    return table


def flow_kinds(report: dict) -> list[str]:
    """Kinds in the role-flow matrix, in the report's order: every kind that gave or received."""
    flows = report.get("C1") or {}
    present = set(flows) | {receiver for row in flows.values() if isinstance(row, dict) for receiver in row}
    ordered = [code for code in (report.get("kinds") or {}) if code in present]
    return ordered + sorted(present - set(ordered))


def role_flow(report: dict) -> Table:
    """C1 as one row per pair of kinds (the CSV); the page draws it as a matrix."""
    table = Table("role_flow", _("Minutes given, by kind of giver and receiver"), [
        Column("giver_kind", _("Giver")), Column("receiver_kind", _("Receiver")), Column("minutes", _("Time"), "minutes"),
    ])
    kinds = flow_kinds(report)
    for giver in kinds:
        for receiver in kinds:
            table.rows.append([
                Cell(giver, label=kind_label(report, giver)), Cell(receiver, label=kind_label(report, receiver)),
                cell(report, f"C1.{giver}.{receiver}", fmt="minutes"),
            ])
    return table


def role_matrix(report: dict) -> tuple[list[str], list[list[Cell]], float]:
    """C1 as rows of givers by columns of receivers, with the largest cell (for the heat table)."""
    kinds = flow_kinds(report)
    rows = [[cell(report, f"C1.{g}.{r}", fmt="minutes") for r in kinds] for g in kinds]
    largest = max((c.value for row in rows for c in row if c.state == OK), default=0) or 0
    return kinds, rows, largest


def two_way_share(report: dict) -> Table:
    table = Table("two_way_share", _("Share who both gave and received, each month"), [
        Column("month", _("Month")), Column("share", _("Both gave and received"), "share"),
        Column("active", _("Members who took part"), "count"),
    ])
    parts = part_months(report)
    for index, item in enumerate(lookup(report, "series.two_way_share") or []):
        base, alias = f"series.two_way_share.{item['month']}", f"series.two_way_share.{index}"
        table.rows.append([
            month_cell(item["month"], parts), cell(report, f"{base}.share", item.get("share"), "share", f"{alias}.share"),
            cell(report, f"{base}.active", item.get("active"), "count", f"{alias}.active"),
        ])
    return table


def cohorts(report: dict) -> Table:
    table = Table("cohorts", _("Members still taking part, by the month they joined"), [
        Column("cohort", _("Joined in")), Column("joined", _("Joined"), "count"),
        Column("m3", _("After 3 months"), "share"), Column("m6", _("After 6 months"), "share"),
        Column("m12", _("After 12 months"), "share"),
    ])
    for index, item in enumerate(report.get("A5") or []):
        base = f"A5.{item['cohort']}"
        table.rows.append([Cell(item["cohort"])] + [
            cell(report, f"{base}.{key}", item.get(key), "count" if key == "joined" else "share", f"A5.{index}.{key}")
            for key in ("joined", "m3", "m6", "m12")
        ])
    return table


def kind_changes(report: dict) -> Table:
    table = Table("kind_changes", _("Members whose kind changed"), [
        Column("from_kind", _("From")), Column("to_kind", _("To")), Column("members", _("Members"), "count"),
    ])
    for index, item in enumerate(report.get("C5") or []):
        table.rows.append([
            Cell(item["from"], label=kind_label(report, item["from"])), Cell(item["to"], label=kind_label(report, item["to"])),
            cell(report, f"C5.{item['from']}.{item['to']}.members", item.get("members"), "count", f"C5.{index}.members"),
        ])
    return table


def coproduction(report: dict) -> Table:
    table = Table("coproduction", _("Time by co-production step and ladder rung"), [
        Column("dimension", _("Measure")), Column("code", _("Step or rung")),
        Column("minutes", _("Time"), "minutes"), Column("entries", _("Entries"), "count"),
    ])
    for dimension, codes, labels in (("steps", STEPS, STEP_LABELS), ("rungs", RUNGS, RUNG_LABELS)):
        found = lookup(report, f"G1.{dimension}")
        for code in [*codes, *sorted(set(found or ()) - set(codes))]:
            base = f"G1.{dimension}.{code}"
            # A step no entry carried is absent: none, rather than unknown.
            item = None if found is None else found.get(code, {"minutes": 0, "entries": 0})
            table.rows.append([
                Cell(dimension, label=str(DIMENSION_LABELS[dimension])), Cell(code, label=str(labels.get(code, code))),
                cell(report, f"{base}.minutes", None if item is None else item.get("minutes"), "minutes"),
                cell(report, f"{base}.entries", None if item is None else item.get("entries"), "count"),
            ])
    return table


def _metric_order(key: str):
    letter, number, base = METRIC_KEY.match(key).groups()
    return letter, int(number), bool(base)


def _flatten(report: dict, path: str, value, out: list, alias: str | None = None) -> None:
    """Leaves of `value` as rows; an item of a list is named by its month, cohort or kinds, and
    `alias` follows the same path with the item's position (for `suppressed`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(report, f"{path}.{key}", item, out, alias and f"{alias}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                name = ".".join(str(item[k]) for k in ITEM_KEYS if k in item) or str(index)
                rest = {k: v for k, v in item.items() if k not in ITEM_KEYS}
                _flatten(report, f"{path}.{name}", rest, out, f"{alias or path}.{index}")
            else:
                _flatten(report, f"{path}.{index}", item, out)
    else:
        out.append([Cell(path), cell(report, path, value, alias=alias)])


def headline(report: dict) -> Table:
    """Every single figure of the report, one per row, by its key path."""
    table = Table("headline", _("Every figure"), [Column("metric_id", _("Figure")), Column("value", _("Value"), "number")])
    for key in sorted((k for k in report if METRIC_KEY.match(k)), key=_metric_order):
        _flatten(report, key, report[key], table.rows)
    return table


TABLES = {
    "headline": headline,
    "monthly": monthly,
    "flows": flows,
    "histogram": histogram,
    "role_flow": role_flow,
    "two_way_share": two_way_share,
    "cohorts": cohorts,
    "kind_changes": kind_changes,
    "coproduction": coproduction,
}


# -- CSV -------------------------------------------------------------------------------------


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return str(value)  # neutralised, if it could start a formula, by csv_safe


def to_csv(table: Table, threshold: int) -> str:
    """The table as CSV: hidden values are empty, and the `suppressed` column says which and why."""
    reason = _("fewer than %(n)d people", n=threshold)
    out = io.StringIO()
    writer = csv_safe.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in table.columns] + ["suppressed"])
    for row in table.rows:
        hidden = [column.key for column, c in zip(table.columns, row, strict=True) if c.state == SUPPRESSED]
        values = [c for c in row if c.fmt != "text"]
        note = "" if not hidden else reason if len(hidden) == len(values) else f"{', '.join(hidden)}: {reason}"
        writer.writerow([_csv_value(c.value) for c in row] + [note])
    return out.getvalue()
