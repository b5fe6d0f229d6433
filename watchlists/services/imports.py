"""Bulk import of watchlist entries: a CSV of rows and a ZIP of their images.

``start_import`` checks everything that can refuse the upload whole (who asks, the list's
state and window, the archive, the CSV's header) before a file or a row is written, then stores
both files, creates the ``ImportJob`` with ``watchlist.import_started`` and queues the task on
commit. ``run_import`` (the task) puts each row on the list through ``composition.add_entry``,
under one enrolment scope, outside any transaction as the gate requires; a row that breaks a
rule is refused with its code and leaves nothing behind, and the job's counts move on as it
goes, for the page's progress bar. At the end ``watchlist.import_finished`` carries the counts
(never a name or a record id) and the uploaded files are deleted.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from authority.models import User
from common.errors import DomainError
from common.storage import store_file
from gate.minting import mint_enrolment_scope
from oversight.ledger import record_event
from watchlists.archives import ImageArchive, open_archive
from watchlists.csv_rows import CsvRow, parse_csv
from watchlists.errors import ImageMissing
from watchlists.models import DuplicateFlag, ImportJob, ImportStatus, Watchlist, WatchlistEntry
from watchlists.services._common import (
    lock_watchlist,
    require_composing,
    require_composition_window,
    require_watchlist_officer,
    sha256,
)
from watchlists.services.composition import add_entry

logger = logging.getLogger(__name__)

# The job's results list is written every this many rows (its counts every row), and at the end.
# A running job whose heartbeat is older than this has lost its worker (a row takes well under
# a second; the slowest, a large image on a loaded machine, a few seconds).
STALE_AFTER = timedelta(minutes=5)
FINISHED = frozenset({ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED})


@dataclass(frozen=True)
class CheckedUpload:
    rows: list[CsvRow]
    members: int
    member_bytes: int


def check_upload(*, csv_bytes: bytes, zip_bytes: bytes) -> CheckedUpload:
    """The archive and the CSV, each checked whole, or the first reason either is refused."""
    archive = open_archive(zip_bytes)
    try:
        members, member_bytes = len(archive), archive.total_bytes
    finally:
        archive.close()
    rows = parse_csv(csv_bytes)
    return CheckedUpload(rows=rows, members=members, member_bytes=member_bytes)


def _require_open(watchlist: Watchlist) -> None:
    require_composing(watchlist)
    require_composition_window(watchlist, timezone.now())


@transaction.atomic
def start_import(
    *, watchlist: Watchlist, by: User, csv_bytes: bytes, zip_bytes: bytes
) -> ImportJob:
    """Accept an import for the list being composed, and queue it (see the module)."""
    require_watchlist_officer(by, "import entries into a watchlist")
    _require_open(watchlist)
    checked = check_upload(csv_bytes=csv_bytes, zip_bytes=zip_bytes)
    watchlist = lock_watchlist(watchlist)
    _require_open(watchlist)
    now = timezone.now()
    folder = f"watchlists/imports/{watchlist.pk}/{uuid.uuid4().hex}"
    saved: list[str] = []
    try:
        saved.append(store_file(f"{folder}/entries.csv", ContentFile(csv_bytes)))
        saved.append(store_file(f"{folder}/images.zip", ContentFile(zip_bytes)))
        job = ImportJob.objects.create(
            watchlist=watchlist,
            created_by=by,
            created_at=now,
            csv_file=saved[0],
            zip_file=saved[1],
            csv_sha256=sha256(csv_bytes),
            zip_sha256=sha256(zip_bytes),
            total_rows=len(checked.rows),
        )
        record_event(
            actor=by,
            action="watchlist.import_started",
            subject=watchlist,
            payload={
                "watchlist_id": watchlist.pk,
                "import_id": job.pk,
                "version": watchlist.version,
                "rows": len(checked.rows),
                "archive_members": checked.members,
                "archive_member_bytes": checked.member_bytes,
                "csv_bytes": len(csv_bytes),
                "zip_bytes": len(zip_bytes),
                "csv_sha256": job.csv_sha256,
                "zip_sha256": job.zip_sha256,
            },
        )
    except BaseException:
        # The transaction rolls back: leave no uploaded file behind it.
        for name in saved:
            default_storage.delete(name)
        raise
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _enqueue(job_id: int) -> None:
    from watchlists.tasks import run_watchlist_import  # the task module imports this one

    run_watchlist_import.delay(job_id)


def _claim(job_id: int) -> ImportJob | None:
    """The job, marked running, if it is queued or its worker was lost (a running job whose
    heartbeat stopped: the redelivered task resumes it); None if it has run or is running (a
    task delivered twice runs each row once)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        now = timezone.now()
        if job.status == ImportStatus.RUNNING:
            last = job.heartbeat_at or job.started_at
            if last is None or now - last < STALE_AFTER:
                return None
            logger.warning("Watchlist import %s resumes after row %s", job.pk, job.processed_rows)
            job.resumed = True
        elif job.status != ImportStatus.QUEUED:
            return None
        else:
            job.started_at = now
        job.status = ImportStatus.RUNNING
        job.heartbeat_at = now
        job.save(update_fields=["status", "started_at", "heartbeat_at"])
        return job


def _read_stored(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def run_import(job_id: int, *, backend=None) -> ImportJob:
    """Import the job's rows, once (see the module). Runs outside any transaction."""
    job = _claim(job_id)
    if job is not None:
        # Every error ends the job (``_fail``); only a lost worker (killed) leaves it running,
        # its uploads kept for the redelivered task to resume from.
        _run(job, backend)
        _delete_uploads(job)
    return ImportJob.objects.get(pk=job_id)


def _run(job: ImportJob, backend) -> None:
    archive: ImageArchive | None = None
    results: list[dict] = []
    try:
        watchlist = Watchlist.objects.select_related("authority", "gallery").get(
            pk=job.watchlist_id
        )
        by = job.created_by
        try:
            _require_open(watchlist)
            rows = parse_csv(_read_stored(job.csv_file.name))
            archive = open_archive(_read_stored(job.zip_file.name))
            scope = mint_enrolment_scope(
                application=watchlist.authority, by=by, gallery=watchlist.gallery
            )
        except DomainError as refusal:
            _refuse(job, refusal)
            return
        # A resumed job starts after the last row whose result was recorded.
        results = list(job.results or [])
        first = len(results) + 1
        kept = sum(r["outcome"] == "kept" for r in results)
        for number, row in enumerate(rows, start=1):
            if number < first:
                continue
            result = _import_row(watchlist, by, row, archive, scope, backend)
            if number == first and getattr(job, "resumed", False):
                result = _recovered(job, result)
            results.append(result)
            kept += result["outcome"] == "kept"
            # Each row's result is recorded with the counts, so a resume never runs it again.
            ImportJob.objects.filter(pk=job.pk).update(
                processed_rows=number,
                kept_rows=kept,
                results=results,
                heartbeat_at=timezone.now(),
            )
        _finish(job, results)
    except Exception as error:
        logger.exception("Watchlist import %s failed", job.pk)
        _fail(job, error, results)
    finally:
        if archive is not None:
            archive.close()


def _recovered(job: ImportJob, result: dict) -> dict:
    """The first row after a resume may have been kept just before the worker was lost, its
    result not yet recorded: its entry, made by this job's officer since the job began, is
    the row kept, not a duplicate."""
    if result["outcome"] != "refused" or result["code"] != "duplicate_record":
        return result
    entry = WatchlistEntry.objects.filter(
        watchlist_id=job.watchlist_id,
        record_id=result["record_id"],
        removed_in__isnull=True,
        created_by_id=job.created_by_id,
        created_at__gte=job.started_at,
    ).first()
    if entry is None:
        return result
    return result | {"outcome": "kept", "code": "", "detail": "", "entry_id": entry.pk}


def _import_row(watchlist, by, row: CsvRow, archive: ImageArchive, scope, backend) -> dict:
    result = {"row": row.number, "record_id": row.record_id[:120]}
    try:
        details = row.details()
        if not row.image:
            raise ImageMissing("The row names no image.", field="image")
        image = archive.read(row.image)
        entry = add_entry(
            watchlist=watchlist,
            by=by,
            details=details,
            image=image,
            image_name=row.image,
            scope=scope,
            backend=backend,
        )
    except DomainError as refusal:
        result |= {"outcome": "refused", "code": refusal.code, "detail": refusal.detail}
        if refusal.field:
            result["field"] = refusal.field
        return result
    return result | {"outcome": "kept", "code": "", "detail": "", "entry_id": entry.pk}


def _refusal_counts(results: list[dict]) -> list[list]:
    # A list of [code, count]: a code ("no_face_found") as a payload key would read as biometric.
    counts = Counter(r["code"] for r in results if r["outcome"] == "refused")
    return [[code, count] for code, count in sorted(counts.items())]


def _finish(job: ImportJob, results: list[dict]) -> ImportJob:
    kept_ids = [r["entry_id"] for r in results if r["outcome"] == "kept"]
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.status = ImportStatus.DONE
        job.finished_at = timezone.now()
        job.results = results
        job.processed_rows = len(results)
        job.kept_rows = len(kept_ids)
        job.save(update_fields=["status", "finished_at", "results", "processed_rows", "kept_rows"])
        record_event(
            actor=job.created_by,
            action="watchlist.import_finished",
            subject=job.watchlist,
            payload={
                "watchlist_id": job.watchlist_id,
                "import_id": job.pk,
                "rows": job.total_rows,
                "kept": len(kept_ids),
                "refused": len(results) - len(kept_ids),
                "refusal_codes": _refusal_counts(results),
                "duplicates_flagged": DuplicateFlag.objects.filter(entry_id__in=kept_ids).count(),
                "csv_sha256": job.csv_sha256,
                "zip_sha256": job.zip_sha256,
            },
        )
    return job


def _refuse(job: ImportJob, refusal: DomainError) -> ImportJob:
    """The whole import refused when it came to run (the list signed off meanwhile, its window
    closed, the authority no longer live): no row was read."""
    return _stop(job, ImportStatus.REFUSED, refusal.code, refusal.detail, [], "import_refused")


def _fail(job: ImportJob, error: Exception, results: list[dict]) -> ImportJob:
    detail = (
        f"The import stopped unexpectedly ({type(error).__name__}) after {len(results)} rows; "
        "the rows it kept stay on the list. Start a new import for the rest."
    )
    return _stop(job, ImportStatus.FAILED, "import_failed", detail, results, "import_failed")


def _stop(job, status, code, detail, results, action) -> ImportJob:
    kept = sum(r["outcome"] == "kept" for r in results)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        job.status = status
        job.finished_at = timezone.now()
        job.error_code = code[:60]
        job.error = detail[:1000]
        job.results = results
        job.processed_rows = len(results)
        job.kept_rows = kept
        job.save(
            update_fields=[
                "status", "finished_at", "error_code", "error", "results", "processed_rows",
                "kept_rows",
            ]
        )  # fmt: skip
        record_event(
            actor=job.created_by,
            action=f"watchlist.{action}",
            subject=job.watchlist,
            payload={
                "watchlist_id": job.watchlist_id,
                "import_id": job.pk,
                "code": job.error_code,
                "rows": job.total_rows,
                "processed": len(results),
                "kept": kept,
            },
        )
    return job


def _delete_uploads(job: ImportJob) -> None:
    """The uploaded CSV and ZIP go once the job stops, whatever its outcome: the entries kept
    hold their own images."""
    for name in (job.csv_file.name, job.zip_file.name):
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("Could not delete an import's upload %s", name)
    ImportJob.objects.filter(pk=job.pk).update(csv_file="", zip_file="")


def kept_entries(job: ImportJob):
    ids = [r["entry_id"] for r in job.results if r.get("outcome") == "kept"]
    return WatchlistEntry.objects.filter(pk__in=ids)
