"""Proportions a decision rests on: Wilson intervals, the two-proportion test, and Newcombe's
interval for a difference of two proportions."""

import math
from statistics import NormalDist

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


def z_for_confidence(confidence: float) -> float:
    """The two-sided standard normal quantile for ``confidence`` (1.96 for 0.95)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"a confidence level lies strictly between 0 and 1, not {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def newcombe_difference_interval(
    x1: int, n1: int, x2: int, n2: int, *, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``p1 - p2`` with Newcombe's hybrid score interval (his method 10, 1998): the square-root
    combination of each proportion's Wilson interval at the same confidence. Sound near 0 and
    with small or unequal samples, where the Wald interval is not; it narrows as either sample
    grows. Returns (difference, low, high); (0, -1, 1) when either side has no trials.
    """
    if n1 <= 0 or n2 <= 0:
        return 0.0, -1.0, 1.0
    z = z_for_confidence(confidence)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z=z)
    l2, u2 = wilson_interval(x2, n2, z=z)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, max(-1.0, low), min(1.0, high)
