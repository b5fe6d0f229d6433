"""The embedded demo's equitability report (biometric_engine/fixtures/equitability-lfw-fold1.json):
LFW fold 1 with both label files, figures only, recorded through the service without the data
set; under the current rule it derives a floor from gender and reports perceived ethnicity as
undecided; a report of the previous rule (protocol version 2) is shown, never enforced."""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

import biometric_engine
from biometric_engine.core.equity import EquityRule, derivation_from_report, floor_from_report
from biometric_engine.demo import (
    DEMO_REPORT,
    demo_equitability_report,
    load_demo_equitability_report,
)
from biometric_engine.models import EquitabilityReport
from biometric_engine.selectors import (
    floor_report,
    floor_summary,
    minimum_threshold_for,
    report_warnings,
)
from biometric_engine.services import record_equitability_report
from common.errors import InvalidInput
from tests.biometric_engine.test_equitability import reported_events
from tests.factories import OversightFactory

pytestmark = pytest.mark.django_db
THIN = [("asian", 43), ("black", 21), ("indian", 11), ("unassigned", 171)]


@pytest.fixture
def demo_rule(settings):
    """The embedded demo's tolerance (config/settings/local.py); the suite runs under 0.02."""
    settings.WA_EQUITY_FPIR_TOLERANCE = 0.03


def body(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "provenance"}


def strings(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


def test_the_fixture_is_in_the_repository_and_holds_figures_only():
    assert DEMO_REPORT.is_relative_to(Path(biometric_engine.__file__).resolve().parent)
    report = demo_equitability_report()
    # No image, image path, file name or person's name (LFW's are First_Last): only counts,
    # rates, intervals, group names and the rule's words.
    for text in strings(body(report)):
        assert not re.search(r"[A-Z][a-z]+_[A-Z]", text), text
        assert not re.search(r"\.(jpe?g|png|webp)\b", text, re.IGNORECASE), text
        assert "/shared" not in text and "/work" not in text, text
    provenance = report["provenance"]
    assert provenance["images"] == 807 and provenance["identities"] == 435
    assert provenance["model"] == report["model"] and provenance["measured"]
    assert "equitability_report" in provenance["command"]
    ethnicity = next(x for x in provenance["labels"] if x["grouping"] == "perceived-ethnicity")
    assert ethnicity["caution"] == "a classifier's outputs, not anyone's self-declared ethnicity"
    assert report["protocol"]["version"] == 3
    assert report["protocol"]["equity_rule"]["tolerance"] == 0.03


def test_the_fixture_derives_the_gender_floor_and_reports_perceived_ethnicity_undecided():
    report = demo_equitability_report()
    assert report["minimum_threshold"] == 0.6 == floor_from_report(report)
    derivation = derivation_from_report(report)
    assert derivation["deciding"] == ["gender"] and derivation["set_by"] == ["gender"]
    (undecided,) = derivation["undecided"]
    assert undecided["grouping"] == "perceived-ethnicity"
    assert undecided["reason"] == "not_enough_data"
    # Ten pairs, Bonferroni: 99.5 % intervals; at 0.03 a group needs 255 non-mated searches.
    assert [(t["group"], t["searches"], t["needed"]) for t in undecided["thin"]] == [
        (group, searches, 255) for group, searches in THIN
    ]
    # At the production tolerance the same counts decide nothing: female 136, 189 needed.
    strict = derivation_from_report(report, EquityRule(tolerance=0.02))
    assert strict["minimum_threshold"] is None
    assert strict["no_floor_reason"] == "no_grouping_decides"
    gender = next(u for u in strict["undecided"] if u["grouping"] == "gender")
    assert gender["thin"] == [{"group": "female", "searches": 136, "needed": 189}]


def test_loading_the_demo_report_records_it_once_with_its_ledger_event(demo_rule):
    stored = load_demo_equitability_report()
    assert stored.minimum_threshold == Decimal("0.600") and stored.report_version == 3
    assert stored.report["provenance"]["images"] == 807
    assert "LFW fold 1" in stored.dataset
    model = stored.model_version
    assert floor_report(model_version=model) == stored
    assert minimum_threshold_for(model_version=model) == Decimal("0.600")
    # Idempotent: the same report (same SHA-256, same model) is not recorded twice.
    assert load_demo_equitability_report() == stored
    assert EquitabilityReport.objects.count() == 1
    (payload,) = reported_events()
    assert payload["report_id"] == stored.pk
    assert payload["undecided_groupings"] == ["perceived-ethnicity"]
    assert payload["groupings"]["perceived-ethnicity"]["decides"] is False
    assert payload["groupings"]["gender"] == {"floor": 0.6, "decides": True, "not_enough_data": 0}


def test_the_demo_report_is_refused_where_the_production_tolerance_is_configured():
    # The suite runs under the production default, 0.02: a report made under 0.03 is less
    # strict and may not stand there.
    with pytest.raises(InvalidInput, match="less strict than the configured one"):
        load_demo_equitability_report()
    assert not EquitabilityReport.objects.exists()


def test_the_authority_pages_see_the_floor_and_the_undecided_grouping(demo_rule):
    stored = load_demo_equitability_report()
    summary = floor_summary(model_version=stored.model_version)
    assert summary["floor"] == Decimal("0.600") and summary["current_format"]
    assert [u["grouping"] for u in summary["undecided"]] == ["perceived-ethnicity"]
    (warning,) = report_warnings(
        model_version=stored.model_version, watchlist_size=None, now=stored.created_at
    )
    assert "leaves the grouping perceived-ethnicity undecided" in warning
    assert "asian 43 (255 needed), black 21 (255 needed), indian 11 (255 needed)" in warning
    assert "its floor comes from gender alone" in warning


def test_the_report_page_shows_the_provenance_and_the_thin_groups(client, demo_rule):
    stored = load_demo_equitability_report()
    client.force_login(OversightFactory())
    html = client.get(reverse("engine:report-detail", args=[stored.pk])).content.decode()
    assert "Provenance of the data" in html
    assert "807 images of 435 identities" in html
    assert "Afifi &amp; Abdelhamed (2017)" in html
    assert "a classifier&#x27;s outputs, not anyone&#x27;s self-declared ethnicity" in html
    assert (
        "manage.py equitability_report" in html and stored.report["provenance"]["measured"] in html
    )
    assert "Minimum threshold: 0.600" in html
    assert "Undecided groupings" in html
    for group, searches in THIN:
        assert f"{group} {searches} (255 needed)" in html
    assert "neither sets nor removes the floor, which comes from gender alone" in html


def version_2(report: dict) -> dict:
    """The same figures as the previous rule stored them: protocol version 2, no floor
    derivation, and (perceived ethnicity being thin) no floor."""
    old = json.loads(json.dumps(report))
    old["protocol"]["version"] = 2
    old.pop("floor_derivation")
    old["minimum_threshold"] = None
    return old


def test_a_version_2_report_is_shown_but_never_enforced(client, demo_rule):
    report = demo_equitability_report()
    with pytest.raises(InvalidInput, match="superseded rule"):
        record_equitability_report(report=version_2(report))
    # One stored before the change (a data migration set its version), floor and all.
    old = EquitabilityReport.objects.create(
        model_version=report["model"],
        dataset="stored under version 2",
        thresholds=report["thresholds"],
        minimum_threshold=Decimal("0.600"),
        group_count=7,
        report_version=2,
        report=version_2(report) | {"minimum_threshold": 0.6},
    )
    assert floor_report(model_version=report["model"]) is None
    assert minimum_threshold_for(model_version=report["model"]) is None
    summary = floor_summary(model_version=report["model"])
    assert summary["report_id"] == old.pk and not summary["current_format"]
    assert "protocol version 2" in summary["superseded_rule"]
    assert {g["name"] for g in summary["groupings"]} == {"gender", "perceived-ethnicity"}
    warnings = report_warnings(
        model_version=report["model"], watchlist_size=None, now=old.created_at
    )
    assert any("its floor is not enforced" in w for w in warnings)
    client.force_login(OversightFactory())
    html = client.get(reverse("engine:report-detail", args=[old.pk])).content.decode()
    assert "never enforced" in html and "Grouping: gender" in html
    # Recording the current report puts it in force.
    current = load_demo_equitability_report()
    assert floor_report(model_version=report["model"]) == current
