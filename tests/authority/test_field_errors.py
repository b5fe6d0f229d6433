"""Every rule broken in a form or the API is a sentence a person can act on, on the field (and
the row) it concerns: never a constraint's name, never ``__all__``."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from authority import services
from authority.errors import (
    AssessmentReviewPassed,
)
from tests.authority.fixtures import unchanged
from tests.html import broken_references, summary_links


@pytest.mark.django_db
def test_an_end_before_the_start_is_said_on_the_end_time_in_the_form(client, draft, applicant):
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/edit/timing/",
        {
            "start_at": "2031-05-02T10:00",
            "end_at": "2031-05-01T10:00",
            "advance_notice": "on",
            "notice_details": "Website.",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Constraint" not in html and "application_window_ordered" not in html
    assert 'id="id_end_at_error"' in html and "The end time must be after the start time" in html
    assert summary_links(html) == ["#id_end_at"]


@pytest.mark.django_db
def test_an_end_before_the_start_is_a_400_on_end_at_in_the_api(api_client, applicant):
    api_client.force_authenticate(applicant)
    response = api_client.post(
        "/api/v1/applications/",
        {
            "mode": "lfr",
            "operation_name": "Window",
            "start_at": "2031-05-02T10:00:00Z",
            "end_at": "2031-05-01T10:00:00Z",
        },
        format="json",
    )
    body = response.json()
    assert response.status_code == 400
    assert body["field"] == "end_at" and "end time must be after the start time" in body["detail"]
    assert "__all__" not in json.dumps(body) and "Constraint" not in body["detail"]


@pytest.mark.django_db
def test_a_row_error_is_summarised_and_shown_on_its_row(client, draft, applicant):
    client.force_login(applicant)
    failed = client.post(
        f"/applications/{draft.pk}/edit/locations/",
        {
            "locations-TOTAL_FORMS": "2",
            "locations-INITIAL_FORMS": "0",
            "locations-0-name": "Market Street",
            "locations-0-location_type": "crime_hotspot",
            "locations-0-justification": "Robberies here.",
            "locations-1-name": "Somewhere",
            "locations-1-location_type": "",
            "locations-1-justification": "x",
        },
    )
    html = failed.content.decode()
    assert "Location 2: choose its type from the closed list." in html
    assert summary_links(html) == ["#id_locations-1-location_type"]
    assert 'id="id_locations-1-location_type_error"' in html
    assert broken_references(html) == []


@pytest.mark.django_db
def test_an_assessment_past_its_review_date_is_refused_where_it_is_entered(
    client, draft, applicant
):
    past = timezone.localdate() - timedelta(days=3)
    with unchanged(draft), pytest.raises(AssessmentReviewPassed, match="has passed"):
        services.set_assessments(
            application=draft,
            by=applicant,
            assessments=[
                {"kind": "dpia", "reference": "DPIA", "version": "1", "review_date": past}
            ],
        )
    client.force_login(applicant)
    response = client.post(
        f"/applications/{draft.pk}/edit/assessments/",
        {
            "assessments-TOTAL_FORMS": "1",
            "assessments-INITIAL_FORMS": "0",
            "assessments-0-kind": "dpia",
            "assessments-0-reference": "DPIA-LFR-2026",
            "assessments-0-version": "3.2",
            "assessments-0-review_date": past.isoformat(),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "has passed" in html
    assert summary_links(html) == ["#id_assessments-0-review_date"]
    assert draft.assessments.count() == 2
