"""Inspection exports from the oversight pages: asked for by an oversight user, built by a task
into storage with its SHA-256 on the ledger, downloaded by any oversight user and nobody else;
a failed build says why and keeps no file."""

import hashlib
import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from common.roles import Role
from oversight.errors import ExportDateInvalid
from oversight.inspection_exports import request_inspection_export
from oversight.models import ExportState, InspectionExport, LedgerEntry
from oversight.offline_verifier import verify_export
from oversight.tasks import build_inspection_export_task
from tests.factories import LedgerEventFactory, OversightFactory, UserFactory
from tests.html import broken_references, parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester(db):
    return OversightFactory()


@pytest.fixture
def built(requester, events):
    export = request_inspection_export(by=requester)
    assert build_inspection_export_task.apply(args=[export.pk]).get()["state"] == "built"
    export.refresh_from_db()
    return export


def download(client, export):
    response = client.get(reverse("oversight:export-download", args=[export.pk]))
    body = b"".join(response.streaming_content) if response.status_code == 200 else b""
    return response, body


def test_asking_on_the_page_queues_a_build_that_stores_the_zip_and_ledgers_its_hash(
    client, requester, events, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(requester)
    # The build is handed to the broker on commit; here it runs in-process (in .ci/run a real
    # worker would not see this test's rows).
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = client.post(reverse("oversight:exports"), {"since": ""})
    assert response.status_code == 302 and response["Location"] == reverse("oversight:exports")
    export = InspectionExport.objects.get()
    assert export.requested_by == requester and export.state == ExportState.QUEUED
    assert len(enqueued) == 1
    build_inspection_export_task.apply(args=[export.pk]).get()
    export.refresh_from_db()
    assert export.state == ExportState.BUILT, export.error
    requested = LedgerEntry.objects.get(action="inspection_export.requested")
    assert requested.actor_id == requester.pk and requested.role == Role.OVERSIGHT
    assert requested.data == {"export_id": export.pk, "since": None}
    built = LedgerEntry.objects.get(action="inspection_export.built")
    assert built.seq > requested.seq
    with default_storage.open(export.archive.name) as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == export.sha256 == built.data["sha256"]
    assert export.size_bytes == len(content) == built.data["size_bytes"]
    assert built.data["entries"] == export.entries == export.last_seq  # the whole ledger
    assert (built.data["first_seq"], built.data["last_seq"]) == (1, requested.seq)
    assert set(built.data) == {
        "export_id",
        "since",
        "sha256",
        "size_bytes",
        "entries",
        "first_seq",
        "last_seq",
        "checkpoint_tree_size",
    }
    (tmp_path / "download.zip").write_bytes(content)
    ok, line = verify_export(tmp_path / "download.zip")
    assert ok, line


def test_the_page_lists_each_export_with_its_state_and_hash(client, built, requester):
    queued = request_inspection_export(by=requester, since=timezone.now().date())
    client.force_login(requester)
    page = client.get(reverse("oversight:exports")).content.decode()
    assert built.sha256 in page and requester.display_name in page
    assert reverse("oversight:export-download", args=[built.pk]) in page
    assert reverse("oversight:export-download", args=[queued.pk]) not in page
    assert "Queued" in page and "Ready to download" in page
    assert "Refresh this page" in page  # the queued one: no JavaScript needed to follow it
    assert broken_references(page) == []


def test_any_oversight_user_downloads_a_built_export_as_an_attachment(client, built):
    client.force_login(OversightFactory())  # not the one who asked
    response, body = download(client, built)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="inspection-export-{built.pk}.zip"'
    )
    assert response["X-Content-SHA256"] == built.sha256 == hashlib.sha256(body).hexdigest()
    assert "verify_inspection.py" in zipfile.ZipFile(io.BytesIO(body)).namelist()


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.OVERSIGHT])
def test_no_other_role_reaches_the_exports(client, built, role):
    client.force_login(UserFactory(roles=[role]))
    assert client.get(reverse("oversight:exports")).status_code == 403
    assert client.post(reverse("oversight:exports"), {"since": ""}).status_code == 403
    assert download(client, built)[0].status_code == 403
    assert InspectionExport.objects.count() == 1


def test_signing_in_is_needed(client, built):
    for path in (reverse("oversight:exports"), reverse("oversight:export-download", args=[1])):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_export_not_built_yet_cannot_be_downloaded(client, requester):
    export = request_inspection_export(by=requester)
    client.force_login(requester)
    assert download(client, export)[0].status_code == 404


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ((date.today() + timedelta(days=2)).isoformat(), "cannot be in the future"),
        ("1999-12-31", "must be in 2000 or later"),
        ("31/02/2026", "Enter a valid date"),
    ],
)
def test_a_since_date_in_the_future_or_implausible_is_refused(client, requester, since, message):
    client.force_login(requester)
    response = client.post(reverse("oversight:exports"), {"since": since})
    assert response.status_code == 200 and message in response.content.decode()
    assert parse(response.content).title.startswith("Error: Inspection exports")
    assert not InspectionExport.objects.exists()
    assert not LedgerEntry.objects.filter(action="inspection_export.requested").exists()


def test_the_service_refuses_a_future_since_date(requester):
    with pytest.raises(ExportDateInvalid) as refused:
        request_inspection_export(by=requester, since=timezone.now().date() + timedelta(days=1))
    assert refused.value.field == "since"


def test_an_export_since_a_date_records_its_since_and_span(requester, monkeypatch):
    LedgerEventFactory()
    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    recent = LedgerEventFactory()
    export = request_inspection_export(by=requester, since=later.date())
    build_inspection_export_task.apply(args=[export.pk]).get()
    export.refresh_from_db()
    built = LedgerEntry.objects.get(action="inspection_export.built")
    assert built.data["since"] == later.date().isoformat()
    assert export.first_seq == built.data["first_seq"] == recent.seq
    assert export.entries == export.last_seq - recent.seq + 1


def test_a_build_delivered_twice_runs_once(built):
    again = build_inspection_export_task.apply(args=[built.pk]).get()
    assert again == {"export_id": built.pk, "state": "built", "sha256": built.sha256}
    assert LedgerEntry.objects.filter(action="inspection_export.built").count() == 1


def test_a_build_that_cannot_be_stored_fails_keeping_no_file(requester, events, full_disk):
    export = request_inspection_export(by=requester)
    assert build_inspection_export_task.apply(args=[export.pk]).get()["state"] == "failed"
    export.refresh_from_db()
    assert export.state == ExportState.FAILED and not export.archive and not export.sha256
    assert "storage is full" in export.error
    assert [p for p in (full_disk / "media").rglob("*") if p.is_file()] == []
    failed = LedgerEntry.objects.get(action="inspection_export.failed")
    assert failed.data == {"export_id": export.pk, "code": "storage_full"}
    assert not LedgerEntry.objects.filter(action="inspection_export.built").exists()
