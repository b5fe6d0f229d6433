import hashlib
from datetime import timedelta

import pytest

from authority.models import ApplicationStatus
from tests.authority.fixtures import complete_fields


def payload(decider, commanders, **overrides) -> dict:
    fields = complete_fields(decider, commanders, **overrides)
    for key in ("submitted_to", "gold_commander", "silver_commander", "bronze_commander"):
        fields[key] = fields[key].pk
    fields["start_at"] = fields["start_at"].isoformat()
    fields["end_at"] = fields["end_at"].isoformat()
    fields["requested_threshold"] = str(fields["requested_threshold"])
    return {
        "mode": "lfr",
        "operation_name": "Operation Kestrel",
        **fields,
        "alternatives": [
            {
                "description": "Patrols",
                "outcome": "tried_and_failed",
                "reason": "Eight weeks, no sighting.",
            }
        ],
        "locations": [
            {
                "name": "Market Street",
                "borough": "Westminster",
                "location_type": "crime_hotspot",
                "justification": "Robberies here.",
            }
        ],
        "assessments": [
            {"kind": "dpia", "reference": "DPIA-1", "version": "3", "review_date": "2099-01-01"}
        ],
    }


@pytest.mark.django_db
def test_the_whole_lifecycle_through_the_api(
    api_client, applicant, superintendent, chief, commanders
):
    api_client.force_authenticate(applicant)
    created = api_client.post(
        "/api/v1/applications/", payload(superintendent, commanders), format="json"
    )
    assert created.status_code == 201, created.json()
    app_id = created.json()["id"]
    assert created.json()["locations"][0]["name"] == "Market Street"
    assert api_client.post(f"/api/v1/applications/{app_id}/submit/").status_code == 200

    locked = api_client.patch(f"/api/v1/applications/{app_id}/", {"aim": "x"}, format="json")
    assert locked.status_code == 409 and locked.json()["code"] == "application_locked"

    api_client.force_authenticate(chief)
    consulted = api_client.post(
        f"/api/v1/applications/{app_id}/consult/",
        {"outcome": "noted", "comments": "Fine."},
        format="json",
    )
    assert consulted.status_code == 200

    api_client.force_authenticate(superintendent)
    location_id = api_client.get(f"/api/v1/applications/{app_id}/").json()["locations"][0]["id"]
    widened = api_client.post(
        f"/api/v1/applications/{app_id}/authorise/",
        {
            "reasons": "Go.",
            "conditions": [{"kind": "watchlist_size", "text": "Bigger", "value": 400}],
        },
        format="json",
    )
    assert widened.status_code == 400 and widened.json()["code"] == "condition_widens_request"
    authorised = api_client.post(
        f"/api/v1/applications/{app_id}/authorise/",
        {
            "reasons": "Necessary and proportionate.",
            "conditions": [
                {"kind": "locations", "text": "Market Street only", "value": [location_id]}
            ],
        },
        format="json",
    )
    assert authorised.status_code == 200, authorised.json()
    body = authorised.json()
    assert body["status"] == ApplicationStatus.AUTHORISED
    assert body["decisions"][0]["conditions"][0]["text"] == "Market Street only"

    pdf = api_client.get(f"/api/v1/applications/{app_id}/wad.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == body["documents"][0]["sha256"]

    again = api_client.post(
        f"/api/v1/applications/{app_id}/refuse/", {"reasons": "No"}, format="json"
    )
    assert again.status_code == 409 and again.json()["code"] == "wrong_state"


@pytest.mark.django_db
def test_api_refuses_a_wrong_rank_with_a_coded_403(api_client, consulted, inspector):
    from guardian.shortcuts import assign_perm

    assign_perm("authority.view_application", inspector, consulted)
    assign_perm("authority.authorise_application", inspector, consulted)
    api_client.force_authenticate(inspector)
    response = api_client.post(
        f"/api/v1/applications/{consulted.pk}/authorise/", {"reasons": "Yes"}, format="json"
    )
    assert response.status_code == 403 and response.json()["code"] == "rank_too_low"


@pytest.mark.django_db
def test_missing_fields_are_listed_when_submitting(
    api_client, applicant, superintendent, commanders
):
    api_client.force_authenticate(applicant)
    body = payload(superintendent, commanders, necessity="")
    app_id = api_client.post("/api/v1/applications/", body, format="json").json()["id"]
    response = api_client.post(f"/api/v1/applications/{app_id}/submit/")
    assert response.status_code == 400
    assert response.json()["code"] == "incomplete_application"
    assert "necessity statement" in response.json()["detail"]


@pytest.mark.django_db
def test_a_bad_draft_leaves_nothing_half_written(api_client, applicant, superintendent, commanders):
    api_client.force_authenticate(applicant)
    body = payload(superintendent, commanders)
    body["locations"][0]["location_type"] = "anywhere"
    response = api_client.post("/api/v1/applications/", body, format="json")
    assert response.status_code == 400
    from authority.models import Application

    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_visibility_follows_object_permissions(
    api_client, submitted, applicant, superintendent, other_superintendent, oversight_user
):
    for user, visible in [
        (applicant, True),
        (superintendent, True),
        (other_superintendent, False),
        (oversight_user, True),
    ]:
        api_client.force_authenticate(user)
        ids = [a["id"] for a in api_client.get("/api/v1/applications/").json()["results"]]
        assert (submitted.pk in ids) is visible, user.username


@pytest.mark.django_db
def test_oversight_reads_but_cannot_act(api_client, consulted, oversight_user):
    api_client.force_authenticate(oversight_user)
    detail = api_client.get(f"/api/v1/applications/{consulted.pk}/").json()
    assert detail["intelligence_case"].startswith("RESTRICTED")
    response = api_client.post(
        f"/api/v1/applications/{consulted.pk}/authorise/", {"reasons": "Go"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_the_restricted_intelligence_case_is_hidden_from_a_chief_officer_without_rights(
    api_client, consulted
):
    from guardian.shortcuts import assign_perm

    from common.roles import Role
    from tests.factories import UserFactory

    watcher = UserFactory(roles=[Role.WATCHLIST_OFFICER])
    assign_perm("authority.view_application", watcher, consulted)
    api_client.force_authenticate(watcher)
    assert (
        api_client.get(f"/api/v1/applications/{consulted.pk}/").json()["intelligence_case"]
        == "[restricted]"
    )


@pytest.mark.django_db
def test_renew_and_cancel_via_api(api_client, authorised, superintendent):
    api_client.force_authenticate(superintendent)
    new_end = (authorised.valid_until + timedelta(hours=1)).isoformat()
    renewed = api_client.post(
        f"/api/v1/applications/{authorised.pk}/renew/",
        {"reasons": "Continue", "new_end": new_end},
        format="json",
    )
    assert renewed.status_code == 200
    cancelled = api_client.post(
        f"/api/v1/applications/{authorised.pk}/cancel/",
        {"reasons": "Done", "report": "Two arrests."},
        format="json",
    )
    assert cancelled.json()["status"] == "cancelled"
    v1 = api_client.get(f"/api/v1/applications/{authorised.pk}/wad.pdf?version=1")
    assert v1.status_code == 200
    assert (
        api_client.get(f"/api/v1/applications/{authorised.pk}/wad.pdf?version=9").status_code == 404
    )
