"""Subject access (DOMAIN, Watchlists): the record ids kept after deletion let a subject access
request be answered; every query is ledgered with a SHA-256 of the record id, never the id."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from common.errors import NotPermitted
from common.roles import Role
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from tests.watchlists import images
from tests.watchlists.test_deletion import compose, move_clock
from watchlists.rules import deletion_delay
from watchlists.services import deletion, reference
from watchlists.services.sign_off import sign_off_watchlist
from watchlists.subject_access import answer_subject_access

RECORD = "PNC-ASTRO"
API = "/api/v1/subject-access/"


@pytest.fixture
def signed_off(live, watchlist_officer, superintendent):
    watchlist = compose(live, watchlist_officer, superintendent)
    sign_off_watchlist(watchlist=watchlist, by=superintendent)
    watchlist.refresh_from_db()
    return watchlist


@pytest.fixture
def deleted(signed_off, monkeypatch):
    due = signed_off.deployment_end + deletion_delay()
    move_clock(monkeypatch, due)
    deletion.delete_watchlist_data(watchlist=signed_off)
    signed_off.refresh_from_db()
    return signed_off


def searches(since: int = 0):
    return [
        json.loads(e.payload) | {"_actor": e.actor_id, "_object": e.object_id}
        for e in LedgerEntry.objects.filter(action="subject_access.searched", seq__gt=since)
    ]


def head() -> int:
    return LedgerEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_still_answered_after_deletion(deleted, oversight_user, live):
    before = head()
    report = answer_subject_access(by=oversight_user, record_id=f" {RECORD} ", channel="api")
    assert report.count == 1
    (seen,) = report.watchlists
    assert seen.record_id == RECORD and seen.category == "Wanted by the courts"
    assert (seen.authority_reference, seen.operation_name) == (live.reference, "Operation Kestrel")
    assert (seen.deployment_start, seen.deployment_end) == (
        deleted.deployment_start,
        deleted.deployment_end,
    )
    assert seen.location_name == deleted.location.name
    assert seen.added_in == 1 and [s.version for s in seen.signed_off] == [1]
    assert seen.data_deleted_at == deleted.data_deleted_at and seen.deletion_due_at is None
    assert "deleted" in seen.data_state and not seen.image_held and not seen.template_held
    assert (seen.name, seen.reason) == ("", "")
    # Ledgered: who, how many, and the record id's SHA-256 only.
    (event,) = searches(before)
    digest = hashlib.sha256(RECORD.encode()).hexdigest()
    assert event["record_id_sha256"] == digest == event["_object"]
    assert event["results_count"] == 1 and event["channel"] == "api"
    assert event["_actor"] == oversight_user.pk
    entry = LedgerEntry.objects.get(seq=head())
    assert RECORD not in entry.payload and RECORD not in entry.object_id


def test_before_deletion_it_says_what_is_held_and_until_when(signed_off, oversight_user):
    (seen,) = answer_subject_access(by=oversight_user, record_id=RECORD, channel="api").watchlists
    assert seen.image_held and seen.template_held and seen.name == "A Person"
    assert seen.deletion_due_at == signed_off.deployment_end + deletion_delay()
    assert "still held" in seen.data_state


def test_an_unknown_record_id_answers_none_and_is_ledgered(db, oversight_user):
    before = head()
    report = answer_subject_access(by=oversight_user, record_id="PNC-NOBODY", channel="page")
    assert report.count == 0
    assert searches(before)[0]["results_count"] == 0


def test_reference_images_are_included(live, oversight_user):
    admin = UserFactory(username="gallery-admin", roles=[Role.ADMINISTRATOR])
    gallery = reference.create_reference_gallery(name="Custody", kind="custody", by=admin)
    reference.add_reference_image(
        gallery=gallery,
        by=admin,
        record_id=RECORD,
        source_system="custody",
        image=images.astronaut(),
        never_convicted=True,
        retention_review_due=timezone.localdate() + timedelta(days=30),
    )
    report = answer_subject_access(by=admin, record_id=RECORD, channel="api")
    (image,) = report.references
    assert image.never_convicted and image.awaiting_review and not image.searchable
    assert "not searchable" in image.data_state


def test_the_page(deleted, client, oversight_user):
    client.force_login(oversight_user)
    before = head()
    blank = client.get(reverse("watchlists:subject-access"))
    assert blank.status_code == 200 and not searches(before)
    page = client.get(reverse("watchlists:subject-access"), {"record_id": RECORD})
    assert page.status_code == 200
    text = page.content.decode()
    assert RECORD in text and "Operation Kestrel" in text and "deleted on" in text
    assert reverse("watchlists:subject-access-report") in text
    assert [e["channel"] for e in searches(before)] == ["page"]
    empty = client.get(reverse("watchlists:subject-access"), {"record_id": "  "})
    assert empty.status_code == 200 and len(searches(before)) == 1


def test_the_pdf_report(deleted, client, oversight_user):
    client.force_login(oversight_user)
    before = head()
    response = client.get(reverse("watchlists:subject-access-report"), {"record_id": RECORD})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert RECORD not in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert RECORD in text and "Operation Kestrel" in text and "deleted" in text
    assert [e["channel"] for e in searches(before)] == ["report_pdf"]
    missing = client.get(reverse("watchlists:subject-access-report"))
    assert missing.status_code == 400


def test_the_api(deleted, oversight_user):
    api = APIClient()
    api.force_authenticate(oversight_user)
    response = api.get(API, {"record_id": RECORD})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1 and body["record_id"] == RECORD
    (seen,) = body["watchlists"]
    assert seen["category"] == "Wanted by the courts" and seen["data_deleted_at"]
    assert response["Cache-Control"] == "no-store"
    assert api.get(API).status_code == 400
    refused = api.get(API, {"record_id": RECORD, "name": "A Person"})
    assert refused.status_code == 400 and "name" in refused.json()


@pytest.mark.parametrize(
    "role", [Role.WATCHLIST_OFFICER, Role.INVESTIGATOR, Role.AUTHORISING_OFFICER]
)
def test_other_roles_are_refused(deleted, client, role):
    other = UserFactory(username=f"other-{role.value}", roles=[role])
    before = head()
    client.force_login(other)
    assert client.get(reverse("watchlists:subject-access")).status_code == 403
    url = reverse("watchlists:subject-access-report")
    assert client.get(url, {"record_id": RECORD}).status_code == 403
    api = APIClient()
    api.force_authenticate(other)
    assert api.get(API, {"record_id": RECORD}).status_code == 403
    with pytest.raises(NotPermitted):
        answer_subject_access(by=other, record_id=RECORD, channel="api")
    assert not searches(before)


def test_an_administrator_may_answer(deleted, client):
    admin = UserFactory(username="sar-admin", roles=[Role.ADMINISTRATOR])
    client.force_login(admin)
    page = client.get(reverse("watchlists:subject-access"), {"record_id": RECORD})
    assert page.status_code == 200
