"""The authorising officer sees the model's floor and FNIR finding beside the threshold, and a
live authority's page carries the continuing equality duty's warnings (issue 15)."""

import pytest


@pytest.mark.django_db
def test_the_decide_page_shows_the_floor_and_the_fnir_finding(
    client, consulted, superintendent, equitability_recorded
):
    client.force_login(superintendent)
    html = client.get(f"/applications/{consulted.pk}/decide/").content.decode()
    assert "The model&#x27;s equality evidence" in html or "The model's equality evidence" in html
    assert "Equitable minimum threshold" in html and "0.600" in html
    assert "FNIR finding" in html
    assert "no significant difference" not in html


@pytest.mark.django_db
def test_a_live_authority_warns_when_its_watchlist_outgrows_the_report(
    client, authorised, superintendent, equitability_recorded
):
    measured = equitability_recorded.report["watchlist_size"]
    type(authorised).objects.filter(pk=authorised.pk).update(max_watchlist_size=measured + 500)
    client.force_login(superintendent)
    html = client.get(f"/applications/{authorised.pk}/").content.decode()
    assert "equality evidence" in html
    assert f"This watchlist holds {measured + 500} people" in html
    assert f"with a watchlist of {measured}" in html


@pytest.mark.django_db
def test_a_draft_shows_no_equality_section(client, draft, applicant):
    client.force_login(applicant)
    html = client.get(f"/applications/{draft.pk}/").content.decode()
    assert "equality evidence" not in html
