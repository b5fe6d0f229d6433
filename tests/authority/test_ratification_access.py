"""Any independent Superintendent may ratify an urgent authority, so each can find it, read the
case it rests on and ratify it, from the page or the API (before, only the officer it was
submitted to could see it, and that was the Inspector)."""

import pytest

from authority import services
from authority.models import ApplicationStatus
from tests.authority.fixtures import draft_application


@pytest.fixture
def urgent_authority(applicant, inspector, commanders, chief):
    application = draft_application(
        applicant, inspector, commanders, is_urgent=True, urgency_reason="A child at risk."
    )
    services.submit_application(application=application, by=applicant)
    services.urgently_authorise_application(
        application=application,
        by=inspector,
        reasons="Immediate risk to life.",
        superintendent_unavailable_reason="Duty Superintendent at a firearms incident.",
    )
    services.consult_chief_officer(
        application=application, by=chief, outcome="noted", comments="Proceed."
    )
    application.refresh_from_db()
    return application


@pytest.mark.django_db
def test_an_unassigned_superintendent_finds_reads_and_ratifies_it(
    client, api_client, urgent_authority, other_superintendent
):
    client.force_login(other_superintendent)
    page = client.get(f"/applications/{urgent_authority.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/applications/{urgent_authority.pk}/ratify/" in html
    assert "source reporting on the suspects" in html, "the intelligence case is readable"
    api_client.force_authenticate(other_superintendent)
    response = api_client.post(
        f"/api/v1/applications/{urgent_authority.pk}/ratify/",
        {"reasons": "Necessary and proportionate."},
        format="json",
    )
    assert response.status_code == 200, response.content
    urgent_authority.refresh_from_db()
    assert urgent_authority.status == ApplicationStatus.AUTHORISED


@pytest.mark.django_db
def test_once_ratified_it_is_no_longer_shown_to_other_superintendents(
    client, urgent_authority, superintendent, other_superintendent
):
    services.ratify_urgent_authority(
        application=urgent_authority, by=other_superintendent, reasons="Ratified."
    )
    client.force_login(superintendent)
    assert client.get(f"/applications/{urgent_authority.pk}/").status_code == 404
