"""Equitability reports: stored per model version with their ledger event, the minimum
threshold derived from the counts (never taken on trust), read by minimum_threshold_for."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from biometric_engine.engine import default_model_version, engine_backend
from biometric_engine.models import EquitabilityReport
from biometric_engine.selectors import minimum_threshold_for
from biometric_engine.services import record_equitability_report
from common.errors import InvalidInput, NotPermitted
from common.roles import Role
from oversight.models import LedgerEntry
from tests.biometric_engine.equitability_fixtures import (
    SUBSET,
    arbitrary_groups,
    link_subset,
    synthetic_report,
    write_groups_csv,
)
from tests.factories import OversightFactory, UserFactory

pytestmark = pytest.mark.django_db


def reported_events() -> list[dict]:
    return [
        json.loads(payload)
        for payload in LedgerEntry.objects.filter(
            action="engine.equitability_reported"
        ).values_list("payload", flat=True)
    ]


@pytest.mark.images
def test_the_command_saves_a_real_report_with_its_ledger_event_and_page(lfw_dir, tmp_path):
    images = link_subset(lfw_dir, tmp_path / "images")
    groups_csv = write_groups_csv(tmp_path / "groups.csv", arbitrary_groups(SUBSET))
    out = tmp_path / "report.json"
    before = len(reported_events())
    printed = io.StringIO()

    call_command(
        "equitability_report",
        images=images,
        groups=groups_csv,
        thresholds="0.3,0.5,0.7",
        json_out=out,
        save=True,
        stdout=printed,
    )

    stored = EquitabilityReport.objects.get()
    written = json.loads(out.read_text())
    assert stored.report == written
    assert stored.model_version == engine_backend().model_version == written["model"]
    assert stored.thresholds == [0.3, 0.5, 0.7]
    groups = written["groupings"]["groups"]["groups"]  # one grouping, named after groups.csv
    assert set(groups) == {"A", "B"}
    assert written["protocol"]["equity_rule"]["name"] == "fpir_difference"
    for group in groups.values():  # per-group identification rates pass the service
        for rank in ("rank_1", "rank_10"):
            rate = group[rank]
            assert rate["searches"] == group["searches"]["mated"]
            assert 0 <= rate["ci_low"] <= (rate["rate"] or 0) <= rate["ci_high"] <= 1
        assert group["rank_1"]["hits"] <= group["rank_10"]["hits"]
    assert sum(g["rank_10"]["hits"] for g in groups.values()) == (written["rank_10"]["hits"])
    assert written["watchlist_size"] == 6 and written["searches"]["mated"] > 0
    expected = written["minimum_threshold"]
    assert stored.minimum_threshold == (
        None if expected is None else Decimal(str(expected)).quantize(Decimal("0.001"))
    )
    assert "12 identities" in stored.dataset and "groups.csv" in stored.dataset
    assert f"saved as equitability report {stored.pk}" in printed.getvalue()

    events = reported_events()
    assert len(events) == before + 1
    payload = events[-1]
    assert payload["report_id"] == stored.pk
    assert payload["model_version"] == stored.model_version
    assert payload["mated_searches"] == written["searches"]["mated"]
    text = json.dumps(payload)
    assert not any(name in text for name in SUBSET), "the ledger never names people"

    client = Client()
    client.force_login(OversightFactory())
    html = client.get(f"/engine/reports/{stored.pk}/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="wa-chart" role="img"' in html
    assert "Data of the chart: all searches" in html
    assert "Group A" in html and "Group B" in html
    assert "not enough data" in html  # six people a group cannot show FPIR close
    assert "Rank-1 and rank-10 identification rates with 95 % intervals" in html
    text = printed.getvalue()
    assert text.count("identities, ") == 2  # once per group, below the overall line
    assert "not enough data: A, B" in text and "minimum threshold (highest" in text


def test_a_report_is_stored_with_the_minimum_its_counts_support():
    stored = record_equitability_report(report=synthetic_report(), dataset="synthetic scores")
    assert stored.minimum_threshold == Decimal("0.750")
    assert stored.created_by is None
    event = LedgerEntry.objects.filter(action="engine.equitability_reported").last()
    assert event.object_type == "biometric_engine.equitabilityreport"
    assert event.object_id == str(stored.pk) and event.role == "system"
    assert json.loads(event.payload)["minimum_threshold"] == "0.750"


def test_a_report_with_or_without_per_group_identification_rates_is_stored():
    current = synthetic_report()
    letters = current["groupings"]["letters"]["groups"]
    assert letters["A"]["rank_1"]["hits"] == 100
    stored = record_equitability_report(report=current)
    assert (
        stored.report["groupings"]["letters"]["groups"]["B"]["rank_10"] == (letters["B"]["rank_10"])
    )


def test_a_report_claiming_a_lower_minimum_than_its_counts_support_is_refused():
    report = synthetic_report()
    report["minimum_threshold"] = 0.3
    before = len(reported_events())
    with pytest.raises(InvalidInput, match=r"support 0\.75"):
        record_equitability_report(report=report)
    assert not EquitabilityReport.objects.exists()
    assert len(reported_events()) == before


def test_a_report_of_the_superseded_rule_is_refused():
    report = synthetic_report()
    del report["protocol"]["version"]
    with pytest.raises(InvalidInput, match="superseded rule"):
        record_equitability_report(report=report)
    assert not EquitabilityReport.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"tolerance": 0.05}, {"confidence": 0.9}, {"min_searches": 10}, {"name": "fpir_upper_bound"}],
)
def test_a_report_under_a_laxer_rule_than_configured_is_refused(change):
    report = synthetic_report()
    report["protocol"]["equity_rule"].update(change)
    with pytest.raises(InvalidInput, match="less strict than the configured"):
        record_equitability_report(report=report)


def test_a_report_under_a_stricter_rule_is_stored_and_rederived_under_it():
    from biometric_engine.core.equity import EquityRule
    from tests.biometric_engine.test_equity_rule import SAME_FPIR, non_mated, report_for

    groups = {
        "A": {"non_mated": non_mated(2000, SAME_FPIR)},
        "B": {"non_mated": non_mated(2000, SAME_FPIR)},
    }
    strict = report_for(groups, rule=EquityRule(tolerance=0.01))
    assert strict["minimum_threshold"] == 0.6  # 0.5 is not shown within 1 point
    assert record_equitability_report(report=strict).minimum_threshold == Decimal("0.600")
    # The counts re-derived under the report's own stated rule: a lower claim is refused.
    strict["minimum_threshold"] = 0.5
    with pytest.raises(InvalidInput, match=r"support 0\.6"):
        record_equitability_report(report=strict)


def test_the_ledger_event_carries_the_rule_the_floors_and_the_fnir_finding():
    record_equitability_report(report=synthetic_report())
    payload = reported_events()[-1]
    assert payload["rule"] == {
        "name": "fpir_difference",
        "tolerance": 0.02,
        "confidence": 0.95,
        "min_searches": 100,
    }
    assert payload["groupings"] == {
        "letters": {"floor": 0.75, "decides": True, "not_enough_data": 0}
    }
    assert payload["undecided_groupings"] == []
    assert payload["fnir_first_threshold"] is None


def test_a_report_without_searches_is_refused():
    report = synthetic_report()
    report["searches"] = {"mated": 0, "non_mated": 0}
    with pytest.raises(InvalidInput, match="no searches"):
        record_equitability_report(report=report)


def test_a_report_whose_rows_do_not_match_its_thresholds_is_refused():
    report = synthetic_report()
    report["thresholds"] = [0.3, 0.5, 0.8]
    with pytest.raises(InvalidInput, match="one row per threshold"):
        record_equitability_report(report=report)


def test_the_stored_minimum_is_rounded_up_never_down():
    stored = record_equitability_report(report=synthetic_report((0.3, 0.5, 0.7125)))
    assert stored.minimum_threshold == Decimal("0.713")


def test_without_groups_no_minimum_is_determined():
    stored = record_equitability_report(report=synthetic_report(groups=False))
    assert stored.minimum_threshold is None and stored.group_count == 0
    assert "no groups" in stored.dataset
    grouped = record_equitability_report(report=synthetic_report())
    assert grouped.group_count == 2


def test_only_an_administrator_may_record_a_report_by_name():
    with pytest.raises(NotPermitted):
        record_equitability_report(
            report=synthetic_report(), by=UserFactory(roles=[Role.AUTHORISING_OFFICER])
        )
    admin = UserFactory(roles=[Role.ADMINISTRATOR])
    stored = record_equitability_report(report=synthetic_report(), by=admin)
    assert stored.created_by == admin


def test_minimum_threshold_for_reads_the_latest_report_comparing_groups_of_that_model():
    model = default_model_version()
    assert minimum_threshold_for(model_version=model) is None
    record_equitability_report(report=synthetic_report())
    assert minimum_threshold_for(model_version=model) == Decimal("0.750")
    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.7125)))
    assert minimum_threshold_for(model_version=model) == Decimal("0.713")
    assert minimum_threshold_for(model_version="another-model/1") is None
    # A later accuracy report with no groups neither sets nor lifts the floor.
    record_equitability_report(report=synthetic_report(groups=False))
    assert minimum_threshold_for(model_version=model) == Decimal("0.713")
    # A later grouped report rules, even when it finds no equitable threshold at all.
    record_equitability_report(report=synthetic_report((0.3, 0.5, 0.6)))
    assert minimum_threshold_for(model_version=model) is None


def test_a_report_of_another_model_does_not_set_this_models_minimum():
    record_equitability_report(report=synthetic_report(model="insightface-buffalo_l/1"))
    assert minimum_threshold_for(model_version=default_model_version()) is None
    assert minimum_threshold_for(model_version="insightface-buffalo_l/1") == Decimal("0.750")


def identity_folders(root, names):
    root.mkdir()
    for name in names:
        (root / name).mkdir()
        (root / name / f"{name}_0001.jpg").write_bytes(b"")
    return root


def test_a_groups_file_labelling_nobody_in_the_folder_is_refused_before_any_work(tmp_path):
    images = identity_folders(tmp_path / "images", ["Person_One", "Person_Two"])
    groups = write_groups_csv(tmp_path / "groups.csv", {"Somebody_Else": "A"})
    with pytest.raises(CommandError, match="labels none of the identities"):
        call_command("equitability_report", images=images, groups=groups)


@pytest.mark.parametrize("thresholds", ["", "0.3,high", "0.5,1.5"])
def test_thresholds_must_be_scores_between_0_and_1(tmp_path, thresholds):
    images = identity_folders(tmp_path / "images", ["Person_One"])
    with pytest.raises(CommandError, match="--thresholds"):
        call_command("equitability_report", images=images, thresholds=thresholds)


def test_bad_paths_end_the_command_with_one_line(tmp_path):
    with pytest.raises(CommandError, match="no such folder") as error:
        call_command("equitability_report", images=tmp_path / "missing")
    assert "\n" not in str(error.value)
    images = identity_folders(tmp_path / "images", ["Person_One"])
    with pytest.raises(CommandError, match=r"--groups .*: no such file"):
        call_command("equitability_report", images=images, groups=tmp_path / "none.csv")
    with pytest.raises(CommandError, match=r"--json .*does not exist"):
        call_command("equitability_report", images=images, json_out=tmp_path / "no" / "r.json")


def test_saving_as_a_user_without_the_grant_is_refused_before_any_work(tmp_path):
    images = identity_folders(tmp_path / "images", ["Person_One"])
    UserFactory(username="supt-x", roles=[Role.AUTHORISING_OFFICER])
    with pytest.raises(CommandError, match="only an administrator"):
        call_command("equitability_report", images=images, save=True, username="supt-x")


@pytest.mark.images
@pytest.mark.parametrize("joined", [False, True])
def test_several_groups_files_are_groupings_named_after_their_files(lfw_dir, tmp_path, joined):
    images = link_subset(lfw_dir, tmp_path / "images")
    letters = write_groups_csv(tmp_path / "letters.csv", arbitrary_groups(SUBSET))
    halves = write_groups_csv(
        tmp_path / "halves.csv", {i: "L" if n < 6 else "R" for n, i in enumerate(SUBSET)}
    )
    groups = [f"{letters},{halves}"] if joined else [str(letters), str(halves)]
    out, progress = tmp_path / "report.json", io.StringIO()
    call_command(
        "equitability_report",
        images=images,
        groups=groups,
        json_out=out,
        stdout=io.StringIO(),
        stderr=progress,
    )
    report = json.loads(out.read_text())
    assert list(report["groupings"]) == ["halves", "letters"]
    assert set(report["groupings"]["halves"]["groups"]) == {"L", "R"}
    assert report["minimum_threshold"] is None  # a dozen people show nothing close
    assert "embedded " in progress.getvalue() and " left" in progress.getvalue()


def test_two_groups_files_of_the_same_name_are_refused(tmp_path):
    images = identity_folders(tmp_path / "images", ["Person_One"])
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    one = write_groups_csv(tmp_path / "a" / "g.csv", {"Person_One": "A"})
    two = write_groups_csv(tmp_path / "b" / "g.csv", {"Person_One": "B"})
    with pytest.raises(CommandError, match="same grouping name"):
        call_command("equitability_report", images=images, groups=[str(one), str(two)])
