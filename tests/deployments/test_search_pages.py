"""The RFR and OIFR pages and API: each step through the pages and the API calls the service,
every candidate is marked an investigative lead, and an uploaded image never touches disk
(not even Django's temporary upload files)."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from deployments.models import CheckOutcome, OperatorCheck, SearchStatus
from deployments.services import searches
from tests.deployments.searches_fixtures import CASE, add_image, approved, draft
from tests.deployments.test_rfr import files_under
from tests.watchlists import images

NOTICE = "not an identification"


@pytest.fixture
def spool(settings, tmp_path):
    """Force Django to spool every upload to disk, into a folder we watch."""
    folder = tmp_path / "upload-tmp"
    folder.mkdir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def upload(data: bytes, name="probe.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_the_search_pages_from_request_to_released_leads(
    client, rfr_authority, investigator, approver, examiner, astronaut_in_custody, spool, settings
):
    client.force_login(investigator)
    assert client.get("/deployments/searches/new/").status_code == 200
    response = client.post("/deployments/searches/new/", {"authority": rfr_authority.pk, **CASE})
    assert response.status_code == 302, response.content.decode()[:2000]
    search = investigator.rfr_searches.get()
    client.post(f"/deployments/searches/{search.pk}/submit/")
    client.force_login(approver)
    response = client.post(
        f"/deployments/searches/{search.pk}/decide/",
        {"decision": "approve", "reasons": "Necessary and proportionate."},
    )
    assert response.status_code == 302
    client.force_login(investigator)
    assert client.get(f"/deployments/searches/{search.pk}/run/").status_code == 200
    response = client.post(
        f"/deployments/searches/{search.pk}/run/", {"image": upload(images.astronaut_again())}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    search.refresh_from_db()
    assert search.status == SearchStatus.RUN
    assert os.listdir(spool) == [] and files_under(settings.MEDIA_ROOT) == []
    # Before review the requester sees no candidate.
    page = client.get(f"/deployments/searches/{search.pk}/").content.decode()
    assert "CUST-1" not in page and "with a trained reviewer" in page
    assert client.get(f"/deployments/searches/{search.pk}/review/").status_code == 403

    client.force_login(examiner)
    page = client.get(f"/deployments/searches/{search.pk}/review/").content.decode()
    assert "CUST-1" in page and NOTICE in page
    candidate = search.candidates.get()
    response = client.post(
        f"/deployments/searches/{search.pk}/review/",
        {"candidate": candidate.pk, "decision": "possible_lead", "reason": "Same scar."},
    )
    assert response.status_code == 302
    client.force_login(investigator)
    page = client.get(f"/deployments/searches/{search.pk}/").content.decode()
    assert "CUST-1" in page and NOTICE in page


def test_a_refused_rule_shows_on_the_page(client, rfr_authority, investigator):
    client.force_login(investigator)
    response = client.post(
        "/deployments/searches/new/",
        {"authority": rfr_authority.pk, **CASE, "necessity": ""},
    )
    assert response.status_code == 200
    assert "necessary, not merely desirable" in response.content.decode()
    assert not investigator.rfr_searches.exists()


def test_the_check_page_runs_a_check_and_keeps_no_photo(
    client, oifr_authority, investigator, astronaut_in_custody, missing, spool, settings
):
    client.force_login(investigator)
    assert client.get("/deployments/checks/new/").status_code == 200
    response = client.post(
        "/deployments/checks/new/",
        {
            "authority": oifr_authority.pk,
            "justification": "suspect_refuses_name",
            "justification_detail": "Stopped leaving the scene of a theft; refused his name.",
            "less_intrusive_considered": "on",
            "no_force_used": "on",
            "image": upload(images.astronaut_again()),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    check = OperatorCheck.objects.get()
    assert check.outcome == CheckOutcome.CANDIDATES
    page = client.get(f"/deployments/checks/{check.pk}/").content.decode()
    assert "CUST-1" in page and NOTICE in page and "not kept" in page
    assert os.listdir(spool) == [] and files_under(settings.MEDIA_ROOT) == []


def test_the_check_page_refuses_an_unjustified_check(
    client, oifr_authority, investigator, astronaut_in_custody
):
    client.force_login(investigator)
    response = client.post(
        "/deployments/checks/new/",
        {
            "authority": oifr_authority.pk,
            "justification": "suspect_refuses_name",
            "justification_detail": "Refused his name.",
            "no_force_used": "on",
            "image": upload(images.astronaut_again()),
        },
    )
    assert response.status_code == 200 and "less intrusive" in response.content.decode()
    assert not OperatorCheck.objects.exists()


def test_the_search_api(
    api_client, rfr_authority, investigator, approver, examiner, custody, gallery_admin, spool
):
    add_image(custody, gallery_admin, images.astronaut(), record_id="CUST-1")
    api_client.force_authenticate(investigator)
    response = api_client.post(
        "/api/v1/searches/", {"authority": rfr_authority.pk, **CASE}, format="json"
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert NOTICE in response.json()["notice"]
    assert api_client.post(f"/api/v1/searches/{pk}/submit/", {}, format="json").status_code == 200
    # The requester cannot approve; an approver can.
    refused = api_client.post(f"/api/v1/searches/{pk}/approve/", {"reasons": "Mine."})
    assert refused.status_code == 403
    api_client.force_authenticate(approver)
    assert (
        api_client.post(f"/api/v1/searches/{pk}/approve/", {"reasons": "Fine."}).status_code == 200
    )
    api_client.force_authenticate(investigator)
    response = api_client.post(
        f"/api/v1/searches/{pk}/run/",
        {"image": upload(images.astronaut_again())},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "run" and os.listdir(spool) == []
    assert api_client.get(f"/api/v1/searches/{pk}/candidates/").json() == []
    candidate_id = searches.RetrospectiveSearch.objects.get(pk=pk).candidates.get().pk
    self_review = api_client.post(
        f"/api/v1/searches/{pk}/review/",
        {"candidate": candidate_id, "decision": "possible_lead", "reason": "Mine."},
        format="json",
    )
    assert self_review.status_code == 403 and self_review.json()["code"] == "self_review"
    api_client.force_authenticate(examiner)
    (seen,) = api_client.get(f"/api/v1/searches/{pk}/candidates/").json()
    assert seen["record_id"] == "CUST-1" and NOTICE in seen["notice"]
    response = api_client.post(
        f"/api/v1/searches/{pk}/review/",
        {"candidate": candidate_id, "decision": "excluded", "reason": "Different ear shape."},
        format="json",
    )
    assert response.status_code == 200
    api_client.force_authenticate(investigator)
    assert api_client.get(f"/api/v1/searches/{pk}/").json()["status"] == "reviewed"
    # Excluded: nothing released to the requester.
    assert api_client.get(f"/api/v1/searches/{pk}/candidates/").json() == []


def test_a_too_junior_approver_is_refused_by_the_api(
    api_client, rfr_authority, investigator, examiner
):
    search = draft(rfr_authority, investigator)
    searches.submit_search(search=search, by=investigator)
    from authority.models import Rank
    from common.roles import Role
    from tests.factories import UserFactory

    sergeant = UserFactory(username="sgt", rank=Rank.SERGEANT, roles=[Role.AUTHORISING_OFFICER])
    api_client.force_authenticate(sergeant)
    response = api_client.post(f"/api/v1/searches/{search.pk}/approve/", {"reasons": "Fine."})
    assert response.status_code == 403 and response.json()["code"] == "approver_rank_too_low"


def test_the_check_api(api_client, oifr_authority, investigator, astronaut_in_custody, spool):
    api_client.force_authenticate(investigator)
    body = {
        "authority": oifr_authority.pk,
        "justification": "missing_or_vulnerable",
        "justification_detail": "Confused elderly man, matches a missing-person description.",
        "less_intrusive_considered": "true",
        "no_force_used": "true",
        "image": upload(images.astronaut_again()),
    }
    response = api_client.post("/api/v1/checks/", body, format="multipart")
    assert response.status_code == 201, response.json()
    result = response.json()
    assert result["candidates_found"] == 1 and NOTICE in result["candidates"][0]["notice"]
    assert os.listdir(spool) == []
    listed = api_client.get("/api/v1/checks/").json()
    assert listed["count"] == 1
    unjustified = {**body, "no_force_used": "false", "image": upload(images.astronaut_again())}
    response = api_client.post("/api/v1/checks/", unjustified, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "check_not_justified"
    assert OperatorCheck.objects.count() == 1


def test_the_approved_helper_is_usable(rfr_authority, investigator, approver):
    assert approved(rfr_authority, investigator, approver).status == SearchStatus.APPROVED


def test_the_investigators_home_offers_searches_and_checks(
    client, rfr_authority, investigator, approver
):
    search = draft(rfr_authority, investigator)
    client.force_login(investigator)
    page = client.get("/").content.decode()
    assert "Retrospective searches and identity checks" in page
    assert "/deployments/searches/new/" in page and "/deployments/checks/new/" in page
    assert f"/deployments/searches/{search.pk}/" in page
    searches.submit_search(search=search, by=investigator)
    client.force_login(approver)
    page = client.get("/").content.decode()
    assert "Retrospective searches to approve" in page
    assert f"/deployments/searches/{search.pk}/decide/" in page


def test_the_api_schema_describes_searches_and_checks(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/searches/{id}/run/" in response.content
    assert b"/api/v1/checks/" in response.content
