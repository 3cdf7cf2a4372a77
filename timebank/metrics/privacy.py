"""The privacy rules for funder views (METRICS.md).

Every figure is computed with the counts of people it is built from (`bases`: path ->
(numerator or None, people)). For a funder, within one report:
- a figure built from fewer people than the community's threshold (1 to threshold - 1; zero is
  shown), or a share whose numerator is such a count, is shown as null and listed in
  `suppressed` with the reason;
- complementary suppression: where cells add up to a published total (the balance histogram to
  the active members, the months to the period's total, the whole role-flow matrix to the
  period's minutes, its member-to-member block and its organisation and pot rows and columns to
  the minutes of each flow, and each of its rows and columns), one hidden cell could be worked
  out by subtraction, so another cell of the group is hidden too (the smallest that is not
  zero, else any), until no group has exactly one hidden cell;
- a ratio is hidden whenever a figure it is built from is (`RATIOS`: C2 with either of its two
  role-flow cells, hours per active member with the hours or the active members, ...), so that
  a ratio times a published figure cannot give a hidden one back.
Names, emails, member references, ids and notes are never in the report at all.

Across periods (`suppress_consistently`, used for every funder report): funders choose only
from periods made of whole closed months (`metrics.funder_periods`). The method is hereditary
(month-level) cell suppression, a form of consistent hierarchical suppression from statistical
disclosure control: the month is the atom. For every additive cell (`additive_cells`: a C1
role-flow cell, a G1 cell, the period's minutes and entries, each flow's, E1's hours, a month's
row of a series, new members, requests opened, kind changes), a period publishes the cell only if

  (a) it is published in the report of every month of the period (primary, complementary and
      ratio rules above, applied to that month alone), and
  (b) its value is the sum of those months' values (so a frozen quarter that no longer agrees
      with its frozen months, after a reversal, hides the cell rather than reveal the change).

Then the period's own primary, complementary and ratio rules are applied on top.

Proof sketch. Let v(m, c) be cell c's value in month m. By (a) and (b), every additive value a
funder can see in any allowed period is a sum of values v(m, c) that are themselves published in
the month reports, and a group total of a period (the period's minutes, a flow's minutes) is
published only if each month's total is, and is their sum. So every linear combination (sum,
difference, nested or overlapping) of published additive figures of any number of allowed
periods is a linear combination of figures published in the month reports alone. The month
reports share no cell with one another (a month's value is its own unknown), so such a
combination can isolate a hidden v(m, c) only by combining figures of month m's own report,
which that report's complementary suppression prevents as it does for any single report. Hence
no combination gives back a hidden monthly value, nor any sum of them a period hides (such a sum
includes at least one hidden month, whose value stays unknown). The price is over-suppression:
a quarter's cell with enough people is still hidden when one of its months had too few.

Figures that do not add up over months (distinct counts of people in the period, medians,
shares, network figures, the balance histogram) have the threshold applied per period, and the
ratio rule; a funder cannot ask for arbitrary dates, so no one-day difference exists.
"""
import copy

from ..models import ORGANISATION_KIND, POT_KIND

BASES = "_bases"

#: Each ratio, and the figures it is built from: hidden whenever any of them is.
RATIOS = (
    ("C2", ("C1.service_user.professional", "C1.professional.service_user")),
    ("A2.hours_per_active", ("A2.hours", "A1.active")),
    ("A1.share", ("A1.active", "A1.registered")),
    ("A1.share_90d", ("A1.active_90d", "A1.registered")),
    ("B1", ("B1_base.two_way", "A1.active")),
    ("A4", ("A4_base.gave", "A4_base.with_offer")),
)


def small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def reason(threshold: int) -> str:
    return f"fewer than {threshold} people"


def strip(report: dict) -> dict:
    """The report without the counts behind it (for every viewer)."""
    return {key: value for key, value in report.items() if key != BASES}


def suppress(report: dict, threshold: int) -> dict:
    """One report on its own: primary, complementary and ratio rules."""
    return _published(report, hidden_paths(report, threshold))


def hidden_paths(report: dict, threshold: int, inherited: dict[str, str] | None = None) -> dict[str, str]:
    """path -> reason for every figure the rules hide in `report` (with its bases), starting
    from `inherited` (cells hidden because a month of the period hides them)."""
    bases = report.get(BASES, {})
    hidden: dict[str, str] = {}
    for path, (numerator, people) in bases.items():
        if small(people, threshold) or (numerator is not None and small(numerator, threshold)):
            hidden[path] = reason(threshold)
    for path, why in (inherited or {}).items():
        hidden.setdefault(path, why)
    changed = True
    while changed:
        before = len(hidden)
        _complementary(report, bases, hidden, threshold)
        _ratios(hidden, threshold)
        changed = len(hidden) != before
    return hidden


def suppress_consistently(report: dict, months: dict, threshold: int) -> dict:
    """`report` (with bases) for a funder, consistent with the reports of its months (month ->
    report with bases, every month of the period): see the module's docstring."""
    if all(month_report is report for month_report in months.values()):
        return suppress(report, threshold)  # a month: its own rules are all there is
    per_month = [(month_report, additive_cells(month_report), hidden_paths(month_report, threshold))
                 for month_report in months.values()]
    inherited: dict[str, str] = {}
    for key, (paths, compared) in additive_cells(report).items():
        why, totals = None, [0.0] * len(compared)
        for month_report, cells, month_hidden in per_month:
            if key not in cells:
                continue  # nothing of this cell in that month: it adds zero
            month_paths, month_compared = cells[key]
            if any(is_hidden(month_hidden, path) for path in month_paths):
                why = _month_reason(threshold)
                break
            for index, (path, _) in enumerate(month_compared):
                totals[index] += _number(lookup(month_report, path))
        if why is None:
            for (path, tolerance), total in zip(compared, totals, strict=True):
                if abs(_number(lookup(report, path)) - total) > tolerance * len(per_month) + 1e-9:
                    why = CHANGED
                    break
        if why is not None:
            for path in paths:
                inherited[path] = why
    return _published(report, hidden_paths(report, threshold, inherited))


def _month_reason(threshold: int) -> str:
    return f"hidden because a month of the period hides it (fewer than {threshold} people)"


#: Why a cell is hidden when a closed period's frozen figure no longer adds up to its months'.
CHANGED = "hidden because it no longer equals the sum of its months (an entry was reversed since)"


def additive_cells(report: dict) -> dict[tuple, tuple[list[str], list[tuple[str, float]]]]:
    """The cells of `report` whose value over a period is the sum of their monthly values:
    key (the same in every period) -> (the paths to hide, [(path compared with the sum over
    months, rounding tolerance per month)]). A month's row of a series is a cell of its own
    (its sum over the period's months is its one month's value)."""
    cells: dict = {}
    matrix = report.get("C1") or {}
    for a, row in matrix.items():
        for b in row or {}:
            path = f"C1.{a}.{b}"
            cells[("C1", a, b)] = ([path], [(path, 0.5)])
    for name, table in (report.get("G1") or {}).items():
        for code in table or {}:
            path = f"G1.{name}.{code}"
            cells[("G1", name, code)] = ([path], [(f"{path}.minutes", 0), (f"{path}.entries", 0)])
    a2 = report.get("A2") or {}
    if a2:
        cells[("A2",)] = (["A2.hours", "A2.minutes", "A2.entries"], [("A2.minutes", 0), ("A2.entries", 0)])
    for flow in a2.get("by_flow") or {}:
        path = f"A2.by_flow.{flow}"
        cells[("A2.by_flow", flow)] = ([path], [(f"{path}.minutes", 0), (f"{path}.entries", 0)])
    for index, row in enumerate(a2.get("monthly") or []):
        path = f"A2.monthly.{index}"
        cells[("A2.monthly", row["month"])] = ([path], [(f"{path}.minutes", 0), (f"{path}.entries", 0)])
    for index, row in enumerate((report.get("series") or {}).get("two_way_share") or []):
        path = f"series.two_way_share.{index}"
        cells[("series.two_way_share", row["month"])] = ([path], [(f"{path}.share", 0), (f"{path}.active", 0)])
    if report.get("E1"):
        cells[("E1",)] = (["E1"], [("E1.hours", 0.005)])
    if report.get("A6"):
        cells[("A6.joined",)] = (["A6.joined", "A6.first_within_30d"], [("A6.joined", 0)])
    if report.get("D6"):
        cells[("D6.requests",)] = (["D6.requests"], [("D6.requests", 0)])
    for index, row in enumerate(report.get("C5") or []):
        path = f"C5.{index}.members"
        cells[("C5", row["from"], row["to"])] = ([path], [(path, 0)])
    return cells


def is_hidden(hidden: dict, path: str) -> bool:
    """Whether `path` or an object holding it is hidden."""
    parts = path.split(".")
    return any(".".join(parts[:n]) in hidden for n in range(1, len(parts) + 1))


def lookup(report: dict, path: str):
    node = report
    for part in path.split("."):
        if isinstance(node, list):
            index = int(part)
            node = node[index] if index < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node


def _number(value) -> float:
    return 0.0 if value is None or isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def _ratios(hidden: dict, threshold: int) -> None:
    for ratio, parts in RATIOS:
        if ratio not in hidden and any(is_hidden(hidden, part) for part in parts):
            hidden[ratio] = f"hidden so that a figure of fewer than {threshold} people cannot be worked out from it"


def _published(report: dict, hidden: dict) -> dict:
    report = copy.deepcopy(report)
    report.pop(BASES, None)
    for path in sorted(hidden):
        _blank(report, path.split("."))
    report["suppressed"] = hidden
    return report


def _complementary(report: dict, bases: dict, hidden: dict, threshold: int) -> None:
    groups = []
    histogram = report.get("B2", {}).get("histogram") or []
    groups.append([(f"B2.histogram.{i}", count) for i, count in enumerate(histogram)])
    monthly = report.get("A2", {}).get("monthly") or []
    groups.append([(f"A2.monthly.{i}", row["minutes"]) for i, row in enumerate(monthly)])
    matrix = report.get("C1") or {}
    kinds = list(matrix)
    for a in kinds:
        groups.append([(f"C1.{a}.{b}", matrix[a][b]) for b in kinds])
        groups.append([(f"C1.{b}.{a}", matrix[b][a]) for b in kinds])
    cells = [(f"C1.{a}.{b}", matrix[a][b]) for a in kinds for b in kinds]
    groups.append(cells)
    hubs = {ORGANISATION_KIND: "organisation", POT_KIND: "pot"}
    groups.append([(path, value) for path, value in cells if not set(path.split(".")[1:]) & set(hubs)])
    for kind in hubs:
        groups.append([(path, value) for path, value in cells if kind in path.split(".")[1:]])
    changed = True
    while changed:
        changed = False
        for group in groups:
            inside = [path for path, _ in group if path in hidden]
            if len(inside) != 1:
                continue
            others = [(not value, value, path) for path, value in group if path not in hidden]
            if others:
                *_, path = min(others)
                hidden[path] = f"hidden so that a cell of fewer than {threshold} people cannot be worked out"
                changed = True


def _blank(node, parts: list[str]) -> None:
    """Set the value at a dotted path to None (every leaf of it, if it is an object)."""
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node.get(part)
        if node is None:
            return
    last = parts[-1]
    if isinstance(node, list):
        index = int(last)
        node[index] = _nulled(node[index])
    elif last in node:
        node[last] = _nulled(node[last])


def _nulled(value):
    if isinstance(value, dict):
        return {key: (val if key in ("month", "quarter", "cohort", "from", "to", "currency") else _nulled(val))
                for key, val in value.items()}
    if isinstance(value, list):
        return [_nulled(item) for item in value]
    return None
