"""Bulk import: a CSV of rows and a ZIP of images, each row put on the list through the gate
or refused with its reason; a hostile upload refused whole before anything is written."""

import csv
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from authority.models import Decision
from biometric_engine.models import EnrolledFace
from common.errors import DomainError
from oversight.models import LedgerEntry
from tests.factories import UserFactory
from tests.watchlists import images, zips
from watchlists import tasks
from watchlists.csv_rows import COLUMNS
from watchlists.models import ImportJob, ImportStatus, WatchlistEntry
from watchlists.services import imports
from watchlists.services.imports import run_import, start_import

GOOD = {
    "source_system": "pnc",
    "name": "A Person",
    "date_of_birth": "1980-04-02",
    "category": "wanted_by_courts",
    "reason": "Warrant WR-2026-0142",
    "image_source_system": "custody",
    "legal_basis": "PACE 1984 s.64A custody image",
    "capture_date": "2025-01-10",
    "most_recent_suitable": "yes",
    "still_sought_confirmed": "yes",
    "under_18_justification": "",
}


@pytest.fixture(autouse=True)
def _own_media(settings, tmp_path):
    """Each test its own media folder, so what it finds there is what it wrote."""
    settings.MEDIA_ROOT = tmp_path


def row(record_id: str, image: str, **overrides) -> dict:
    return {"record_id": record_id, "image": image, **GOOD, **overrides}


def csv_of(rows: list[dict], *, columns=COLUMNS, bom: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def upload_files() -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "watchlists" / "imports"
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def image_files(watchlist) -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "watchlists" / "images" / str(watchlist.pk)
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def events(action: str):
    return LedgerEntry.objects.filter(action=action)


ARCHIVE = {
    "astronaut.png": images.astronaut,
    "people/hanks.png": images.tom_hanks,
    "astronaut-again.jpg": images.astronaut_again,
    "group.jpg": images.group_photo,
    "coffee.png": images.not_a_face,
    "tiny.png": lambda: images.tiny(images.astronaut(), 120),
    "junk.jpg": lambda: b"this is not an image at all",
}


def archive() -> bytes:
    return zips.build({name: make() for name, make in ARCHIVE.items()})


MIXED = [
    (row("PNC-1", "astronaut.png"), "kept"),
    (row("PNC-2", "people/hanks.png", date_of_birth=""), "kept"),
    (row("PNC-3", "coffee.png", category="no_such_category"), "invalid_input"),
    (row("PNC-4", "coffee.png", category="close_associate"), "category_not_authorised"),
    (row("PNC-5", "not-in-the-zip.png"), "image_missing"),
    (row("PNC-6", "junk.jpg"), "unreadable"),
    (row("PNC-7", "group.jpg"), "several_faces"),
    (row("PNC-8", "coffee.png"), "no_face_found"),
    (row("PNC-9", "tiny.png"), "low_quality"),
    (row("PNC-1", "astronaut-again.jpg"), "duplicate_record"),
    (row("PNC-11", "astronaut.png"), "duplicate_image"),
    (row("PNC-12", "astronaut-again.jpg", date_of_birth="02/04/1980"), "csv_bad_value"),
    (row("PNC-13", "astronaut-again.jpg", still_sought_confirmed="no"), "currency_not_confirmed"),
]
# The engine's own codes for these, whichever of its checks catches the image first.
ENGINE_CODES = {
    "unreadable": {"not_an_image", "corrupt_image", "unsupported_image_format"},
    "low_quality": {"face_too_small", "face_quality_too_low"},
}


def started(planned, officer, rows=MIXED, zip_bytes=None) -> ImportJob:
    return start_import(
        watchlist=planned,
        by=officer,
        csv_bytes=csv_of([r for r, _ in rows]),
        zip_bytes=zip_bytes if zip_bytes is not None else archive(),
    )


def test_a_mixed_csv_keeps_exactly_the_good_rows_and_says_why_each_other_was_refused(
    planned, watchlist_officer
):
    job = started(planned, watchlist_officer)
    assert job.status == ImportStatus.QUEUED and job.total_rows == len(MIXED)
    assert len(upload_files()) >= 2
    outcome = tasks.run_watchlist_import.apply(args=[job.pk]).get()
    assert outcome["status"] == "done" and outcome["kept_rows"] == 2
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.finished_at is not None
    assert (job.processed_rows, job.kept_rows) == (len(MIXED), 2)
    for (sent, expected), result in zip(MIXED, job.results, strict=True):
        assert result["record_id"] == sent["record_id"]
        if expected == "kept":
            assert result["outcome"] == "kept", result
        else:
            assert result["outcome"] == "refused", result
            assert result["code"] in ENGINE_CODES.get(expected, {expected}), result
            assert result["detail"]
    # The rows refused left nothing: two entries, two templates, two image files.
    entries = WatchlistEntry.objects.filter(watchlist=planned)
    assert sorted(entries.values_list("record_id", flat=True)) == ["PNC-1", "PNC-2"]
    assert EnrolledFace.objects.filter(gallery=planned.gallery).count() == 2
    assert len(image_files(planned)) == 2
    # The uploads are deleted once the job stops.
    assert not job.csv_file and not job.zip_file and not upload_files()
    finished = events("watchlist.import_finished").get()
    assert finished.data["kept"] == 2 and finished.data["refused"] == len(MIXED) - 2
    assert ["duplicate_record", 1] in finished.data["refusal_codes"]
    assert "PNC-1" not in str(finished.data) and "A Person" not in str(finished.data)


def test_a_row_over_the_authorised_size_is_refused(planned, watchlist_officer, live):
    Decision.objects.filter(application=live).update(max_watchlist_size=1)
    rows = [(row("PNC-1", "astronaut.png"), "kept"), (row("PNC-2", "people/hanks.png"), "")]
    job = run_import(started(planned, watchlist_officer, rows).pk)
    assert [r["code"] for r in job.results] == ["", "watchlist_too_large"]
    assert WatchlistEntry.objects.filter(watchlist=planned).count() == 1


def test_the_import_started_event_carries_counts_and_both_hashes(planned, watchlist_officer):
    job = started(planned, watchlist_officer)
    payload = events("watchlist.import_started").get().data
    assert payload["import_id"] == job.pk and payload["rows"] == len(MIXED)
    assert payload["archive_members"] == len(ARCHIVE)
    assert payload["csv_sha256"] == job.csv_sha256 and len(job.zip_sha256) == 64


def test_a_finished_job_is_not_run_twice(planned, watchlist_officer):
    rows = [(row("PNC-1", "astronaut.png"), "kept")]
    job = started(planned, watchlist_officer, rows)
    run_import(job.pk)
    again = tasks.run_watchlist_import.apply(args=[job.pk]).get()
    assert again["status"] == "done"
    assert events("watchlist.import_finished").count() == 1
    assert WatchlistEntry.objects.count() == 1


def test_a_running_job_is_not_restarted(planned, watchlist_officer):
    job = started(planned, watchlist_officer)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    job = run_import(job.pk)
    assert job.status == ImportStatus.RUNNING and job.processed_rows == 0
    assert not WatchlistEntry.objects.exists()


class WorkerLost(BaseException):
    """What a killed worker looks like from inside: the import stops mid-row, nothing after
    it runs (not even ``except Exception``)."""


def test_a_job_whose_worker_was_lost_resumes_and_keeps_each_row_once(
    planned, watchlist_officer, monkeypatch
):
    from datetime import timedelta

    from django.utils import timezone

    rows = [
        (row("PNC-1", "astronaut.png"), "kept"),
        (row("PNC-2", "people/hanks.png"), "kept"),
        (row("PNC-3", "coffee.png"), "no_face_found"),
    ]
    job = started(planned, watchlist_officer, rows)
    real_add = imports.add_entry
    calls = []

    def add_then_die(**kwargs):
        calls.append(kwargs["details"].record_id)
        entry = real_add(**kwargs)
        if len(calls) == 2:
            raise WorkerLost  # the entry committed, its result not yet recorded
        return entry

    monkeypatch.setattr(imports, "add_entry", add_then_die)
    with pytest.raises(WorkerLost):
        run_import(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.RUNNING and job.processed_rows == 1
    assert upload_files(), "a lost worker's uploads stay for the resume"
    # A redelivery soon after is the same job still running: left alone.
    assert run_import(job.pk).processed_rows == 1
    # Once its heartbeat is stale, the redelivered task resumes after the last recorded row.
    ImportJob.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - imports.STALE_AFTER - timedelta(seconds=1)
    )
    monkeypatch.setattr(imports, "add_entry", real_add)
    job = run_import(job.pk)
    assert job.status == ImportStatus.DONE
    assert [r["outcome"] for r in job.results] == ["kept", "kept", "refused"]
    assert sorted(WatchlistEntry.objects.values_list("record_id", flat=True)) == ["PNC-1", "PNC-2"]
    assert events("watchlist.import_finished").count() == 1 and not upload_files()


def test_an_unexpected_error_fails_the_job_deletes_the_uploads_and_is_ledgered(
    planned, watchlist_officer, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "add_entry", broken)
    job = run_import(started(planned, watchlist_officer).pk)
    assert job.status == ImportStatus.FAILED and job.error_code == "import_failed"
    assert "RuntimeError" in job.error and not upload_files()
    assert events("watchlist.import_failed").get().data["import_id"] == job.pk


def test_a_list_signed_off_before_the_job_runs_refuses_it_whole(
    planned, watchlist_officer, superintendent
):
    from tests.watchlists.conftest import details
    from watchlists.services.composition import add_entry
    from watchlists.services.sign_off import sign_off_watchlist

    job = started(planned, watchlist_officer)
    add_entry(watchlist=planned, by=watchlist_officer, details=details("PNC-0"),
              image=images.tom_hanks())  # fmt: skip
    sign_off_watchlist(watchlist=planned, by=superintendent)
    job = run_import(job.pk)
    assert job.status == ImportStatus.REFUSED and job.error_code == "watchlist_frozen"
    assert WatchlistEntry.objects.count() == 1 and not upload_files()


HOSTILE = {
    "archive_path_traversal": lambda: zips.named("../../etc/astronaut.png", images.astronaut()),
    "archive_symlink": zips.symlink,
    "archive_too_many_members": lambda: zips.many(5001),
    "archive_member_too_large": zips.forged_size,
    "archive_bomb": zips.bomb,
    "archive_encrypted": zips.encrypted,
    "archive_corrupt": lambda: b"PK\x03\x04 not really",
    "archive_duplicate_name": zips.duplicate,
}


@pytest.mark.parametrize("code", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_before_anything_is_written(planned, watchlist_officer, code):
    before = upload_files()
    with pytest.raises(DomainError) as refused:
        started(planned, watchlist_officer, zip_bytes=HOSTILE[code]())
    assert refused.value.code == code
    assert not ImportJob.objects.exists() and upload_files() == before
    assert not WatchlistEntry.objects.exists() and not events("watchlist.import_started").exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (csv_of([row("PNC-1", "a.png")], columns=[*COLUMNS, "shoe_size"]), "csv_bad_header"),
        (csv_of([row("PNC-1", "a.png")], columns=[c for c in COLUMNS if c != "legal_basis"]),
         "csv_bad_header"),
        (b"record_id,record_id\n1,2\n", "csv_bad_header"),
        ("record_id,name\n1,Ren\xe9e\n".encode("latin-1"), "csv_not_utf8"),
        (b"", "csv_empty"),
        (csv_of([]), "csv_empty"),
    ],
)  # fmt: skip
def test_a_bad_csv_is_refused_whole_before_anything_is_written(
    planned, watchlist_officer, data, code
):
    with pytest.raises(DomainError) as refused:
        start_import(watchlist=planned, by=watchlist_officer, csv_bytes=data, zip_bytes=archive())
    assert refused.value.code == code
    assert not ImportJob.objects.exists() and not upload_files()


def test_a_csv_with_a_byte_order_mark_is_read(planned, watchlist_officer):
    data = csv_of([row("PNC-1", "astronaut.png")], bom=True)
    job = start_import(watchlist=planned, by=watchlist_officer, csv_bytes=data, zip_bytes=archive())
    assert job.total_rows == 1


def test_the_row_limit_is_a_setting(planned, watchlist_officer, settings):
    settings.WA_IMPORT_MAX_ROWS = 2
    rows = [(row(f"PNC-{n}", "astronaut.png"), "") for n in range(3)]
    with pytest.raises(DomainError) as refused:
        started(planned, watchlist_officer, rows)
    assert refused.value.code == "csv_too_many_rows"


def test_only_a_watchlist_officer_may_import(planned, operator):
    with pytest.raises(DomainError) as refused:
        started(planned, operator)
    assert refused.value.code == "not_a_watchlist_officer"
    assert not ImportJob.objects.exists()


# Pages and API


def test_the_page_starts_an_import_and_shows_its_progress_and_results(
    client, planned, watchlist_officer
):
    client.force_login(watchlist_officer)
    url = reverse("watchlists:import-start", args=[planned.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "csv_file": SimpleUploadedFile("entries.csv", csv_of([r for r, _ in MIXED[:3]])),
            "zip_file": SimpleUploadedFile("images.zip", archive()),
        },
    )
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("watchlists:import-detail", args=[job.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"<progress" in page.content and b"watchlist-import.js" in page.content
    assert b"Refresh this page" in page.content
    progress = client.get(reverse("watchlists:import-progress", args=[job.pk])).json()
    assert progress["status"] == "queued" and progress["total_rows"] == 3
    run_import(job.pk)
    progress = client.get(reverse("watchlists:import-progress", args=[job.pk])).json()
    assert progress["finished"] and progress["processed_rows"] == 3
    assert (progress["kept_rows"], progress["refused_rows"]) == (2, 1)
    page = client.get(reverse("watchlists:import-detail", args=[job.pk])).content.decode()
    assert "PNC-3" in page and "no_such_category" in page and "Refresh this page" not in page


def test_the_page_shows_a_hostile_archive_s_refusal_on_the_form(client, planned, watchlist_officer):
    client.force_login(watchlist_officer)
    response = client.post(
        reverse("watchlists:import-start", args=[planned.pk]),
        {
            "csv_file": SimpleUploadedFile("entries.csv", csv_of([r for r, _ in MIXED[:1]])),
            "zip_file": SimpleUploadedFile("images.zip", zips.symlink()),
        },
    )
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content and b"archive_symlink" in response.content
    assert not ImportJob.objects.exists()


def test_someone_who_is_not_a_watchlist_officer_sees_no_import(client, planned, watchlist_officer):
    job = started(planned, watchlist_officer)
    client.force_login(UserFactory(username="someone-else"))
    assert client.get(reverse("watchlists:import-start", args=[planned.pk])).status_code == 403
    assert client.get(reverse("watchlists:import-detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("watchlists:import-progress", args=[job.pk])).status_code == 404


def test_the_api_accepts_an_import_with_202_then_shows_the_job(
    api_client, planned, watchlist_officer
):
    api_client.force_authenticate(watchlist_officer)
    response = api_client.post(
        f"/api/v1/watchlists/{planned.pk}/import/",
        {
            "csv_file": SimpleUploadedFile("entries.csv", csv_of([r for r, _ in MIXED[:3]])),
            "zip_file": SimpleUploadedFile("images.zip", archive()),
        },
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    run_import(job_id)
    job = api_client.get(f"/api/v1/watchlist-imports/{job_id}/").json()
    assert job["status"] == "done" and (job["kept_rows"], job["refused_rows"]) == (2, 1)
    assert job["results"][2]["code"] == "invalid_input"


def test_the_api_refuses_a_hostile_archive_with_its_code(api_client, planned, watchlist_officer):
    api_client.force_authenticate(watchlist_officer)
    response = api_client.post(
        f"/api/v1/watchlists/{planned.pk}/import/",
        {
            "csv_file": SimpleUploadedFile("entries.csv", csv_of([r for r, _ in MIXED[:1]])),
            "zip_file": SimpleUploadedFile("images.zip", zips.bomb()),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "archive_bomb"
    assert not ImportJob.objects.exists()


def test_the_api_refuses_an_undeclared_field_and_a_reader_who_is_not_an_officer(
    api_client, planned, watchlist_officer, operator
):
    api_client.force_authenticate(watchlist_officer)
    response = api_client.post(
        f"/api/v1/watchlists/{planned.pk}/import/",
        {
            "csv_file": SimpleUploadedFile("e.csv", b"x"),
            "zip_file": SimpleUploadedFile("i.zip", b"x"),
            "priority": "high",
        },
        format="multipart",
    )
    assert response.status_code == 400 and "priority" in response.json()
    job = started(planned, watchlist_officer)
    api_client.force_authenticate(operator)
    assert api_client.get(f"/api/v1/watchlist-imports/{job.pk}/").status_code == 403
