"""The equitable minimum (the floor), on constructed score distributions run through the real
functions (``equitability_report`` → ``core.equity``). Group labels are arbitrary letters.

Each test names the rule it proves; each would fail under the superseded rule ("lowest
threshold from which upwards no pair differs significantly in FPIR or FNIR")."""

import json

import numpy as np
import pytest

from biometric_engine.core.equity import (
    FPIR_UPPER_BOUND,
    EquityRule,
    derivation_from_report,
    derive_floor,
    floor_from_report,
    searches_needed,
)
from biometric_engine.core.identification import IdentificationSearches, equitability_report
from biometric_engine.core.proportions import newcombe_difference_interval, wilson_interval

THRESHOLDS = [0.4, 0.5, 0.6, 0.7]


def non_mated(n: int, above: dict[float, float]) -> np.ndarray:
    """``n`` top scores of non-mated searches; ``above[t]`` is the share at or above ``t``
    (a falling staircase: 0.45 → share above 0.4, 0.55 → above 0.5, ...)."""
    scores = np.full(n, 0.1)
    start = 0
    for t in sorted(above, reverse=True):
        count = round(above[t] * n)
        scores[start:count] = t + 0.05
        start = max(start, count)
    return scores


def report_for(groups: dict[str, dict], rule: EquityRule | None = None, extra=None):
    """A report from per-group ``{"non_mated": scores, "mated": scores}`` (every mated search
    at rank 1; identities ``<group>-m<n>`` and ``<group>-x<n>``) as the grouping ``letters``,
    and ``extra`` labellings ``{name: {identity: group}}`` of the same searches."""
    mated_ids, mated_scores, non_ids, non_scores = [], [], [], []
    labellings: dict[str, dict[str, str]] = {"letters": {}, **(extra or {})}
    for group, data in groups.items():
        for n, score in enumerate(data.get("mated", np.full(200, 0.9))):
            mated_ids.append(f"{group}-m{n}")
            mated_scores.append(score)
        for n, score in enumerate(data["non_mated"]):
            non_ids.append(f"{group}-x{n}")
            non_scores.append(score)
    for identity in mated_ids + non_ids:
        labellings["letters"][identity] = identity.split("-")[0]
    searches = IdentificationSearches(
        watchlist_size=len(mated_ids),
        mated_identities=mated_ids,
        mated_scores=np.array(mated_scores, dtype=float),
        mated_ranks=np.ones(len(mated_ids), dtype=int),
        non_mated_identities=non_ids,
        non_mated_top_scores=np.array(non_scores, dtype=float),
    )
    report = equitability_report(
        searches, THRESHOLDS, model="test-model", groupings=labellings, rule=rule
    )
    json.dumps(report, allow_nan=False)
    return report


# FPIR falls with the threshold and is the same for A and B: 30 %, 10 %, 0.5 %, 0 %.
SAME_FPIR = {0.4: 0.30, 0.5: 0.10, 0.6: 0.005}


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80, method 10.
    d, low, high = newcombe_difference_interval(56, 70, 48, 80)
    assert d == pytest.approx(0.2)
    assert (low, high) == pytest.approx((0.0524, 0.3339), abs=1e-4)
    # Narrower with more data, wider with more confidence.
    assert (
        newcombe_difference_interval(0, 2000, 0, 2000)[2]
        < (newcombe_difference_interval(0, 200, 0, 200)[2])
    )
    assert (
        newcombe_difference_interval(0, 500, 0, 500, confidence=0.99)[2]
        > (newcombe_difference_interval(0, 500, 0, 500)[2])
    )


def test_the_floor_is_where_fpir_is_shown_close_from_there_upwards():
    report = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, {0.4: 0.45, 0.5: 0.20, 0.6: 0.005})},
        }
    )
    assessment = report["groupings"]["letters"]["assessment"]
    assert [row["equitable"] for row in assessment["by_threshold"]] == [False, False, True, True]
    assert assessment["floor"] == 0.6 == report["minimum_threshold"]
    assert floor_from_report(report) == 0.6  # from the report's counts alone


def test_an_fnir_difference_alone_never_raises_the_floor():
    """Same FPIR in both groups; B's listed people are missed far more at 0.6 and above (a
    difference the old rule turned into a floor of None: every threshold from 0.6 differed)."""
    b_mated = np.concatenate([np.full(100, 0.9), np.full(100, 0.55)])  # half missed from 0.6
    report = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, SAME_FPIR), "mated": b_mated},
        }
    )
    a_rows = report["groupings"]["letters"]["groups"]["A"]["by_threshold"]
    b_rows = report["groupings"]["letters"]["groups"]["B"]["by_threshold"]
    assert b_rows[2]["fnir"]["rate"] == 0.5 and a_rows[2]["fnir"]["rate"] == 0.0
    without = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, SAME_FPIR)},
        }
    )
    # FPIR is the same at every threshold: the floor is where 2,000 searches a group show it
    # within 2 points (0.5: at 30 % the interval is too wide), with or without the FNIR gap.
    assert report["minimum_threshold"] == without["minimum_threshold"] == 0.5
    finding = report["groupings"]["letters"]["assessment"]["fnir_finding"]
    assert finding["first_threshold"] == 0.6 == report["fnir_finding"]["first_threshold"]
    differing = finding["by_threshold"][2]["differing"]
    assert [(d["groups"], d["missed_more"]) for d in differing] == [(["A", "B"], "B")]
    assert differing[0]["ci_high"] < 0  # A - B: B missed more, the interval excludes zero
    assert finding["by_threshold"][0]["differing"] == []


def test_a_small_group_cannot_lower_the_floor():
    """B has B's high FPIR below 0.6 on few searches: the old rule found no significant
    difference there and set a lower floor. Now less data can only remove the floor."""
    b_rates = {0.4: 0.45, 0.5: 0.20, 0.6: 0.005}
    large = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, b_rates)},
        }
    )
    assert large["minimum_threshold"] == 0.6
    for n in (1000, 400):  # fewer searches: the same floor or higher, never lower
        fewer = report_for(
            {
                "A": {"non_mated": non_mated(2000, SAME_FPIR)},
                "B": {"non_mated": non_mated(n, b_rates)},
            }
        )
        assert fewer["minimum_threshold"] is None or fewer["minimum_threshold"] >= 0.6
    small = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, b_rates)},
            "C": {"non_mated": non_mated(20, {})},  # no false alert at all, on 20 searches
        }
    )
    assessment = small["groupings"]["letters"]["assessment"]
    assert assessment["not_enough_data"] == ["C"]
    assert assessment["groups"]["C"] == {
        "non_mated_searches": 20,
        "mated_searches": 200,
        "enough_data": False,
    }
    assert assessment["floor"] is None and assessment["no_floor_reason"] == "not_enough_data"
    assert small["minimum_threshold"] is None


def test_a_thin_grouping_beside_one_that_decides_is_reported_undecided_not_removing_the_floor():
    """Measuring a finer grouping must never stop the platform: a second labelling whose group
    "few" has 50 non-mated searches (189 needed) cannot decide, so the report's floor is the
    deciding grouping's, and the thin grouping is listed, with its counts, never dropped.
    (Under protocol version 2 this report had no floor at all.)"""
    groups = {
        "A": {"non_mated": non_mated(2000, SAME_FPIR)},
        "B": {"non_mated": non_mated(2000, SAME_FPIR)},
    }
    # A second labelling of the same searches in which group "few" holds 50 of B's people.
    few = {f"B-x{n}": "few" for n in range(50)} | {f"A-x{n}": "rest" for n in range(2000)}
    alone = report_for(groups)
    report = report_for(groups, extra={"second": few})
    assert report["groupings"]["letters"]["assessment"]["floor"] == 0.5
    second = report["groupings"]["second"]["assessment"]
    assert second["groups"]["few"]["non_mated_searches"] == 50
    assert second["not_enough_data"] == ["few"] and second["floor"] is None
    assert second["no_floor_reason"] == "not_enough_data"
    assert report["minimum_threshold"] == 0.5 == alone["minimum_threshold"]
    assert report["floor_derivation"] == {
        "no_floor_reason": None,
        "deciding": ["letters"],
        "set_by": ["letters"],
        "not_equitable": [],
        "undecided": [
            {
                "grouping": "second",
                "reason": "not_enough_data",
                "groups": 2,
                "thin": [{"group": "few", "searches": 50, "needed": 189}],
            }
        ],
    }
    assert floor_from_report(report) == 0.5  # an inspector, from the counts alone
    assert derivation_from_report(report) == {
        "minimum_threshold": 0.5,
        **report["floor_derivation"],
    }
    # A grouping of one group cannot decide either: undecided, the floor unchanged.
    one = report_for(groups, extra={"one": dict.fromkeys([f"A-x{n}" for n in range(2000)], "A")})
    assert one["minimum_threshold"] == 0.5
    (undecided,) = one["floor_derivation"]["undecided"]
    assert undecided == {"grouping": "one", "reason": "too_few_groups", "groups": 1, "thin": []}


def test_a_report_none_of_whose_groupings_can_decide_derives_no_floor():
    thin = {
        "A": {"non_mated": non_mated(2000, SAME_FPIR)},
        "B": {"non_mated": non_mated(150, SAME_FPIR)},  # 189 needed at 0.02, 95 %
    }
    few = {f"B-x{n}": "few" for n in range(50)} | {f"A-x{n}": "rest" for n in range(2000)}
    report = report_for(thin, extra={"second": few})
    assert report["minimum_threshold"] is None
    derivation = report["floor_derivation"]
    assert derivation["no_floor_reason"] == "no_grouping_decides"
    assert derivation["deciding"] == [] and derivation["set_by"] == []
    assert [(u["grouping"], u["thin"]) for u in derivation["undecided"]] == [
        ("letters", [{"group": "B", "searches": 150, "needed": 189}]),
        ("second", [{"group": "few", "searches": 50, "needed": 189}]),
    ]
    assert floor_from_report(report) is None
    assert derive_floor({})["no_floor_reason"] == "no_groupings"
    # The configured minimum applies as well as the searches the tolerance needs (189).
    rule = EquityRule(min_searches=1500)
    stricter = report_for(
        {"A": thin["A"], "B": {"non_mated": non_mated(1000, SAME_FPIR)}}, rule=rule
    )
    assessment = stricter["groupings"]["letters"]["assessment"]
    assert assessment["not_enough_data"] == ["B"] and assessment["searches_needed"] == 1500
    assert stricter["minimum_threshold"] is None


def test_a_grouping_with_enough_data_equitable_at_no_threshold_leaves_no_floor():
    """Not equitable is a finding, not thinness: beside a grouping that decides, a grouping
    whose groups have enough searches but whose FPIR differ at every threshold (B's 5 points
    above A's up to the top) leaves the report with no floor."""
    a = non_mated(2000, {0.4: 0.30, 0.5: 0.10, 0.6: 0.05, 0.7: 0.0})
    b = non_mated(2000, {0.4: 0.40, 0.5: 0.20, 0.6: 0.10, 0.7: 0.05})
    # halves: each half A's and half B's searches, alike: it decides, with a floor of its own.
    halves = {f"A-x{n}": "odd" if n % 2 else "even" for n in range(2000)}
    halves |= {f"B-x{n}": "odd" if n % 2 else "even" for n in range(2000)}
    report = report_for({"A": {"non_mated": a}, "B": {"non_mated": b}}, extra={"halves": halves})
    letters = report["groupings"]["letters"]["assessment"]
    assert letters["not_enough_data"] == [] and letters["floor"] is None
    assert letters["no_floor_reason"] == "not_equitable_at_any_threshold"
    assert report["groupings"]["halves"]["assessment"]["floor"] is not None
    assert report["minimum_threshold"] is None
    derivation = report["floor_derivation"]
    assert derivation["no_floor_reason"] == "a_grouping_not_equitable"
    assert derivation["deciding"] == ["halves", "letters"]
    assert derivation["not_equitable"] == ["letters"] and derivation["undecided"] == []
    assert floor_from_report(report) is None


def test_the_floor_is_the_highest_over_groupings():
    a = non_mated(2000, SAME_FPIR)
    b = non_mated(2000, {0.4: 0.45, 0.5: 0.20, 0.6: 0.005})
    # letters: A against B, floor 0.6. halves: each group half A's and half B's searches, so
    # the two are alike and the floor is lower; the report's floor is the higher, 0.6.
    halves = {f"A-x{n}": "odd" if n % 2 else "even" for n in range(2000)}
    halves |= {f"B-x{n}": "odd" if n % 2 else "even" for n in range(2000)}
    report = report_for(
        {"A": {"non_mated": a}, "B": {"non_mated": b}},
        rule=EquityRule(tolerance=0.04),
        extra={"halves": halves},
    )
    assert report["groupings"]["letters"]["assessment"]["floor"] == 0.6
    assert report["groupings"]["halves"]["assessment"]["floor"] == 0.4
    assert report["minimum_threshold"] == 0.6
    assert list(report["fnir_finding"]["by_grouping"]) == ["halves", "letters"]


def test_tolerance_and_confidence_move_the_floor_as_documented():
    """B's FPIR is 1.5 points above A's at 0.5 (11.5 % against 10 %) and equal from 0.6."""
    groups = {
        "A": {"non_mated": non_mated(20000, SAME_FPIR)},
        "B": {"non_mated": non_mated(20000, {0.4: 0.30, 0.5: 0.115, 0.6: 0.005})},
    }
    at = {}
    for tolerance in (0.01, 0.02, 0.03):
        for confidence in (0.95, 0.99999999):
            rule = EquityRule(tolerance=tolerance, confidence=confidence)
            report = report_for(groups, rule=rule)
            at[tolerance, confidence] = report["minimum_threshold"]
            written = report["protocol"]["equity_rule"]
            assert (written["tolerance"], written["confidence"]) == (tolerance, confidence)
            assert written["name"] == "fpir_difference" and written["min_searches"] == 100
    # A wider tolerance admits the 1.5-point difference at 0.5 (its bound about 2.1 points at
    # 95 %): the floor falls to 0.4 (equal rates there); a tighter one does not.
    assert at[0.01, 0.95] == 0.6 and at[0.02, 0.95] == 0.6 and at[0.03, 0.95] == 0.4
    # More confidence widens every interval: the floor rises (0.4 → 0.6 at tolerance 0.03).
    assert at[0.03, 0.99999999] == 0.6
    # ... and with it the searches a group needs before it can decide at all.
    assert searches_needed(0.02, 0.99) > searches_needed(0.02, 0.95) > searches_needed(0.03, 0.95)
    assert searches_needed(0.02, 0.95) == 189  # 1.96 ** 2 * 0.98 / 0.02


def test_the_upper_bound_rule_asks_each_groups_fpir_to_be_within_the_tolerance():
    groups = {
        "A": {"non_mated": non_mated(2000, SAME_FPIR)},
        "B": {"non_mated": non_mated(2000, SAME_FPIR)},
    }
    report = report_for(groups, rule=EquityRule(name=FPIR_UPPER_BOUND))
    # Equal FPIR everywhere, but 0.5 % at 0.6 has an upper bound of about 1 %: 0.6 passes,
    # 10 % at 0.5 does not, so the floor is 0.6 where the difference rule gives 0.5.
    assert report["minimum_threshold"] == 0.6
    assert report_for(groups)["minimum_threshold"] == 0.5
    check = report["groupings"]["letters"]["assessment"]["by_threshold"][2]["fpir_checks"][0]
    assert check["bound"] == pytest.approx(wilson_interval(10, 2000, z=2.2414)[1], abs=1e-4)


def test_one_group_or_none_derives_no_floor():
    one = report_for({"A": {"non_mated": non_mated(2000, SAME_FPIR)}})
    assert one["groupings"]["letters"]["assessment"]["no_floor_reason"] == "too_few_groups"
    assert one["minimum_threshold"] is None


@pytest.mark.parametrize(
    "kwargs",
    [{"name": "p_value"}, {"tolerance": 0}, {"confidence": 1.0}, {"min_searches": 0}],
)
def test_a_rule_outside_its_range_is_refused(kwargs):
    with pytest.raises(ValueError):
        EquityRule(**kwargs)
