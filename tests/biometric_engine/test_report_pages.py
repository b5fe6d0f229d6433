"""Equitability report pages: for authorising officers, Chief Officers, oversight and
administrators only; the chart is inline SVG drawn on the server, with its data beside it; the
rank-1 and rank-10 identification rates are tabled overall and per group."""

import re

import pytest
from django.urls import reverse

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


def test_the_detail_has_a_table_per_threshold_overall_and_per_group(reader, report):
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Minimum threshold: 0.750" in html
    for threshold in ("0.30", "0.50", "0.75"):
        assert f"Threshold {threshold}" in html
    assert "Group A (150 identities)" in html and "Group B (150 identities)" in html
    # Group B's FPIR at 0.50: 50 of its 100 non-mated searches, with its interval.
    assert "50.0 %" in html and "50 of 100" in html
    assert "FPIR differs between groups A and B" in html
    assert "minimum threshold</strong>" in html


def identification_table(html: str) -> str:
    start = html.index("Rank-1 and rank-10 identification rates with 95 % intervals")
    return html[start : html.index("</table>", start)]


def test_the_detail_has_an_identification_table_overall_and_per_group(reader, report):
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Identification rate by group" in html
    table = identification_table(html)
    for header in ("Rank-1", "Rank-10", "95 % interval"):
        assert header in table
    # Every mated search finds its person first: 100 overall, 50 in each group.
    assert "All searches" in table and "100 of 100" in table
    assert "Group A (150 identities)" in table and "Group B (150 identities)" in table
    assert table.count("50 of 50") == 4  # rank-1 and rank-10 of each group
    assert table.count(">100.0 %</td>") == 6 and "not in this report" not in table


def test_a_report_stored_before_per_group_identification_rates_still_shows(reader):
    data = synthetic_report()
    for group in data["groups"].values():
        del group["rank_1"], group["rank_10"]
    report = record_equitability_report(report=data)
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    table = identification_table(html)
    assert "100 of 100" in table  # the overall rates it did have
    assert table.count("not in this report") == 4
    assert "made before identification rates were measured per group" in html


def test_an_undetermined_minimum_is_explained(reader):
    report = record_equitability_report(report=synthetic_report(groups=False))
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "Minimum threshold: not determined" in html
    assert "the report has no groups" in html
    assert html.count("<svg") == 1
    assert "Identification rate by group" not in html  # the summary gives the overall rates


def test_group_labels_are_escaped_in_the_chart_and_tables(reader):
    data = synthetic_report()
    data["groups"]["<b>B</b>"] = data["groups"].pop("B")
    for row in data["differences"]:
        for flagged in row["significant"]:
            flagged["groups"] = ["A", "<b>B</b>"]
    report = record_equitability_report(report=data)
    html = reader.get(reverse("engine:report-detail", args=[report.pk])).content.decode()
    assert "<b>B</b>" not in html
    assert "group &lt;b&gt;B&lt;/b&gt;" in html
