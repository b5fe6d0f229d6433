"""Expected against observed: the false alerts the model's own 1:N figures predict (FPIR from
its equitability report, scaled to the watchlist's size), with the measurement's n and
interval, said plainly where the report is too thin; on the authorisation page and beside
the observed figure in the review."""

import pytest

from biometric_engine.expectation import expectation

pytestmark = pytest.mark.django_db


def test_the_expectation_scales_the_reports_fpir_to_the_watchlist(equitability_recorded):
    report = equitability_recorded.report
    row = next(r for r in report["overall"] if r["threshold"] == 0.5)
    result = expectation(
        model_version=equitability_recorded.model_version,
        threshold=0.55,  # between measured thresholds: the lower row, which overstates
        watchlist_size=400,
        faces=10_000,
    )
    assert result["available"] and result["report_threshold"] == 0.5
    assert result["n"] == row["fpir"]["searches"] and result["errors"] == row["fpir"]["errors"]
    scale = 400 / report["watchlist_size"]
    assert result["expected"] == round(10_000 * row["fpir"]["rate"] * scale, 2)
    assert result["expected_low"] <= result["expected"] <= result["expected_high"]
    assert any("extrapolation" in line for line in result["thin"])


def test_no_false_alert_measured_gives_an_upper_bound_said_plainly(equitability_recorded):
    result = expectation(
        model_version=equitability_recorded.model_version,
        threshold=0.64,
        watchlist_size=100,
        faces=12_120,
    )
    assert result["expected"] == 0 and result["expected_high"] > 0
    assert any("only an upper bound" in line for line in result["thin"])


def test_no_report_no_expectation(db):
    result = expectation(model_version="unknown-model", threshold=0.6, watchlist_size=10, faces=5)
    assert not result["available"] and "No equitability report" in result["thin"][0]


def test_the_review_puts_the_expectation_beside_the_observed(client, review, reviewer):
    assert review.expected["available"]
    assert review.expected["watchlist_size"] == 9_756 and review.expected["faces"] == 12_120
    client.force_login(reviewer)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Expected against observed false alerts" in page
    assert "Observed false alerts" in page and f"n = {review.expected['n']}" in page


def test_the_authorisation_page_shows_the_expectation_for_the_footfall(
    client, consulted, superintendent, equitability_recorded
):
    client.force_login(superintendent)
    page = client.get(f"/applications/{consulted.pk}/decide/?footfall=20000").content.decode()
    assert "False alerts to expect" in page and "For 20000 faces" in page
    assert "non-mated searches" in page
