"""Proportions a decision rests on: Wilson intervals and the two-proportion test."""

import math

Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, *, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for a proportion (95 % by default); (0, 1) when there are no
    trials. Unlike the normal approximation it stays inside [0, 1] and is sound for rates near
    0, such as FPIR.
    """
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test; 1.0 when it cannot differ
    (no trials on a side, or no errors / only errors in both groups).
    """
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def rate_with_interval(
    count: int, searches: int, *, counted: str = "errors"
) -> dict[str, float | int | None]:
    """A proportion with its 95 % Wilson interval and the counts behind it; ``counted`` names
    what ``count`` counts ("errors" for FPIR / FNIR, "hits" for identification rates)."""
    low, high = wilson_interval(count, searches)
    return {
        "rate": count / searches if searches else None,
        "ci_low": low,
        "ci_high": high,
        counted: int(count),
        "searches": int(searches),
    }
