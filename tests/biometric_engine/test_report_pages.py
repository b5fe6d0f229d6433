"""Equitability report pages: for authorising officers, Chief Officers, oversight and
administrators only; the chart is inline SVG drawn on the server, with its data beside it; the
rank-1 and rank-10 identification rates are tabled overall and per group."""

import re
from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from biometric_engine.engine import default_model_version
from biometric_engine.models import EquitabilityReport
from biometric_engine.services import record_equitability_report
from common.roles import Role
from tests.biometric_engine.equitability_fixtures import synthetic_report
from tests.factories import OversightFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

GRANTED = {Role.AUTHORISING_OFFICER, Role.CHIEF_OFFICER, Role.OVERSIGHT, Role.ADMINISTRATOR}


def user_with(role: Role):
    if role is Role.OVERSIGHT:
        return OversightFactory()
    if role is Role.ADMINISTRATOR:
        return StaffFactory(roles=[role])
    return UserFactory(roles=[role])


@pytest.fixture
def report():
    return record_equitability_report(report=synthetic_report(), dataset="synthetic scores")


@pytest.fixture
def reader(client):
    client.force_login(OversightFactory())
    return client


def pages(report) -> list[str]:
    return [reverse("engine:report-list"), reverse("engine:report-detail", args=[report.pk])]


def test_report_pages_need_sign_in(client, report):
    for url in pages(report):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [r for r in Role if r not in GRANTED])
def test_roles_without_the_grant_are_refused(client, report, role):
    client.force_login(user_with(role))
    for url in pages(report):
        assert client.get(url).status_code == 403, (role, url)
    assert b"Equitability" not in client.get("/").content


@pytest.mark.parametrize("role", sorted(GRANTED))
def test_each_granted_role_reads_the_reports_and_sees_the_link(client, report, role):
    client.force_login(user_with(Role(role)))
    for url in pages(report):
        assert client.get(url).status_code == 200, (role, url)
    assert b'href="/engine/reports/"' in client.get("/").content


def test_the_pages_are_read_only(reader, report):
    for url in pages(report):
        assert reader.post(url).status_code == 405


def test_an_unknown_report_is_not_found(reader):
    assert reader.get(reverse("engine:report-detail", args=[999_999])).status_code == 404


def test_the_list_shows_each_report_and_its_minimum(reader, report):
    html = reader.get(reverse("engine:report-list")).content.decode()
    assert f'href="/engine/reports/{report.pk}/"' in html
    assert report.model_version in html and "0.750" in html and "synthetic scores" in html


def test_the_detail_shows_an_accessible_chart_with_its_data_beside_it(reader, report):
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-overall-title chart-overall-desc"' in svg
    assert '<title id="chart-overall-title">FPIR and FNIR against threshold' in svg
    assert '<desc id="chart-overall-desc">At threshold 0.30 FPIR is' in svg
    assert svg.count("<polyline") == 2  # FPIR and FNIR, each drawn unbroken
    assert "minimum 0.75" in svg  # the minimum threshold marked on the chart
    main = html.split('id="main-content"')[1].split("</main>")[0]
    assert "<script" not in main  # the chart needs no JavaScript
    assert "Data of the chart: all searches" in html
    assert html.count("<svg") == 3  # overall, group A, group B
    assert "letters: group A" in html


def test_the_detail_has_a_table_per_threshold_per_group_with_the_rule(reader, report):
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Minimum threshold: 0.750" in html
    for threshold in ("0.30", "0.50", "0.75"):
        assert f"letters, threshold {threshold}" in html
    assert "Group A (1100 identities)" in html and "Group B (1100 identities)" in html
    # Group B's FPIR at 0.50: 500 of its 1,000 non-mated searches, with its interval.
    assert "50.0 %" in html and "500 of 1000" in html
    assert "FPIR not shown close" in html and "floor</strong>" in html
    assert "bound 0.38 within the tolerance of 2.0" in html  # 0 of 1,000 against 0 of 1,000
    assert "fpir_difference: tolerance 0.02, confidence 0.95, at least 100" in html
    assert "Grouping: letters" in html and "Floor 0.75" in html


def identification_table(html: str) -> str:
    start = html.index("Rank-1 and rank-10 identification rates with 95 % intervals")
    return html[start : html.index("</table>", start)]


def test_the_detail_has_an_identification_table_per_group(reader, report):
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Identification rate by group" in html
    table = identification_table(html)
    for header in ("Rank-1", "Rank-10", "95 % interval"):
        assert header in table
    # Every mated search finds its person first: 100 in each group, 200 overall.
    assert "Group A (1100 identities)" in table and "Group B (1100 identities)" in table
    assert table.count("100 of 100") == 4  # rank-1 and rank-10 of each group
    assert "200 of 200" in html  # overall, in the summary


def test_thin_data_and_the_fnir_finding_are_said_plainly(reader):
    from tests.biometric_engine.test_equity_rule import SAME_FPIR, non_mated, report_for

    b_mated = np.concatenate([np.full(100, 0.9), np.full(100, 0.55)])
    data = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "B": {"non_mated": non_mated(2000, SAME_FPIR), "mated": b_mated},
            "C": {"non_mated": non_mated(40, {})},
        }
    )
    data["model"] = default_model_version()
    report = record_equitability_report(report=data)
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Minimum threshold: not determined" in html
    assert "Data are thin: C has 40 non-mated searches" in html
    assert "not enough data" in html and "Not enough data in this group to decide" in html
    assert "missed more than another's, first shown at threshold 0.60" in html
    assert "at 0.60: B missed more (A minus B: -50.0 points" in html
    assert "FNIR differs</strong>" in html


def test_an_undetermined_minimum_is_explained(reader):
    report = record_equitability_report(report=synthetic_report(groups=False))
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Minimum threshold: not determined" in html
    assert "the report has no groups" in html
    assert html.count("<svg") == 1
    assert "Identification rate by group" not in html  # the summary gives the overall rates


def test_group_labels_are_escaped_in_the_chart_and_tables(reader):
    from tests.biometric_engine.test_equity_rule import SAME_FPIR, non_mated, report_for

    data = report_for(
        {
            "A": {"non_mated": non_mated(2000, SAME_FPIR)},
            "<b>B</b>": {"non_mated": non_mated(2000, SAME_FPIR)},
        }
    )
    data["model"] = default_model_version()
    report = record_equitability_report(report=data)
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "<b>B</b>" not in html
    assert "group &lt;b&gt;B&lt;/b&gt;" in html


def legacy_report(**changes) -> EquitabilityReport:
    """A report stored under the superseded rule (before protocol version 2), as it stands in
    a database from before: its groups at the top level and significance tests."""
    data = synthetic_report()
    letters = data.pop("groupings")["letters"]
    data.pop("fnir_finding")
    data["protocol"] = {
        "rank": 1,
        "interval": "Wilson score interval, 95 %",
        "significance_test": "pooled two-proportion z-test, two-sided, 5 %, per pair of groups",
        "minimum_threshold_rule": "lowest threshold from which upwards no pair of groups "
        "differs significantly in FPIR or FNIR",
    }
    data["groups"] = letters["groups"]
    data["unlabelled_identities"] = 0
    data["differences"] = [{"threshold": t, "significant": []} for t in data["thresholds"]]
    data["differences"][0]["significant"] = [
        {"metric": "fpir", "groups": ["A", "B"], "p_value": 0.001}
    ]
    return EquitabilityReport.objects.create(
        model_version=data["model"],
        dataset="stored before",
        thresholds=data["thresholds"],
        minimum_threshold=Decimal("0.500"),
        group_count=2,
        report=data | changes,
    )


def test_a_report_of_the_superseded_rule_still_shows_marked_as_such(reader):
    report = legacy_report()
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "derived under the superseded rule" in html
    assert "Minimum threshold: 0.500" in html
    assert "FPIR differs between groups A and B" in html
    assert html.count("<svg") == 3
