"""The review pages: the list, a review with its figures and by-category table, the narrative
form (save, submit), approval by another officer, the PDF; and the API's actions."""

import pytest
from rest_framework.test import APIClient

from reviews.models import ReviewStatus
from tests.reviews.conftest import NARRATIVE

pytestmark = pytest.mark.django_db


def test_the_list_and_the_review_show_the_figures(client, review, reviewer):
    client.force_login(reviewer)
    listing = client.get("/reviews/").content.decode()
    assert f"/reviews/{review.pk}/" in listing
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "12120" in page and "9756" in page
    assert "0.0083 %" in page and "9.1 %" in page
    assert "By watchlist category" in page and "Wanted by the courts" in page
    assert "Save and submit for approval" in page


def test_a_reader_without_the_permission_is_refused(client, review, operator):
    client.force_login(operator)
    assert client.get("/reviews/").status_code == 403
    assert client.get(f"/reviews/{review.pk}/").status_code == 403


def test_saving_the_narrative_from_the_form(client, review, reviewer):
    client.force_login(reviewer)
    response = client.post(f"/reviews/{review.pk}/", {**NARRATIVE, "save": ""})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.lessons == NARRATIVE["lessons"] and review.status == ReviewStatus.OPEN


def test_submitting_too_early_says_why_and_keeps_the_text(client, review, reviewer):
    client.force_login(reviewer)
    response = client.post(f"/reviews/{review.pk}/", {**NARRATIVE, "submit": ""}, follow=True)
    assert "not deleted yet" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.OPEN and review.lessons == NARRATIVE["lessons"]


def test_submit_then_another_officer_approves_and_reads_the_pdf(
    client, deleted, reviewer, second_reviewer
):
    review = deleted.deployment.review
    client.force_login(reviewer)
    client.post(f"/reviews/{review.pk}/", {**NARRATIVE, "submit": ""})
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert "Approve the review" not in page  # not for its author
    client.force_login(second_reviewer)
    assert "Approve the review" in client.get(f"/reviews/{review.pk}/").content.decode()
    client.post(f"/reviews/{review.pk}/approve/")
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED
    pdf = client.get(f"/reviews/{review.pk}/review.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-SHA256"] == review.pdf_sha256


def test_the_home_page_offers_the_review_to_write(client, review, reviewer):
    client.force_login(reviewer)
    home = client.get("/").content.decode()
    assert "Post-deployment reviews to write" in home and f"/reviews/{review.pk}/" in home


def test_the_api_writes_submits_and_approves(deleted, reviewer, second_reviewer):
    review = deleted.deployment.review
    api = APIClient()
    api.force_authenticate(reviewer)
    url = f"/api/v1/reviews/{review.pk}/"
    assert api.get(url).json()["figures"]["arrests"] == 4
    assert api.post(url + "narrative/", NARRATIVE, format="json").status_code == 200
    assert api.post(url + "submit/", {}, format="json").json()["status"] == "submitted"
    refused = api.post(url + "approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "review_self_approval"
    api.force_authenticate(second_reviewer)
    approved = api.post(url + "approve/", {}, format="json").json()
    assert approved["status"] == "approved" and len(approved["pdf_sha256"]) == 64


def test_the_api_refuses_unknown_fields(review, reviewer):
    api = APIClient()
    api.force_authenticate(reviewer)
    response = api.post(
        f"/api/v1/reviews/{review.pk}/narrative/", {"faces_processed": 5}, format="json"
    )
    assert response.status_code == 400
