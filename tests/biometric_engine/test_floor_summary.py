"""What the staff pages get from the engine: floor_summary (the floor, each grouping's floor or
why it has none, the FNIR finding, the rule), report_warnings (the continuing equality duty),
the _floor_summary.html snippet, and the scheduled re-run."""

from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from biometric_engine import tasks
from biometric_engine.engine import default_model_version
from biometric_engine.models import EquitabilityReport
from biometric_engine.selectors import floor_summary, report_warnings
from biometric_engine.services import record_equitability_report
from common.errors import InvalidInput
from oversight.models import LedgerEntry
from tests.biometric_engine.equitability_fixtures import (
    SUBSET,
    arbitrary_groups,
    link_subset,
    synthetic_report,
    write_groups_csv,
)
from tests.biometric_engine.test_equity_rule import SAME_FPIR, non_mated, report_for
from tests.biometric_engine.test_report_pages import legacy_report

pytestmark = pytest.mark.django_db
MODEL = default_model_version()


def thin_report_with_an_fnir_gap() -> dict:
    b_mated = np.concatenate([np.full(100, 0.9), np.full(100, 0.55)])
    data = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, SAME_FPIR), "mated": b_mated},
            "C": {"non_mated": non_mated(40, {})},
        }
    )
    return data | {"model": MODEL}


def test_floor_summary_gives_the_floor_the_groupings_and_the_rule():
    assert floor_summary(model_version=MODEL) is None
    stored = record_equitability_report(report=synthetic_report())
    summary = floor_summary(model_version=MODEL)
    assert summary["report_id"] == stored.pk and summary["url"] == f"/engine/reports/{stored.pk}/"
    assert summary["floor"] == Decimal("0.750") and summary["current_format"]
    assert summary["watchlist_size"] == 200
    assert summary["searches"] == {"mated": 200, "non_mated": 2000}
    assert summary["rule"]["name"] == "fpir_difference" and summary["rule"]["tolerance"] == 0.02
    (letters,) = summary["groupings"]
    assert letters["name"] == "letters" and letters["floor"] == 0.75 and letters["thin"] == []
    assert summary["fnir_first_threshold"] is None


def test_floor_summary_names_thin_groups_and_the_fnir_finding():
    record_equitability_report(report=thin_report_with_an_fnir_gap())
    summary = floor_summary(model_version=MODEL)
    assert summary["floor"] is None and summary["no_floor_reason"] == "no_grouping_decides"
    (letters,) = summary["groupings"]
    assert letters["no_floor_reason"] == "not_enough_data" and letters["status"] == "undecided"
    assert summary["undecided"][0]["thin"] == [{"group": "C", "searches": 40, "needed": 281}]
    assert letters["thin"] == [{"group": "C", "searches": 40, "needed": 281}]
    assert summary["fnir_first_threshold"] == 0.6 == letters["fnir_first_threshold"]
    first = letters["fnir_differences"][0]
    assert (first["threshold"], first["missed_more"], first["groups"]) == (0.6, "B", ["A", "B"])
    assert first["points"] == pytest.approx(-50.0)


def test_the_snippet_renders_a_summary_without_script_or_style():
    record_equitability_report(report=thin_report_with_an_fnir_gap())
    html = render_to_string(
        "biometric_engine/_floor_summary.html",
        {"summary": floor_summary(model_version=MODEL), "warnings": ["Re-run it."]},
    )
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert "govuk-summary-list" in html and "Re-run it." in html
    assert "Not determined" in html and "Grouping: letters" in html
    assert "Not enough data: C (40 non-mated searches; 281 needed)" in html
    assert "at 0.60: B missed more (A minus B: -50.0 points" in html
    none = render_to_string("biometric_engine/_floor_summary.html", {"summary": None})
    assert "No equitability report comparing groups exists" in none


def test_report_warnings_for_no_report_an_old_one_and_a_larger_watchlist(settings):
    now = timezone.now()
    (missing,) = report_warnings(model_version=MODEL, watchlist_size=10, now=now)
    assert "No equitability report comparing groups exists" in missing
    now = record_equitability_report(report=synthetic_report()).created_at
    assert report_warnings(model_version=MODEL, watchlist_size=200, now=now) == []
    assert report_warnings(model_version=MODEL, watchlist_size=None, now=now) == []
    (larger,) = report_warnings(model_version=MODEL, watchlist_size=201, now=now)
    assert "holds 201 people" in larger and "watchlist of 200" in larger
    settings.WA_EQUITY_REPORT_MAX_AGE_DAYS = 30
    later = now + timedelta(days=31)
    (old,) = report_warnings(model_version=MODEL, watchlist_size=200, now=later)
    assert "31 days old, older than the 30 days configured" in old
    assert report_warnings(model_version=MODEL, watchlist_size=200, now=now + timedelta(29)) == []


def test_report_warnings_say_when_the_report_derives_no_floor_or_is_superseded():
    record_equitability_report(report=thin_report_with_an_fnir_gap())
    no_floor, undecided = report_warnings(
        model_version=MODEL, watchlist_size=None, now=timezone.now()
    )
    assert (
        "derives no equitable minimum, because no grouping has enough non-mated searches in "
        "every group to decide (letters: undecided, not enough data" in no_floor
    )
    assert undecided.endswith(
        "leaves the grouping letters undecided (too few non-mated searches to decide: C 40 "
        "(281 needed)): measure more to decide it."
    )
    legacy = legacy_report()
    summary = floor_summary(model_version=MODEL)
    assert summary["report_id"] == legacy.pk and not summary["current_format"]
    assert summary["floor"] == Decimal("0.500") and summary["groupings"] == []
    warnings = report_warnings(model_version=MODEL, watchlist_size=None, now=timezone.now())
    assert any("superseded rule" in w for w in warnings)
    html = render_to_string("biometric_engine/_floor_summary.html", {"summary": summary})
    assert "Superseded" in html


# apply(): the task runs here, under this test's settings (a real worker reads its own).
def test_the_scheduled_rerun_is_skipped_and_logged_when_not_configured(settings, caplog):
    settings.WA_EQUITY_EVAL_IMAGES, settings.WA_EQUITY_EVAL_GROUPS = "", []
    with caplog.at_level("INFO"):
        assert tasks.rerun_equitability_report.apply().get() == {"stored": False}
    assert "not both configured" in caplog.text
    assert not EquitabilityReport.objects.exists()


@pytest.mark.images
def test_the_scheduled_rerun_stores_a_report_once_with_its_ledger_event(
    settings, lfw_dir, tmp_path
):
    images = link_subset(lfw_dir, tmp_path / "images")
    first = write_groups_csv(tmp_path / "letters.csv", arbitrary_groups(SUBSET))
    second = write_groups_csv(tmp_path / "halves.csv", dict.fromkeys(SUBSET[:6], "L"))
    settings.WA_EQUITY_EVAL_IMAGES = str(images)
    settings.WA_EQUITY_EVAL_GROUPS = [str(first), str(second)]
    settings.WA_EQUITY_EVAL_CACHE = str(tmp_path / "cache.npz")
    result = tasks.rerun_equitability_report.apply().get()
    assert result["stored"] and result["model_version"] == MODEL
    stored = EquitabilityReport.objects.get()
    assert set(stored.report["groupings"]) == {"letters", "halves"}
    assert stored.created_by is None and "scheduled re-run" in stored.dataset
    assert LedgerEntry.objects.filter(action="engine.equitability_reported").count() == 1
    # Run twice (a redelivery): nothing is stored twice.
    assert tasks.rerun_equitability_report.apply().get() == {"stored": False}
    assert EquitabilityReport.objects.count() == 1


def thin_grouping_beside_a_deciding_one() -> dict:
    """letters (A, B: 2,000 non-mated searches each, same FPIR) decides, floor 0.5; second
    holds a group "few" of 50 of B's searches (189 needed): undecided."""
    few = {f"B-x{n}": "few" for n in range(50)} | {f"A-x{n}": "rest" for n in range(2000)}
    data = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, SAME_FPIR)},
        },
        extra={"second": few},
    )
    return data | {"model": MODEL}


def test_a_thin_grouping_beside_a_deciding_one_is_shown_plainly_beside_the_floor():
    stored = record_equitability_report(report=thin_grouping_beside_a_deciding_one())
    assert stored.minimum_threshold == Decimal("0.500")
    summary = floor_summary(model_version=MODEL)
    assert summary["floor"] == Decimal("0.500") and summary["no_floor_reason"] is None
    assert summary["deciding"] == ["letters"] and summary["set_by"] == ["letters"]
    (undecided,) = summary["undecided"]
    assert undecided["grouping"] == "second" and undecided["reason"] == "not_enough_data"
    assert undecided["thin"] == [{"group": "few", "searches": 50, "needed": 189}]
    statuses = {g["name"]: g["status"] for g in summary["groupings"]}
    assert statuses == {"letters": "sets the floor", "second": "undecided"}
    # The continuing duty: an undecided grouping is a warning even where there is a floor.
    now = stored.created_at
    (warning,) = report_warnings(model_version=MODEL, watchlist_size=None, now=now)
    assert warning == (
        f"The equitability report for {MODEL} leaves the grouping second undecided (too few "
        "non-mated searches to decide: few 50 (189 needed)): its floor comes from letters "
        "alone; measure more to decide this grouping."
    )
    html = render_to_string(
        "biometric_engine/_floor_summary.html", {"summary": summary, "warnings": [warning]}
    )
    assert "<strong>0.500</strong>" in html and "in letters" in html
    assert "Undecided groupings" in html
    assert "second: too few non-mated searches to decide: few 50 (189 needed)" in html
    assert "neither sets nor removes the floor, which comes from letters alone" in html
    assert "Not enough data: few (50 non-mated searches; 189 needed)" in html


def test_a_report_hiding_its_thin_grouping_is_refused():
    """The page reads each grouping's stated assessment and the floor derivation: a report
    whose stated ones are not what its counts give is refused, so no thin group is hidden."""
    report = thin_grouping_beside_a_deciding_one()
    hidden = report | {"floor_derivation": {**report["floor_derivation"], "undecided": []}}
    with pytest.raises(InvalidInput, match="floor derivation"):
        record_equitability_report(report=hidden)
    second = report["groupings"]["second"]
    quiet = {**second["assessment"], "not_enough_data": []}
    forged = report | {
        "groupings": {**report["groupings"], "second": second | {"assessment": quiet}}
    }
    with pytest.raises(InvalidInput, match="grouping second"):
        record_equitability_report(report=forged)
    # Nor a threshold marked "FPIR shown close" that its counts do not show close.
    letters = report["groupings"]["letters"]
    rows = [dict(row) for row in letters["assessment"]["by_threshold"]]
    rows[0]["equitable"] = True
    marked = {**letters["assessment"], "by_threshold": rows}
    forged = report | {
        "groupings": {**report["groupings"], "letters": letters | {"assessment": marked}}
    }
    with pytest.raises(InvalidInput, match="grouping letters"):
        record_equitability_report(report=forged)
    assert not EquitabilityReport.objects.exists()
