"""The watchlists API: the services' refusals as 400/403/409 with {code, detail}; restricted
fields masked for a reader without the right."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.watchlists import images
from tests.watchlists.test_composition import add
from watchlists.models import DuplicateFlag, Watchlist, WatchlistEntry, WatchlistStatus
from watchlists.services.sign_off import sign_off_watchlist

pytestmark = pytest.mark.django_db


def entry_fields(record_id="PNC-1", image=images.astronaut, **overrides) -> dict:
    fields = {
        "record_id": record_id,
        "source_system": "pnc",
        "name": "A Person",
        "date_of_birth": "1980-05-01",
        "category": "wanted_by_courts",
        "reason": "Warrant WR-2026-0142 (failing to appear)",
        "image_source_system": "custody",
        "legal_basis": "PACE 1984 s.64A custody image",
        "most_recent_suitable": "true",
        "still_sought_confirmed": "true",
        "image": SimpleUploadedFile("face.png", image(), content_type="image/png"),
    }
    return fields | overrides


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def test_create_add_sign_off_and_open_a_version(
    api_client, live, watchlist_officer, superintendent
):
    api_client.force_authenticate(watchlist_officer)
    created = api_client.post(
        "/api/v1/watchlists/",
        {
            "authority": live.pk,
            "name": "Kestrel API",
            "deployment_start": live.valid_from.isoformat(),
            "deployment_end": live.valid_until.isoformat(),
            "location": live.locations.first().pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["max_watchlist_size"] == 40 and created.json()["size"] == 0

    added = api_client.post(
        f"/api/v1/watchlists/{pk}/entries/", entry_fields("PNC-ASTRO"), format="multipart"
    )
    assert added.status_code == 201, added.content
    assert added.json()["name"] == "A Person" and added.json()["quality"] > 0

    refused(api_client.post(f"/api/v1/watchlists/{pk}/sign-off/"), 403, "not_permitted")
    api_client.force_authenticate(superintendent)
    signed = api_client.post(f"/api/v1/watchlists/{pk}/sign-off/")
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == WatchlistStatus.SIGNED_OFF
    assert signed.json()["versions"][0]["entry_count"] == 1

    api_client.force_authenticate(watchlist_officer)
    refused(
        api_client.post(
            f"/api/v1/watchlists/{pk}/entries/", entry_fields("PNC-2"), format="multipart"
        ),
        409,
        "watchlist_frozen",
    )
    opened = api_client.post(f"/api/v1/watchlists/{pk}/open-version/")
    assert opened.status_code == 200 and opened.json()["version"] == 2
    listed = api_client.get("/api/v1/watchlists/?status=composing").json()
    assert [w["id"] for w in listed["results"]] == [pk]


def test_a_deployment_outside_the_authority_is_a_400(api_client, live, watchlist_officer):
    api_client.force_authenticate(watchlist_officer)
    body = refused(
        api_client.post(
            "/api/v1/watchlists/",
            {
                "authority": live.pk,
                "name": "Too long",
                "deployment_start": live.valid_from.isoformat(),
                "deployment_end": (live.valid_until + timedelta(days=1)).isoformat(),
                "location": live.locations.first().pk,
            },
            format="json",
        ),
        400,
        "deployment_outside_authority",
    )
    assert body["field"] == "deployment_start"
    assert not Watchlist.objects.exists()


def test_a_category_not_authorised_is_a_400_with_the_services_sentence(
    api_client, planned, watchlist_officer
):
    api_client.force_authenticate(watchlist_officer)
    body = refused(
        api_client.post(
            f"/api/v1/watchlists/{planned.pk}/entries/",
            entry_fields(category="missing_at_increased_risk"),
            format="multipart",
        ),
        400,
        "category_not_authorised",
    )
    assert body["field"] == "category" and "does not allow" in body["detail"]
    assert not WatchlistEntry.objects.exists()


def test_an_image_without_one_face_keeps_the_engines_code(api_client, planned, watchlist_officer):
    api_client.force_authenticate(watchlist_officer)
    body = refused(
        api_client.post(
            f"/api/v1/watchlists/{planned.pk}/entries/",
            entry_fields(image=images.group_photo),
            format="multipart",
        ),
        400,
        "several_faces",
    )
    assert body["field"] == "image"


def test_an_empty_list_is_a_409_and_an_unknown_field_a_400(api_client, planned, superintendent):
    api_client.force_authenticate(superintendent)
    refused(api_client.post(f"/api/v1/watchlists/{planned.pk}/sign-off/"), 409, "watchlist_empty")
    response = api_client.post(
        f"/api/v1/watchlists/{planned.pk}/sign-off/", {"force": True}, format="json"
    )
    assert response.status_code == 400 and "force" in response.json()


def test_a_reader_without_the_right_sees_name_and_date_of_birth_masked(
    api_client, planned, watchlist_officer, superintendent, operator
):
    entry = add(planned, watchlist_officer, date_of_birth=date(1980, 5, 1))
    for reader, shown in ((watchlist_officer, True), (superintendent, True), (operator, False)):
        api_client.force_authenticate(reader)
        one = api_client.get(f"/api/v1/watchlist-entries/{entry.pk}/").json()
        listed = api_client.get(f"/api/v1/watchlists/{planned.pk}/").json()["entries"][0]
        for data in (one, listed):
            assert data["record_id"] == "PNC-1"
            if shown:
                assert data["name"] == "A Person" and data["date_of_birth"] == "1980-05-01"
            else:
                assert data["name"] == data["date_of_birth"] == "[restricted]"


def test_remove_approve_and_decide_actions(api_client, planned, watchlist_officer, superintendent):
    born = (planned.deployment_start - timedelta(days=365 * 15)).date()
    minor = add(
        planned,
        watchlist_officer,
        "PNC-A",
        date_of_birth=born,
        under_18_justification="Missing child at risk.",
    )
    again = add(planned, watchlist_officer, "PNC-B", image=images.astronaut_again)
    flag = DuplicateFlag.objects.get()

    api_client.force_authenticate(watchlist_officer)
    refused(
        api_client.post(
            f"/api/v1/watchlist-flags/{flag.pk}/decide/", {"decision": "keep_both", "reason": ""}
        ),
        400,
        "invalid_input",
    )
    decided = api_client.post(
        f"/api/v1/watchlist-flags/{flag.pk}/decide/",
        {"decision": "keep_both", "reason": "Different custody records."},
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "keep_both"
    refused(
        api_client.post(f"/api/v1/watchlist-entries/{again.pk}/remove/", {"reason": ""}),
        400,
        "invalid_input",
    )
    removed = api_client.post(
        f"/api/v1/watchlist-entries/{again.pk}/remove/", {"reason": "Arrested."}
    )
    assert removed.status_code == 200 and removed.json()["removed_in"] == 1
    refused(
        api_client.post(f"/api/v1/watchlist-entries/{minor.pk}/approve-justification/"),
        403,
        "not_permitted",
    )

    api_client.force_authenticate(superintendent)
    refused(
        api_client.post(f"/api/v1/watchlists/{planned.pk}/sign-off/"), 409, "under_18_unapproved"
    )
    approved = api_client.post(f"/api/v1/watchlist-entries/{minor.pk}/approve-justification/")
    assert approved.status_code == 200 and approved.json()["justification_approved_by"]
    assert api_client.post(f"/api/v1/watchlists/{planned.pk}/sign-off/").status_code == 200


def test_someone_without_a_watchlist_role_sees_none(api_client, planned, applicant):
    api_client.force_authenticate(applicant)
    assert api_client.get("/api/v1/watchlists/").json()["count"] == 0
    assert api_client.get(f"/api/v1/watchlists/{planned.pk}/").status_code == 404


def test_a_signed_off_list_reads_frozen(api_client, planned, watchlist_officer, superintendent):
    add(planned, watchlist_officer)
    sign_off_watchlist(watchlist=planned, by=superintendent)
    api_client.force_authenticate(watchlist_officer)
    data = api_client.get(f"/api/v1/watchlists/{planned.pk}/").json()
    assert data["status"] == "signed_off" and len(data["versions"][0]["entries_sha256"]) == 64
