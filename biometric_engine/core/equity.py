"""The equitable minimum threshold (the floor) and the FNIR finding, from per-group counts.

The rule (docs/engine.md, "The equitable minimum"; report protocol version 3):

* The floor comes from false alerts only (FPIR: the harm to people who are not on the list).
  FPIR differences between groups shrink as the threshold rises, FNIR differences grow, so an
  FNIR difference never raises the floor; it is its own finding (``fnir_finding``).
* A threshold counts as equitable for a grouping only where the data *show* the groups' FPIR to
  be close: under ``fpir_difference`` (the default) the upper bound of every pair's
  |FPIR difference| (Newcombe's hybrid score interval) is within the tolerance; under
  ``fpir_upper_bound`` every group's own FPIR upper bound (Wilson) is within it. Intervals are
  two-sided at ``1 - alpha / m`` (Bonferroni over the m comparisons of the grouping).
* Every group needs at least ``min_searches`` non-mated searches, and at least as many as could
  show its FPIR within the tolerance at all (``searches_needed``: with no false alert the Wilson
  upper bound is z² / (n + z²)); a grouping with a group below either, or with fewer than two
  groups, cannot decide: it is *undecided* ("not enough data", "too few groups"), and each of
  its thin groups is listed with its count and the count needed. Wider intervals can only fail
  a threshold, never pass it, so less data can only raise or remove a grouping's floor.
* A grouping's floor is the lowest tested threshold such that it and every higher tested
  threshold are equitable (a fixed-sequence test from the top: no correction across
  thresholds is needed for the claim "equitable at every tested threshold from the floor up").
  A grouping that can decide but finds no such threshold is *not equitable*: a finding.
* A report's floor is the highest floor over the groupings that can decide, provided at least
  one decides and none that decides is not equitable (``derive_floor``). An undecided grouping
  neither sets nor removes it; the report lists it, with each thin group's count and the count
  needed (``floor_derivation``), and every page that shows the floor shows it. Measuring one
  more, finer grouping must never stop the platform, and a thin group is reported, never
  silently dropped. A grouping with enough data that is not equitable at any threshold still
  leaves the report with no floor (that is a finding, not thinness); so does a report none of
  whose groupings can decide.

Everything here is a function of counts that the report carries, so an inspector can re-derive
the floor from the report alone (``floor_from_report``, ``derivation_from_report``).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations

from .proportions import newcombe_difference_interval, wilson_interval, z_for_confidence

FPIR_DIFFERENCE = "fpir_difference"
FPIR_UPPER_BOUND = "fpir_upper_bound"
RULES = (FPIR_DIFFERENCE, FPIR_UPPER_BOUND)

RULE_TEXT = {
    FPIR_DIFFERENCE: (
        "lowest tested threshold from which upwards every grouping has each group's FPIR "
        "measured on at least {min_searches} non-mated searches and the upper bound of every "
        "pair's |FPIR difference| (Newcombe hybrid score interval, two-sided, confidence "
        "{confidence:g} Bonferroni-corrected over the pairs) within {tolerance:g}; the highest "
        "over the groupings that can decide, at least one of which must (a grouping with a "
        "group below the searches needed is reported undecided, never dropped; one that can "
        "decide and is equitable at no threshold leaves no floor); FNIR never sets it"
    ),
    FPIR_UPPER_BOUND: (
        "lowest tested threshold from which upwards every grouping has each group's FPIR "
        "measured on at least {min_searches} non-mated searches and each group's FPIR upper "
        "bound (Wilson, two-sided, confidence {confidence:g} Bonferroni-corrected over the "
        "groups) within {tolerance:g}; the highest over the groupings that can decide, at "
        "least one of which must (a grouping with a group below the searches needed is "
        "reported undecided, never dropped; one that can decide and is equitable at no "
        "threshold leaves no floor); FNIR never sets it"
    ),
}

# Why a grouping has no floor. The first two: it cannot decide (undecided, reported beside the
# floor, neither setting nor removing it); the third: it decided and found no equitable
# threshold (the report then has no floor).
NOT_ENOUGH_DATA = "not_enough_data"
TOO_FEW_GROUPS = "too_few_groups"
NOT_EQUITABLE = "not_equitable_at_any_threshold"
UNDECIDED_REASONS = (NOT_ENOUGH_DATA, TOO_FEW_GROUPS)

# Why a report has no floor.
NO_GROUPINGS = "no_groupings"
NO_GROUPING_DECIDES = "no_grouping_decides"
A_GROUPING_NOT_EQUITABLE = "a_grouping_not_equitable"


@dataclass(frozen=True)
class EquityRule:
    """The rule's parameters, written into every report (settings ``WA_EQUITY_*``)."""

    name: str = FPIR_DIFFERENCE
    tolerance: float = 0.02
    confidence: float = 0.95
    min_searches: int = 100

    def __post_init__(self) -> None:
        if self.name not in RULES:
            raise ValueError(f"unknown equitability rule {self.name!r}: one of {', '.join(RULES)}")
        if not 0.0 < self.tolerance < 1.0:
            raise ValueError(f"the FPIR tolerance lies between 0 and 1, not {self.tolerance}")
        z_for_confidence(self.confidence)  # raises on a confidence outside (0, 1)
        if int(self.min_searches) != self.min_searches or self.min_searches < 1:
            raise ValueError(f"minimum searches is a whole number ≥ 1, not {self.min_searches}")

    def as_dict(self) -> dict:
        return asdict(self) | {"text": RULE_TEXT[self.name].format(**asdict(self))}

    @classmethod
    def from_dict(cls, data: Mapping) -> "EquityRule":
        return cls(
            name=str(data["name"]),
            tolerance=float(data["tolerance"]),
            confidence=float(data["confidence"]),
            min_searches=int(data["min_searches"]),
        )

    def at_least_as_strict_as(self, other: "EquityRule") -> bool:
        """Whether a floor derived under this rule may stand where ``other`` is configured."""
        return (
            self.name == other.name
            and self.tolerance <= other.tolerance
            and self.confidence >= other.confidence
            and self.min_searches >= other.min_searches
        )


def _counts(rate: Mapping) -> tuple[int, int]:
    return int(rate["errors"]), int(rate["searches"])


def assess_grouping(by_group: Mapping[str, Sequence[Mapping]], rule: EquityRule) -> dict:
    """The floor and the FNIR finding of one grouping, from each group's rows.

    ``by_group`` maps each group to its ``[{"threshold", "fpir", "fnir"}]`` rows (the report's
    ``by_threshold``), every group with the same thresholds in the same order.
    """
    names = sorted(by_group)
    rows = {name: list(by_group[name]) for name in names}
    thresholds = [float(r["threshold"]) for r in rows[names[0]]] if names else []
    non_mated = {name: (rows[name][0]["fpir"]["searches"] if rows[name] else 0) for name in names}
    mated = {name: (rows[name][0]["fnir"]["searches"] if rows[name] else 0) for name in names}
    alpha = 1.0 - rule.confidence
    pairs = list(combinations(names, 2))
    comparisons = len(pairs) if rule.name == FPIR_DIFFERENCE else len(names)
    level = 1.0 - alpha / max(1, comparisons)
    needed = max(rule.min_searches, searches_needed(rule.tolerance, level))
    thin = [name for name in names if non_mated[name] < needed]

    per_threshold = []
    for position, t in enumerate(thresholds):
        fpir = {name: _counts(rows[name][position]["fpir"]) for name in names}
        if rule.name == FPIR_DIFFERENCE:
            checks = [_difference(a, b, fpir, level, rule.tolerance) for a, b in pairs]
        else:
            checks = [_upper_bound(name, fpir, level, rule.tolerance) for name in names]
        decidable = not thin and len(names) >= 2
        per_threshold.append(
            {
                "threshold": t,
                "equitable": decidable and all(c["within_tolerance"] for c in checks),
                "fpir_checks": checks,
            }
        )

    floor, reason = None, None
    if len(names) < 2:
        reason = TOO_FEW_GROUPS
    elif thin:
        reason = NOT_ENOUGH_DATA
    else:
        for row in reversed(per_threshold):
            if not row["equitable"]:
                break
            floor = row["threshold"]
        if floor is None:
            reason = NOT_EQUITABLE
    return {
        "groups": {
            name: {
                "non_mated_searches": non_mated[name],
                "mated_searches": mated[name],
                "enough_data": non_mated[name] >= needed,
            }
            for name in names
        },
        "searches_needed": needed,
        "not_enough_data": thin,
        "comparisons": comparisons,
        "interval_confidence": level,
        "by_threshold": per_threshold,
        "floor": floor,
        "no_floor_reason": reason,
        "fnir_finding": fnir_finding(rows, thresholds, rule),
    }


def searches_needed(tolerance: float, level: float) -> int:
    """The fewest searches with which a group could show its FPIR within ``tolerance`` at all:
    with no false alert the Wilson upper bound is z² / (n + z²), so n ≥ z² (1 - tol) / tol.
    A group with fewer cannot decide, whatever it measures, and is "not enough data"."""
    z = z_for_confidence(level)
    return max(1, math.ceil(z * z * (1.0 - tolerance) / tolerance - 1e-9))


def _difference(a: str, b: str, fpir: Mapping, level: float, tolerance: float) -> dict:
    (xa, na), (xb, nb) = fpir[a], fpir[b]
    d, low, high = newcombe_difference_interval(xa, na, xb, nb, confidence=level)
    bound = max(abs(low), abs(high))
    return {
        "groups": [a, b],
        "difference": d,
        "ci_low": low,
        "ci_high": high,
        "bound": bound,
        "within_tolerance": bound <= tolerance,
    }


def _upper_bound(name: str, fpir: Mapping, level: float, tolerance: float) -> dict:
    errors, searches = fpir[name]
    low, high = wilson_interval(errors, searches, z=z_for_confidence(level))
    return {
        "group": name,
        "rate": errors / searches if searches else None,
        "ci_low": low,
        "ci_high": high,
        "bound": high,
        "within_tolerance": searches > 0 and high <= tolerance,
    }


def fnir_finding(rows: Mapping[str, Sequence[Mapping]], thresholds, rule: EquityRule) -> dict:
    """Where listed people of one group are missed more than those of another: per threshold,
    the pairs whose FNIR difference interval (Newcombe, confidence Bonferroni-corrected over
    the pairs) excludes zero, and the lowest threshold at which any pair does.

    Every group with a mated search is compared: the interval already answers for a small
    group, and a difference shown on few searches is still shown. Groups with fewer than
    ``min_searches`` mated searches are named (``thin``) so the page can say the comparison
    has little power there. Scanning every threshold errs towards reporting a difference; the
    finding never moves the floor.
    """
    names = sorted(rows)
    mated = {name: (rows[name][0]["fnir"]["searches"] if rows[name] else 0) for name in names}
    compared = [name for name in names if mated[name] > 0]
    thin = [name for name in names if mated[name] < rule.min_searches]
    pairs = list(combinations(compared, 2))
    level = 1.0 - (1.0 - rule.confidence) / max(1, len(pairs))
    per_threshold, first = [], None
    for position, t in enumerate(thresholds):
        differing = []
        for a, b in pairs:
            (xa, na), (xb, nb) = (_counts(rows[n][position]["fnir"]) for n in (a, b))
            d, low, high = newcombe_difference_interval(xa, na, xb, nb, confidence=level)
            if low > 0 or high < 0:
                differing.append(
                    {
                        "groups": [a, b],
                        "difference": d,
                        "ci_low": low,
                        "ci_high": high,
                        "missed_more": a if d > 0 else b,
                    }
                )
        per_threshold.append({"threshold": float(t), "differing": differing})
        if differing and first is None:
            first = float(t)
    return {
        "first_threshold": first,
        "compared_groups": compared,
        "thin": thin,
        "interval_confidence": level,
        "by_threshold": per_threshold,
    }


def decides(assessment: Mapping) -> bool:
    """Whether a grouping's assessment can decide: two or more groups, each with the searches
    needed. Its floor, or its finding that no threshold is equitable, then counts."""
    return assessment["no_floor_reason"] not in UNDECIDED_REASONS


def derive_floor(assessments: Mapping[str, Mapping]) -> dict:
    """The report's floor and how it was reached, from its groupings' assessments.

    ``minimum_threshold``: the highest floor over the groupings that decide; None when there
    are no groupings, none decides, or one that decides is equitable at no threshold.
    ``no_floor_reason``: None, ``no_groupings``, ``no_grouping_decides`` or
    ``a_grouping_not_equitable``. ``deciding``: the groupings that decide; ``set_by``: those
    whose floor is the report's; ``not_equitable``: deciding groupings with no equitable
    threshold; ``undecided``: each grouping that cannot decide, with its ``reason``, its
    number of ``groups`` and its ``thin`` groups (``group``, ``searches``, ``needed``).
    """
    names = sorted(assessments)
    deciding = [name for name in names if decides(assessments[name])]
    not_equitable = [name for name in deciding if assessments[name]["floor"] is None]
    undecided = [
        {
            "grouping": name,
            "reason": assessments[name]["no_floor_reason"],
            "groups": len(assessments[name]["groups"]),
            "thin": [
                {
                    "group": group,
                    "searches": assessments[name]["groups"][group]["non_mated_searches"],
                    "needed": assessments[name]["searches_needed"],
                }
                for group in assessments[name]["not_enough_data"]
            ],
        }
        for name in names
        if name not in deciding
    ]
    floor, reason = None, None
    if not names:
        reason = NO_GROUPINGS
    elif not deciding:
        reason = NO_GROUPING_DECIDES
    elif not_equitable:
        reason = A_GROUPING_NOT_EQUITABLE
    else:
        floor = max(assessments[name]["floor"] for name in deciding)
    return {
        "minimum_threshold": floor,
        "no_floor_reason": reason,
        "deciding": deciding,
        "set_by": [n for n in deciding if floor is not None and assessments[n]["floor"] == floor],
        "not_equitable": not_equitable,
        "undecided": undecided,
    }


def combine_floors(assessments: Mapping[str, Mapping]) -> float | None:
    """The report's floor: the highest over the groupings that decide (``derive_floor``)."""
    return derive_floor(assessments)["minimum_threshold"]


def assess_report(report: Mapping, rule: EquityRule | None = None) -> dict[str, dict]:
    """Each grouping's assessment, re-derived from the report's per-group counts alone, under
    its own stated rule (or ``rule``)."""
    rule = rule or EquityRule.from_dict(report["protocol"]["equity_rule"])
    return {
        name: assess_grouping(
            {group: block["by_threshold"] for group, block in grouping["groups"].items()}, rule
        )
        for name, grouping in (report.get("groupings") or {}).items()
    }


def derivation_from_report(report: Mapping, rule: EquityRule | None = None) -> dict:
    """``derive_floor`` of a report, from its per-group counts alone."""
    return derive_floor(assess_report(report, rule))


def floor_from_report(report: Mapping, rule: EquityRule | None = None) -> float | None:
    """Re-derive the floor of a report from its per-group counts alone, under its own stated
    rule (or ``rule``)."""
    return derivation_from_report(report, rule)["minimum_threshold"]
