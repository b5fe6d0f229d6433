"""Publication is an act on the ledger: a publisher approves what goes out, and the public
site, its CSV and JSON show only published records, with the same columns; pages are cached
and invalidated when something is published."""

import csv
import io
import json

import pytest

from common.errors import WrongState
from common.roles import Role
from deployments.services.lifecycle import plan_deployment
from oversight.models import LedgerEntry
from reviews.errors import NotAPublisher
from reviews.models import PublicationStatus
from reviews.public import COLUMN_KEYS
from reviews.services.publication import (
    announce_planned_deployment,
    publish_deployment_results,
    record_sha256,
)
from reviews.services.reviewing import approve_review, submit_review, update_review_narrative
from tests.factories import StaffFactory
from tests.reviews.conftest import NARRATIVE
from tests.reviews.test_documents import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def publisher(db):
    return StaffFactory(username="publisher", roles=[Role.PUBLISHER])


@pytest.fixture
def approved(deleted, reviewer, second_reviewer):
    review = deleted.deployment.review
    update_review_narrative(review=review, by=reviewer, **NARRATIVE)
    submit_review(review=review, by=reviewer)
    return approve_review(review=review, by=second_reviewer)


@pytest.fixture
def published(approved, publisher):
    return publish_deployment_results(
        deployment=approved.deployment, by=publisher, purpose="To find people wanted by courts."
    )


def test_results_wait_for_the_approved_review(review, publisher):
    with pytest.raises(WrongState, match="review is approved"):
        publish_deployment_results(deployment=review.deployment, by=publisher)


def test_only_a_publisher_publishes(approved, reviewer):
    with pytest.raises(NotAPublisher):
        publish_deployment_results(deployment=approved.deployment, by=reviewer)


def test_publishing_puts_every_figure_and_the_records_hash_on_the_ledger(published):
    assert published.status == PublicationStatus.PUBLISHED
    record = published.record
    assert (record["faces_processed"], record["watchlist_size"], record["alerts"]) == (
        12_120,
        9_756,
        11,
    )
    assert (record["false_alerts"], record["engagements"], record["arrests"]) == (1, 7, 4)
    assert record["false_alert_rate_per_face_processed"] == "0.0083"
    assert record["false_alert_rate_per_alert"] == "9.1"
    entry = LedgerEntry.objects.get(
        action="publication.results_published", object_id=str(published.pk)
    )
    assert entry.data["record_sha256"] == record_sha256(record) == published.record_sha256
    assert entry.data["figures"]["arrests"] == 4
    assert entry.data["run_id"] == published.deployment.run_id


def test_results_are_published_once(published, publisher):
    with pytest.raises(WrongState, match="already published"):
        publish_deployment_results(deployment=published.deployment, by=publisher)


def test_the_public_site_shows_nothing_until_published(client, approved):
    page = client.get("/transparency/").content.decode()
    assert "Nothing published yet." in page and "12120" not in page


def test_the_public_index_lists_the_published_deployment(client, published):
    response = client.get("/transparency/")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    page = response.content.decode()
    assert published.reference in page and "12120" in page and "9756" in page
    assert "0.0083" in page and "9.1" in page
    assert "Wanted by the courts" in page  # the force's categories
    assert "<svg" in page and 'role="img"' in page


def test_the_deployment_page(client, published):
    page = client.get(f"/transparency/deployments/{published.reference}/").content.decode()
    assert "To find people wanted by courts." in page
    assert "By watchlist category" in page
    assert client.get("/transparency/deployments/LFR-1999-0001/").status_code == 404


def test_the_deployment_page_shows_a_zero_as_zero(client, published):
    """A figure of 0 is a figure: it once read "—", as if it were not known."""
    from reviews.models import PublishedDeployment

    record = {**published.record, "false_alerts": 0, "arrests": 0}
    PublishedDeployment.objects.filter(pk=published.pk).update(record=record)
    page = client.get(f"/transparency/deployments/{published.reference}/").content.decode()
    for heading in ("False alerts", "Arrests"):
        assert f'{heading}</dt><dd class="govuk-summary-list__value">0</dd>' in page, heading


def test_the_csv_and_json_have_the_same_documented_columns(client, published):
    rows = list(
        csv.reader(io.StringIO(client.get("/transparency/deployments.csv").content.decode()))
    )
    assert rows[0] == COLUMN_KEYS
    data = dict(zip(rows[0], rows[1], strict=True))
    assert data["faces_processed"] == "12120" and data["false_alert_rate_per_alert"] == "9.1"
    payload = json.loads(client.get("/transparency/deployments.json").content)
    assert [c["name"] for c in payload["schema"]] == COLUMN_KEYS
    assert list(payload["deployments"][0]) == COLUMN_KEYS
    assert payload["deployments"][0]["arrests"] == 4


def test_the_deployment_and_year_pdfs_hold_the_figures(client, published):
    text = pdf_text(client.get(f"/transparency/deployments/{published.reference}.pdf").content)
    for figure in ("Faces processed 12120", "Alerts 11", "False alerts 1", "Arrests 4"):
        assert figure in text, figure
    assert "0.0083" in text and "9.1" in text
    year = published.record["date"][:4]
    text = pdf_text(client.get(f"/transparency/{year}.pdf").content)
    assert "12120 faces processed" in text and "4 arrests" in text


def test_a_publication_invalidates_the_cached_index(
    client, approved, publisher, django_capture_on_commit_callbacks
):
    assert "Nothing published yet." in client.get("/transparency/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        publication = publish_deployment_results(deployment=approved.deployment, by=publisher)
    assert publication.reference in client.get("/transparency/").content.decode()


def test_without_a_publication_the_cached_index_is_served(client, approved):
    from reviews.public_cache import cached

    client.get("/transparency/")
    assert cached("index", lambda: "rebuilt") != "rebuilt"


def test_a_planned_deployment_is_announced_in_advance(
    client, live, planned, superintendent, silver, operator, publisher
):
    from tests.reviews.conftest import sign_off_directly

    sign_off_directly(planned, superintendent)
    eo = StaffFactory(username="eo2", roles=[Role.ENGAGEMENT_OFFICER])
    deployment = plan_deployment(
        watchlist=planned, by=silver, operators=[operator], engagement_officers=[eo]
    )
    announce_planned_deployment(
        deployment=deployment, by=publisher, purpose="Searching for people wanted on warrant."
    )
    page = client.get("/transparency/").content.decode()
    assert "Searching for people wanted on warrant." in page
    assert deployment.location.name in page
    assert LedgerEntry.objects.filter(action="publication.deployment_announced").exists()


def test_the_authorising_officer_is_named_only_at_or_above_the_configured_rank(
    approved, publisher, superintendent, settings
):
    settings.WA_PUBLIC_NAMED_MINIMUM_RANK = 60  # above the deciding Superintendent
    publication = publish_deployment_results(deployment=approved.deployment, by=publisher)
    assert publication.record["authorised_by"] == {"rank": "Superintendent", "name": ""}
    assert superintendent.last_name not in json.dumps(publication.record)


def test_at_the_configured_rank_the_authorising_officer_is_named(published, superintendent):
    assert published.record["authorised_by"]["name"] == superintendent.get_full_name()
