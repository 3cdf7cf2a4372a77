"""The privacy rules for funder views (METRICS.md).

Every figure is computed with the counts of people it is built from (`bases`: path ->
(numerator or None, people)). For a funder:
- a figure built from fewer people than the community's threshold (1 to threshold - 1; zero is
  shown), or a share whose numerator is such a count, is shown as null and listed in
  `suppressed` with the reason;
- complementary suppression: where cells add up to a published total (the balance histogram to
  the active members, the months to the period's total, the whole role-flow matrix to the
  period's minutes, its member-to-member block and its organisation and pot rows and columns to
  the minutes of each flow, and each of its rows and columns), one hidden cell could be worked
  out by subtraction, so another cell of the group is hidden too (the smallest that is not
  zero, else any), until no group has exactly one hidden cell.
Names, emails, member references, ids and notes are never in the report at all.
"""
import copy

from ..models import ORGANISATION_KIND, POT_KIND

BASES = "_bases"


def small(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def reason(threshold: int) -> str:
    return f"fewer than {threshold} people"


def strip(report: dict) -> dict:
    """The report without the counts behind it (for every viewer)."""
    return {key: value for key, value in report.items() if key != BASES}


def suppress(report: dict, threshold: int) -> dict:
    report = copy.deepcopy(report)
    bases = report.pop(BASES, {})
    hidden: dict[str, str] = {}
    for path, (numerator, people) in bases.items():
        if small(people, threshold) or (numerator is not None and small(numerator, threshold)):
            hidden[path] = reason(threshold)
    _complementary(report, bases, hidden, threshold)
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
