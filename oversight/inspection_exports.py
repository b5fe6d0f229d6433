"""Inspection exports asked for from the oversight pages: a request is a row and a ledger
event; a Celery task builds the zip (``oversight.export``) into storage and records its SHA-256,
so the body can check the file it downloads against the ledger.

Any oversight user may download any built export: an oversight body inspects as one, and the
ledger records who asked for each (``inspection_export.requested``).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import date, timedelta
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from common.errors import DomainError
from common.roles import Role
from common.storage import store_file
from oversight.errors import ExportDateInvalid
from oversight.export import ExportSummary, write_inspection_export
from oversight.ledger import record_event
from oversight.models import ExportState, InspectionExport

logger = logging.getLogger(__name__)

# No ledger of this platform predates it: an earlier year is a typing slip, not a request.
EARLIEST_SINCE = date(2000, 1, 1)
# A build still "building" this long after it started lost its worker; a redelivery resumes it.
STALE_AFTER = timedelta(hours=2)


def check_since(since: date | None) -> None:
    if since is None:
        return
    today = timezone.now().date()
    if since > today:
        raise ExportDateInvalid(
            f"The 'since' date cannot be in the future (today is {today:%d %B %Y}).",
            field="since",
        )
    if since < EARLIEST_SINCE:
        raise ExportDateInvalid(
            f"The 'since' date must be in {EARLIEST_SINCE.year} or later; leave it empty for "
            "the whole ledger.",
            field="since",
        )


@transaction.atomic
def request_inspection_export(*, by, since: date | None = None) -> InspectionExport:
    """Queue an export of the ledger (from ``since``, a UTC date, if given) for ``by``."""
    check_since(since)
    export = InspectionExport.objects.create(
        requested_by=by, requested_at=timezone.now(), since=since
    )
    record_event(
        actor=by,
        role=Role.OVERSIGHT,
        action="inspection_export.requested",
        subject=export,
        payload={"export_id": export.pk, "since": since.isoformat() if since else None},
    )
    transaction.on_commit(lambda: enqueue_inspection_export(export.pk))
    return export


def enqueue_inspection_export(export_id: int) -> bool:
    """Hand the build to the broker; a broker that is down leaves it queued."""
    from kombu.exceptions import OperationalError

    from oversight.tasks import build_inspection_export_task  # the task module imports this one

    try:
        build_inspection_export_task.delay(export_id)
    except OperationalError:
        logger.warning("Inspection export %s stays queued: the broker is unreachable.", export_id)
        return False
    return True


def build_inspection_export(export_id: int) -> InspectionExport:
    """Build a queued export into storage. A build that fails records why and keeps no file;
    an export that is built, failed or building (and not stale) is left as it is."""
    export = _claim(export_id)
    if export is None:
        return InspectionExport.objects.get(pk=export_id)
    try:
        with tempfile.TemporaryDirectory(prefix="wa-inspection-") as folder:
            path = Path(folder) / export.file_name
            summary = write_inspection_export(path, since=export.since)
            return _complete(export, path, summary)
    except Exception as error:
        logger.exception("Inspection export %s failed", export_id)
        return _fail(export, error)


def _claim(export_id: int) -> InspectionExport | None:
    with transaction.atomic():
        export = InspectionExport.objects.select_for_update().get(pk=export_id)
        now = timezone.now()
        stale = (
            export.state == ExportState.BUILDING
            and export.started_at is not None
            and export.started_at < now - STALE_AFTER
        )
        if export.state != ExportState.QUEUED and not stale:
            return None
        export.state = ExportState.BUILDING
        export.started_at = now
        export.save(update_fields=["state", "started_at"])
        return export


def _sha256_and_size(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest(), path.stat().st_size


def _complete(export: InspectionExport, path: Path, summary: ExportSummary) -> InspectionExport:
    sha256, size = _sha256_and_size(path)
    stored = None
    try:
        with transaction.atomic():
            export = InspectionExport.objects.select_for_update().get(pk=export.pk)
            with open(path, "rb") as handle:
                stored = store_file(
                    f"oversight/exports/{export.pk}/{export.file_name}", File(handle)
                )
            export.archive = stored
            export.state = ExportState.BUILT
            export.finished_at = timezone.now()
            export.sha256 = sha256
            export.size_bytes = size
            export.entries = summary.entries
            export.first_seq = summary.first_seq if summary.entries else None
            export.last_seq = summary.last_seq
            export.error = ""
            export.save()
            record_event(
                actor=None,
                action="inspection_export.built",
                subject=export,
                payload={
                    "export_id": export.pk,
                    "since": export.since.isoformat() if export.since else None,
                    "sha256": sha256,
                    "size_bytes": size,
                    "entries": summary.entries,
                    "first_seq": export.first_seq,
                    "last_seq": export.last_seq,
                    "checkpoint_tree_size": summary.checkpoint_tree_size,
                },
            )
    except BaseException:
        if stored:  # the row rolled back: keep no file it does not point at
            default_storage.delete(stored)
        raise
    return export


def _fail(export: InspectionExport, error: Exception) -> InspectionExport:
    if isinstance(error, DomainError):
        reason, code = error.detail, error.code
    else:  # the worker's log holds the traceback; the page says what happened, not how
        reason = f"The export could not be built ({type(error).__name__}); try again."
        code = type(error).__name__
    with transaction.atomic():
        export = InspectionExport.objects.select_for_update().get(pk=export.pk)
        export.state = ExportState.FAILED
        export.finished_at = timezone.now()
        export.error = reason
        export.archive = ""
        export.save()
        record_event(
            actor=None,
            action="inspection_export.failed",
            subject=export,
            payload={"export_id": export.pk, "code": code},
        )
    return export
