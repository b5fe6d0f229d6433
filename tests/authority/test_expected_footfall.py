"""The applicant states the footfall expected past the cameras (LFR, optional); the decide page
computes the false alerts to expect at it, and says "footfall not stated" where it is blank."""

import pytest

from authority import services
from authority.models import Mode
from biometric_engine.expectation import expectation
from common.errors import InvalidInput
from tests.authority.fixtures import draft_application, unchanged
from tests.authority.test_wad import pdf_text

pytestmark = pytest.mark.django_db

# 0, negative, not a whole number (twice) and over the bound of 10,000,000.
REFUSED = [("0", "1 or more"), ("-5", "1 or more"), ("12.5", "whole number"),
           ("lots", "whole number"), ("10000001", "10,000,000 people or fewer")]  # fmt: skip


def test_the_form_takes_a_footfall_and_the_history_keeps_it(client, draft, applicant):
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/edit/watchlist/",
        {"watchlist_rationale": draft.watchlist_rationale, "expected_footfall": "12000"},
    )
    assert response.status_code == 302, response.content.decode()
    draft.refresh_from_db()
    assert draft.expected_footfall == 12_000
    assert draft.history.first().expected_footfall == 12_000
    assert draft.history.first().prev_record.expected_footfall is None


@pytest.mark.parametrize(("value", "said"), REFUSED)
def test_the_form_refuses_a_footfall_on_its_field(client, draft, applicant, value, said):
    client.force_login(applicant)
    with unchanged(draft):
        response = client.post(
            f"/applications/{draft.pk}/edit/watchlist/", {"expected_footfall": value}
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_expected_footfall_error"' in html and said in html


def test_the_api_takes_a_footfall_and_clears_it(api_client, draft, applicant):
    api_client.force_authenticate(applicant)
    url = f"/api/v1/applications/{draft.pk}/"
    response = api_client.patch(url, {"expected_footfall": 12_120}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["expected_footfall"] == 12_120
    response = api_client.patch(url, {"expected_footfall": None}, format="json")
    assert response.status_code == 200 and response.json()["expected_footfall"] is None


@pytest.mark.parametrize(("value", "said"), [*REFUSED[:2], (12.5, "whole number"), *REFUSED[3:]])
def test_the_api_refuses_a_footfall_naming_the_field(api_client, draft, applicant, value, said):
    api_client.force_authenticate(applicant)
    with unchanged(draft):
        response = api_client.patch(
            f"/api/v1/applications/{draft.pk}/", {"expected_footfall": value}, format="json"
        )
    assert response.status_code == 400, response.content
    assert said in response.json()["expected_footfall"][0]


def test_a_footfall_is_refused_for_retrospective_searches(applicant, superintendent, commanders):
    rfr = draft_application(applicant, superintendent, commanders, mode=Mode.RFR)
    with pytest.raises(InvalidInput, match="live facial recognition only") as refused:
        services.update_application(application=rfr, by=applicant, expected_footfall=500)
    assert refused.value.field == "expected_footfall"


@pytest.fixture
def stated(applicant, superintendent, commanders, chief):
    application = draft_application(applicant, superintendent, commanders, expected_footfall=23_456)
    services.submit_application(application=application, by=applicant)
    services.consult_chief_officer(
        application=application, by=chief, outcome="noted", comments="Proportionate; proceed."
    )
    return application


def _expected_at(application, faces: int) -> dict:
    return expectation(
        model_version=application.model_version,
        threshold=application.requested_threshold,
        watchlist_size=application.max_watchlist_size,
        faces=faces,
    )


def test_the_decide_page_computes_at_the_stated_footfall(
    client, stated, superintendent, equitability_recorded
):
    client.force_login(superintendent)
    page = client.get(f"/applications/{stated.pk}/decide/").content.decode()
    result = _expected_at(stated, 23_456)
    # The interval's upper end grows with the faces (the figure may be 0: no error measured).
    assert result["available"]
    assert result["expected_high"] != _expected_at(stated, 10_000)["expected_high"]
    assert "At the applicant's stated footfall: 23456 people" in page
    assert f"For 23456 faces against a watchlist of {stated.max_watchlist_size}" in page
    assert f"<strong>{result['expected']} false alerts</strong>" in page
    assert f"{result['expected_low']} to {result['expected_high']}" in page
    assert "Footfall not stated" not in page
    # The officer may still try another figure; the page says the application's.
    tried = client.get(f"/applications/{stated.pk}/decide/?footfall=500").content.decode()
    assert "At the footfall you entered, 500; the application states 23456." in tried
    assert f"to {_expected_at(stated, 500)['expected_high']})" in tried


def test_a_blank_footfall_is_said_and_the_officer_enters_one(
    client, consulted, superintendent, equitability_recorded
):
    assert consulted.expected_footfall is None
    client.force_login(superintendent)
    page = client.get(f"/applications/{consulted.pk}/decide/").content.decode()
    assert "Footfall not stated in the application: 10000 faces assumed" in page
    default = _expected_at(consulted, 10_000)
    assert f"<strong>{default['expected']} false alerts</strong>" in page
    assert f"to {default['expected_high']})" in page
    entered = client.get(f"/applications/{consulted.pk}/decide/?footfall=20000").content.decode()
    assert "For 20000 faces" in entered and "none (footfall not stated)" in entered


def test_the_application_page_and_the_wad_show_the_footfall(client, stated, superintendent):
    client.force_login(superintendent)
    page = client.get(f"/applications/{stated.pk}/").content.decode()
    assert "23456 people over the window" in page
    services.authorise_application(application=stated, by=superintendent, reasons="Go.")
    wad = pdf_text(bytes(stated.documents.get().content))
    assert "Expected footfall (the applicant's estimate) 23456 people over the window" in wad


def test_a_blank_footfall_is_said_on_the_application_page(client, draft, applicant):
    client.force_login(applicant)
    assert "Footfall not stated" in client.get(f"/applications/{draft.pk}/").content.decode()
