"""Small statistics the report uses, on plain numbers."""
import math
from collections.abc import Sequence


def share(part: float, whole: float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return None if not whole else part / whole


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def weighted_median(counts: dict[int, int]) -> float | None:
    """The median of a multiset given as value -> how many times it occurs."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())

    def nth(n: int) -> int:  # the n-th smallest value, counting from 0
        seen = 0
        for value, count in ordered:
            seen += count
            if n < seen:
                return value
        raise IndexError(n)

    if total % 2:
        return nth(total // 2)
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def gini(values: Sequence[float]) -> float | None:
    """Gini coefficient of non-negative values: sum |x_i - x_j| / (2 n^2 mean)."""
    n = len(values)
    total = sum(values)
    if n == 0 or total <= 0:
        return None
    ordered = sorted(values)
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return (2 * weighted) / (n * total) - (n + 1) / n


def top_share(values: Sequence[float], fraction: float = 0.2) -> float | None:
    """The share of the total held by the top `fraction` of values (at least one value)."""
    total = sum(values)
    if not values or total <= 0:
        return None
    count = max(1, math.ceil(len(values) * fraction))
    return sum(sorted(values, reverse=True)[:count]) / total


#: B2's five bins over [-1, 1]: [-1, -0.6), [-0.6, -0.2), [-0.2, 0.2], (0.2, 0.6], (0.6, 1].
BALANCE_BIN_EDGES = (-0.6, -0.2, 0.2, 0.6)


def balance_bin(b: float) -> int:
    if b < -0.6:
        return 0
    if b < -0.2:
        return 1
    if b <= 0.2:
        return 2
    if b <= 0.6:
        return 3
    return 4


def rounded(value: float | None, places: int = 4) -> float | None:
    return None if value is None else round(value, places)
